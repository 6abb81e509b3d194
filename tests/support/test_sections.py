"""Section-level answers (issue 19): the section that answers, not just the right article."""

import pytest

from suite.support.answers import pick_sections, section_words
from suite.support.models import Chunk
from suite.support.service import ask

pytestmark = pytest.mark.slow  # real text models


def test_password_reset_lands_on_the_reset_section(kb_store):
    answer = ask(kb_store, "How do I reset my password?")
    assert answer.citations[0].source == "reset-password.md"
    assert answer.citations[0].heading == "Forgot your password"
    assert "Forgot password" in answer.answer and "Change password" not in answer.answer


def test_change_password_still_lands_on_the_change_section(kb_store):
    answer = ask(kb_store, "How do I change my password while signed in?")
    assert answer.citations[0].heading == "Changing your password while signed in"


def test_section_words_ignore_the_shared_article_title():
    change = Chunk("a#2", "a.md", 2, "Resetting your password", "Changing your password", "", "Go to Security.")
    forgot = Chunk("a#0", "a.md", 0, "Resetting your password", "Forgot", "", "We send a reset link.")
    assert section_words("reset my password", change) == 0.5
    assert section_words("reset my password", forgot) == 0.5
    assert section_words("resetting", forgot) == 1.0  # "reset" and "resetting" share a stem
    assert pick_sections("anything", []) == []
