"""The demo hook on the whole sample year: every planted negative episode alerts, and a second load adds nothing."""

from __future__ import annotations

import json

import pytest

from suite.risk import load_demo, model_status
from suite.risk.service import backtest

pytestmark = pytest.mark.slow


def test_load_demo_catches_the_planted_episodes_and_is_idempotent(store, risk_settings):
    first = load_demo(store).counts
    assert first["companies"] == 20 and first["headlines_added"] > 3000 and first["duplicates"] > 200
    assert first["sample_feedback"] >= 2
    outcome = backtest(store)
    assert outcome.caught == outcome.negative_episodes == 5
    assert outcome.positive_episodes_alerted == 0
    assert outcome.false_alerts_per_company_month < 0.05

    feedback = store.query("SELECT kind, value FROM feedback WHERE module = 'risk' ORDER BY ts")
    kinds = [f["kind"] for f in feedback]
    assert "correction" in kinds and "false_alarm" in kinds
    correction = json.loads(feedback[kinds.index("correction")]["value"])
    assert correction["headline"] and correction["corrected_label"] != correction["model_label"]

    second = load_demo(store).counts
    assert second["headlines_added"] == 0 and second["new_alerts"] == 0 and second["sample_feedback"] == 0
    assert store.scalar("SELECT count(*) FROM feedback WHERE module = 'risk'") == len(feedback)
    [entry] = model_status(risk_settings)
    assert entry.on_disk and entry.version.startswith("default-")
