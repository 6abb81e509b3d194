"""Reading text of unknown encoding, the same way in every module: UTF-16 without a byte-order mark, and
UTF-8 that was once read as Windows-1252 ("CrÃ¨me" for "Crème"). Each module keeps its own byte-order-mark
table and refusal messages; these are the two guesses they share.
"""

from __future__ import annotations

import re

# UTF-8 read as Windows-1252: a lead byte (Â..ô) followed by what a continuation byte (0x80-0xBF) turns into.
MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013"
    "\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_SAMPLE_BYTES = 8192


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the zero bytes fall on one side of each pair, as in UTF-16 of Latin text."""
    sample = data[: _SAMPLE_BYTES - _SAMPLE_BYTES % 2]
    pairs = len(sample) // 2
    if pairs < 2 or len(data) % 2:
        return None
    even, odd = sample[0::2].count(0) / pairs, sample[1::2].count(0) / pairs
    if odd >= 0.3 and even <= 0.05:
        return "utf-16-le"
    if even >= 0.3 and odd <= 0.05:
        return "utf-16-be"
    return None


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 (or Latin-1) when the whole text converts back and comes out cleaner."""
    marks = len(MOJIBAKE.findall(text))
    if not marks:
        return text
    for legacy in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(legacy).decode("utf-8")
        except UnicodeError:
            continue
        if len(MOJIBAKE.findall(repaired)) < marks:
            return repaired
    return text
