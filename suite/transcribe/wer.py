"""Word error rate with one documented normalisation, so engines and corrections are scored the same way.

Normalisation (applied to reference and hypothesis alike):
1. lowercase; `&` -> "and", `%` -> "percent";
2. numbers written as digits become words ("3" -> "three", "11" -> "eleven", "1,250" -> "one thousand two
   hundred fifty"; decimals read digit by digit after "point");
3. hyphens and slashes split words; every other character that is not a letter, digit or space is dropped
   (so "o'clock" -> "oclock", "Friday." -> "friday");
4. whitespace collapsed.
WER = (substitutions + deletions + insertions) / reference words, from a word-level Levenshtein alignment.
"""

from __future__ import annotations

import re

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
    "seventeen eighteen nineteen".split()  # fmt: skip
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """Spoken form of a non-negative integer (below a trillion; longer numbers are read digit by digit)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            if n >= size * 1000:
                break
            rest = n % size
            return number_words(n // size) + " " + name + ("" if rest == 0 else " " + number_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def _spell_number(match: re.Match[str]) -> str:
    whole, _, decimals = match.group(0).replace(",", "").partition(".")
    words = number_words(int(whole))
    if decimals:
        words += " point " + " ".join(_ONES[int(d)] for d in decimals)
    return f" {words} "


def normalise(text: str) -> str:
    """The normalised form used for WER (see the module docstring)."""
    text = text.lower().replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"\d[\d,]*(?:\.\d+)?", _spell_number, text)
    text = re.sub(r"[-/]", " ", text)
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


def edit_counts(reference: list[str], hypothesis: list[str]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of the cheapest word alignment."""
    rows = len(reference) + 1
    cost = [[(0, 0, 0, 0)] * (len(hypothesis) + 1) for _ in range(rows)]  # (total, sub, del, ins)
    for j in range(1, len(hypothesis) + 1):
        cost[0][j] = (j, 0, 0, j)
    for i in range(1, rows):
        cost[i][0] = (i, 0, i, 0)
        for j in range(1, len(hypothesis) + 1):
            if reference[i - 1] == hypothesis[j - 1]:
                cost[i][j] = cost[i - 1][j - 1]
                continue
            t, s, d, n = cost[i - 1][j - 1]
            best = (t + 1, s + 1, d, n)
            t, s, d, n = cost[i - 1][j]
            best = min(best, (t + 1, s, d + 1, n))
            t, s, d, n = cost[i][j - 1]
            best = min(best, (t + 1, s, d, n + 1))
            cost[i][j] = best
    _, s, d, n = cost[-1][-1]
    return s, d, n


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of one pair; an empty reference scores 0.0 for an empty hypothesis, else 1.0."""
    ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return sum(edit_counts(ref, hyp)) / len(ref)


def corpus_wer(pairs: list[tuple[str, str]]) -> float:
    """Total errors over total reference words across (reference, hypothesis) pairs."""
    errors = words = 0
    for reference, hypothesis in pairs:
        ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
        errors += sum(edit_counts(ref, hyp))
        words += len(ref)
    return errors / words if words else 0.0
