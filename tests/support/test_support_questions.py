"""Questions and corrections as typed: cleaned before anything is answered or stored (no model needed)."""

import json

import pytest

from suite.support.answers import clean_question, clean_text
from suite.support.models import InvalidQuestion


def test_control_invisible_and_surrogate_characters_are_removed():
    # A terminal's undecodable bytes arrive as lone surrogates, which no JSON or database write accepts.
    question = clean_question("How\x00 do I\u200b reset \udcff my\x1b hub\u202e?")
    assert question == "How do I reset my hub?"
    json.dumps(question).encode("utf-8")
    assert clean_text("Line one\nline\ttwo\x07") == "Line one\nline\ttwo"


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (None, "type a question"),
        ("\x00\x01\u200b\ufeff", "type a question"),
        ("🙂🙃", "no letters or digits"),
        ("x" * 100_000, "100,000 characters long"),
    ],
)
def test_questions_without_words_or_too_long_are_refused(question, message):
    with pytest.raises(InvalidQuestion, match=message):
        clean_question(question)


@pytest.mark.parametrize("question", ["4012", "E-4012", "付款失败", "¿Cómo restablezco la contraseña?"])
def test_short_codes_and_other_scripts_are_questions(question):
    assert clean_question(question) == question
