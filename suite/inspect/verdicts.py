"""PASS / FAIL / REVIEW from detections and per-class thresholds a quality lead can read and set."""

from __future__ import annotations

from dataclasses import dataclass, field

PASS, FAIL, REVIEW = "PASS", "FAIL", "REVIEW"


@dataclass(frozen=True)
class Thresholds:
    """`fail_at[class]`: flag that class when the model is at least this sure (0-1).

    Boxes between `fail_at - review_band` and `fail_at` send the image to a person (REVIEW) instead of
    passing it silently; below that they are ignored.
    """

    fail_at: dict[str, float] = field(default_factory=dict)
    default_fail_at: float = 0.5
    review_band: float = 0.25

    def fail_threshold(self, class_name: str) -> float:
        return self.fail_at.get(class_name, self.default_fail_at)

    def review_threshold(self, class_name: str) -> float:
        return max(0.05, self.fail_threshold(class_name) - self.review_band)

    def describe(self, class_name: str) -> str:
        return (
            f"Flag {plural(class_name)} when the model is at least {self.fail_threshold(class_name):.0%} sure; "
            f"ask a person between {self.review_threshold(class_name):.0%} and {self.fail_threshold(class_name):.0%}."
        )

    def as_dict(self) -> dict:
        return {"fail_at": dict(self.fail_at), "default_fail_at": self.default_fail_at, "review_band": self.review_band}


def plural(class_name: str) -> str:
    return class_name + ("es" if class_name.endswith(("ch", "sh", "s")) else "s")


def box_status(class_name: str, confidence: float, thresholds: Thresholds) -> str:
    """What one box means for the verdict: FAIL (a defect), REVIEW (uncertain) or PASS (ignored)."""
    if confidence >= thresholds.fail_threshold(class_name):
        return FAIL
    if confidence >= thresholds.review_threshold(class_name):
        return REVIEW
    return PASS


def verdict(boxes: list[tuple[str, float]], thresholds: Thresholds) -> str:
    """FAIL if any box is a sure defect, else REVIEW if any is uncertain, else PASS."""
    statuses = {box_status(name, conf, thresholds) for name, conf in boxes}
    return FAIL if FAIL in statuses else REVIEW if REVIEW in statuses else PASS
