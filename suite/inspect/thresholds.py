"""Escapes and false fails of a `Thresholds` on labelled images, and the rule that chose the defaults.

An escape is a defective image that PASSes (nobody looks at it again): what hurts a factory. A false fail is a
defect-free image that FAILs. REVIEW sits in between: a person looks. The defaults in `models.Thresholds` were
chosen with `choose` on the sample set's validation split (`benchmarks/inspection.py` reports them on test).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from suite.inspect.models import FAIL, PASS, REVIEW, Thresholds
from suite.inspect.verdicts import verdict

ESCAPE_BUDGET = 0.02  # defective images that may PASS
FALSE_FAIL_BUDGET = 0.10  # defect-free images that may FAIL
DETECTOR_FLOOR = 0.10  # pipelines.detector.DetectOptions.min_confidence: no box exists below it
MIN_BAND = 0.15  # a REVIEW band at least this wide, so that uncertain boxes go to a person

Labelled = tuple[bool, Sequence[tuple[str, float]]]  # (has a defect, the detector's (class, confidence) boxes)


@dataclass(frozen=True)
class VerdictRates:
    """Shares of images: escapes over defective ones, false fails over defect-free ones, REVIEW over all."""

    escapes: float
    false_fails: float
    review_rate: float
    defective: int
    defect_free: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def rates(images: Iterable[Labelled], thresholds: Thresholds) -> VerdictRates:
    """Escapes, false fails and REVIEW rate of `thresholds` on labelled images."""
    decided = [(bad, verdict(list(boxes), thresholds)) for bad, boxes in images]
    defective = [v for bad, v in decided if bad]
    good = [v for bad, v in decided if not bad]

    def share(values: list[str], which: str) -> float:
        return sum(v == which for v in values) / len(values) if values else 0.0

    return VerdictRates(
        escapes=share(defective, PASS),
        false_fails=share(good, FAIL),
        review_rate=share([v for _, v in decided], REVIEW),
        defective=len(defective),
        defect_free=len(good),
    )


def choose(images: Sequence[Labelled]) -> Thresholds:
    """Default cut-offs from a validation split (never the test split).

    The REVIEW floor goes as low as the defect-free images allow: the lowest value (from the detector's own
    floor up) at which at most `FALSE_FAIL_BUDGET` of them would get even a REVIEW, because an escape costs
    more than a second look. The FAIL cut-off is then the lowest value, at least `MIN_BAND` above the floor,
    that keeps false fails within half the budget (a margin for unseen photos) and escapes within theirs.
    Raises ValueError when no pair meets both budgets on these images.
    """
    good = [boxes for bad, boxes in images if not bad]
    grid = [round(DETECTOR_FLOOR + 0.05 * i, 2) for i in range(17)]  # 0.10 ... 0.90

    def flagged_share(floor: float) -> float:
        return sum(any(c >= floor for _, c in boxes) for boxes in good) / len(good) if good else 0.0

    floor = next((f for f in grid if flagged_share(f) <= FALSE_FAIL_BUDGET), grid[-1])
    for fail_at in (f for f in grid if f >= floor + MIN_BAND - 1e-9):
        candidate = Thresholds(default_fail_at=fail_at, review_band=round(fail_at - floor, 2))
        found = rates(images, candidate)
        if found.false_fails <= FALSE_FAIL_BUDGET / 2 and found.escapes <= ESCAPE_BUDGET:
            return candidate
    raise ValueError("no thresholds keep escapes and false fails within budget on these images")
