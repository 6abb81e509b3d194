"""PASS / FAIL / REVIEW from detections and the per-class `Thresholds` a quality lead can read and set."""

from __future__ import annotations

from suite.inspect.models import FAIL, PASS, REVIEW, Thresholds


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
