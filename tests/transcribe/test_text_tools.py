from __future__ import annotations

from pipelines.repetition import collapse_repeats, max_ngram_repeat
from suite.redaction import redact_patterns as redact
from suite.transcribe.vocabulary import apply_replacements, parse_terms
from suite.transcribe.wer import corpus_wer, normalise, number_words, wer


def test_wer_normalisation_is_documented_behaviour():
    assert normalise("Meet at 3 o'clock - Friday!") == "meet at three oclock friday"
    assert number_words(1250) == "one thousand two hundred fifty"
    assert normalise("1,250.5 & 10%") == "one thousand two hundred fifty point five and ten percent"
    assert wer("between nine and eleven", "between 9 and 11.") == 0.0
    assert wer("a b c d", "a x c") == 0.5  # one substitution, one deletion
    assert wer("", "") == 0.0 and wer("", "invented words") == 1.0
    assert corpus_wer([("a b", "a b"), ("c d e f", "c")]) == 0.5


def test_repeats_collapse_but_real_speech_survives():
    assert collapse_repeats("I see. Thank you. Thank you. Thank you. Thank you.") == "I see. Thank you."
    assert collapse_repeats("no, no, that is fine") == "no, no, that is fine"
    looped = "we will ship it " * 12 + "on Monday"
    assert collapse_repeats(looped) == "we will ship it on Monday"
    assert max_ngram_repeat("a b c d e " * 5) == 5 and max_ngram_repeat("too short") == 0


def test_redaction_hides_contact_and_card_numbers():
    text = (
        "Mail jo.smith@example.com or call +44 20 7946 0958. Card 4111 1111 1111 1111, order 12345 from 2024. "
        "Spelled out: four one one one two two two three."
    )
    out = redact(text)
    for secret in ("jo.smith", "7946", "4111"):
        assert secret not in out
    assert "[email]" in out and "[phone]" in out and "[card number]" in out and "[number]" in out
    assert "order 12345 from 2024" in out  # short numbers and years stay


def test_vocabulary_terms_and_replacements():
    assert parse_terms("Northstar, ACME Cloud\nKPI, northstar") == ["Northstar", "ACME Cloud", "KPI"]
    fixed = apply_replacements(
        "North star suite helps. The north star is bright", {"north star suite": "Northstar Suite"}
    )
    assert fixed == "Northstar Suite helps. The north star is bright"


def test_corrections_teach_names_not_ordinary_words():
    from suite.transcribe.retrain import learn

    pairs = [
        ("call zen desk now about the question", "call Zendesk now about the questions"),
        ("open zen desk", "open Zendesk"),
        ("we use acme cloud daily", "we use ACME Cloud daily"),
    ]
    terms, replacements = learn(pairs)
    assert terms == ["Zendesk", "ACME Cloud"]
    assert replacements == {"zen desk": "Zendesk"}  # "question" -> "questions" is not a name: never learned
    assert learn(pairs[:1])[1] == {}  # one correction is not a recurring mistake
