"""Collapse Whisper's runaway repeats ("thank you thank you thank you ...") and measure them (model post-processing)."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"\S+")


def _key(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def collapse_repeats(text: str, *, max_n: int = 10, min_repeats: int = 3) -> str:
    """Replace any run of the same 1..`max_n`-word phrase repeated `min_repeats`+ times back to back by one copy.

    Two repeats are left alone ("no, no"), because people do say things twice.

    >>> collapse_repeats("I see. Thank you. Thank you. Thank you. Thank you.")
    'I see. Thank you.'
    """
    words = _WORD.findall(text)
    if len(words) < min_repeats:
        return text.strip()
    keys = [_key(w) for w in words]
    changed = True
    while changed:
        changed = False
        for n in range(1, max_n + 1):
            i = 0
            while i + n * min_repeats <= len(words):
                unit = keys[i : i + n]
                if not any(unit):
                    i += 1
                    continue
                repeats = 1
                while keys[i + repeats * n : i + (repeats + 1) * n] == unit:
                    repeats += 1
                if repeats >= min_repeats:
                    # keep the last copy (its punctuation usually ends the sentence)
                    del words[i : i + (repeats - 1) * n]
                    del keys[i : i + (repeats - 1) * n]
                    changed = True
                i += 1
    return " ".join(words)


def max_ngram_repeat(text: str, n: int = 5) -> int:
    """How often the most frequent `n`-word phrase occurs (0 for shorter texts); a runaway loop makes it large."""
    keys = [k for k in (_key(w) for w in _WORD.findall(text)) if k]
    grams = Counter(tuple(keys[i : i + n]) for i in range(len(keys) - n + 1))
    return max(grams.values(), default=0)
