"""Optional redaction of e-mail addresses, phone numbers and card-like numbers in stored transcripts.

Speech models write numbers as digits ("4111 1111 1111 1111") or, for slow dictation, digit words
("four one one one ..."); both forms are caught.
"""

from __future__ import annotations

import re

_DIGIT_WORDS = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_EMAIL = re.compile(r"\b[\w.+-]+(?:\sdot\s[\w+-]+)*\s*(?:@|\sat\s)\s*[\w-]+(?:\s*(?:\.|\sdot\s)\s*[\w-]+)+\b", re.I)
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{6,}\d\b")
_SPOKEN_DIGITS = re.compile(rf"\b{_DIGIT_WORDS}(?:[\s,-]+{_DIGIT_WORDS}){{6,}}\b", re.I)


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


def redact(text: str) -> str:
    """Replace e-mails, card numbers (Luhn-valid), phone numbers and long spoken digit runs with tags.

    >>> redact("Mail jo@example.com or call 020 7946 0958.")
    'Mail [email] or call [phone].'
    """
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub(_card, text)
    text = _PHONE.sub(_phone, text)
    return _SPOKEN_DIGITS.sub("[number]", text)
