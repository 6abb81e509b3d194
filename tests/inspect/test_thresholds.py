"""Default PASS/REVIEW/FAIL cut-offs: escapes and false fails on the sample set with the real default model."""

from __future__ import annotations

import pytest
from inspect_helpers import SAMPLE_SET
from PIL import Image

from suite.inspect.models import Thresholds
from suite.inspect.thresholds import ESCAPE_BUDGET, FALSE_FAIL_BUDGET, choose, rates

OLD = Thresholds(default_fail_at=0.5, review_band=0.25)


def _split(detector, split: str) -> list[tuple[bool, list[tuple[str, float]]]]:
    out = []
    for path in sorted((SAMPLE_SET / "images" / split).glob("*.jpg")):
        bad = bool((SAMPLE_SET / "labels" / split / f"{path.stem}.txt").read_text().strip())
        found = detector.detect(Image.open(path).convert("RGB")).detections
        out.append((bad, [(d.class_name, d.confidence) for d in found]))
    return out


@pytest.fixture(scope="module")
def val(detector):
    return _split(detector, "val")


@pytest.fixture(scope="module")
def test_split(detector):
    return _split(detector, "test")


def test_default_thresholds_keep_escapes_and_false_fails_within_budget_on_the_test_split(test_split):
    found = rates(test_split, Thresholds())
    assert found.defective >= 25 and found.defect_free >= 5
    assert found.escapes <= ESCAPE_BUDGET, found
    assert found.false_fails <= FALSE_FAIL_BUDGET, found
    assert found.review_rate < 0.5, found  # REVIEW in between, not a way of sending everything to a person
    before = rates(test_split, OLD)
    assert before.escapes > ESCAPE_BUDGET  # what the issue saw: the old defaults let defects PASS


def test_the_defaults_are_what_the_rule_picks_on_the_validation_split(val):
    chosen = choose(val)
    assert (chosen.default_fail_at, chosen.review_band) == (Thresholds().default_fail_at, Thresholds().review_band)
    found = rates(val, chosen)
    assert found.escapes <= ESCAPE_BUDGET and found.false_fails <= FALSE_FAIL_BUDGET / 2


def test_rates_count_escapes_false_fails_and_reviews_separately():
    t = Thresholds(default_fail_at=0.5, review_band=0.3)
    images = [
        (True, [("pit", 0.9)]),  # caught: FAIL
        (True, [("pit", 0.3)]),  # REVIEW
        (True, [("pit", 0.1)]),  # escape
        (True, []),  # escape
        (False, [("stain", 0.6)]),  # false fail
        (False, []),  # PASS
    ]
    found = rates(images, t)
    assert (found.escapes, found.false_fails, found.review_rate) == (0.5, 0.5, 1 / 6)


def test_choose_refuses_when_no_cut_off_meets_the_budgets():
    # a defect-free image as sure as any defect: every FAIL cut-off that catches the defect fails the good one
    images = [(True, [("pit", 0.2)]), (False, [("pit", 0.95)])]
    with pytest.raises(ValueError, match="within budget"):
        choose(images)
