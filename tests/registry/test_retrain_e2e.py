"""End to end on the real store and the real risk model (MiniLM + logistic-regression head):
feedback through the module's API -> review queue -> `suite retrain` -> gate -> promote / rollback -> served."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from suite.ops import drift
from suite.registry import champion_dir, champion_version
from suite.registry.versions import get_version
from suite.review import Filters, decide, decide_matching, list_feedback

pytestmark = pytest.mark.slow

SUITE = str(Path(sys.executable).with_name("suite"))
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "risk"
FLIP = {"positive": "negative", "negative": "positive", "neutral": "negative"}


def suite(*args: str) -> list[dict]:
    result = subprocess.run([SUITE, *args], capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert result.returncode in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _load_headlines(store, n: int) -> list[dict]:
    from suite.risk.service import ingest, upsert_watchlist

    with (SAMPLE / "watchlist.csv").open(newline="", encoding="utf-8") as handle:
        upsert_watchlist(store, list(csv.DictReader(handle)))
    lines = (SAMPLE / "headlines.csv").read_text(encoding="utf-8").splitlines()
    ingest(store, "\n".join(lines[: n + 1]), "headlines.csv", user="test")
    return store.query("SELECT headline_id, headline, label FROM risk_headlines ORDER BY ts")


def _truth(headline: str) -> str | None:
    from suite.risk.service import template_truth

    patterns = _truth.patterns = getattr(_truth, "patterns", None) or template_truth()
    return next((label for pattern, label in patterns if pattern.match(headline)), None)


def _served_version(settings) -> str:
    from suite.risk.service import current_classifier

    return current_classifier(settings).model_version


def _artifact_version(settings, version: str) -> str:
    return (settings.models_dir / "risk" / version / "VERSION").read_text().strip()


def test_review_retrain_gate_promote_rollback(settings, store):
    from suite.risk.service import correct_label

    headlines = [h for h in _load_headlines(store, 200) if _truth(h["headline"])]
    default_served = _served_version(settings)
    mix = next(s for s in drift(store) if s.signal == "headline labels: latest week vs training")
    assert mix.module == "risk" and 0 <= mix.change <= 1 and mix.level in ("stable", "watch", "drifting")

    # 1. A poisoned batch: 100 corrections with flipped labels, accepted by a careless reviewer.
    poisoned = [
        correct_label(store, h["headline_id"], FLIP[_truth(h["headline"])], user="mallory") for h in headlines[:100]
    ]
    assert decide_matching(store, Filters(module="risk"), "accept", reviewer="careless") == len(poisoned)
    [job] = suite("retrain", "--module", "risk")
    assert job["state"] == "succeeded" and job["status"] == "rejected" and not job["promoted"]
    assert job["challenger"]["macro_f1"] < job["champion"]["macro_f1"]
    assert champion_version(settings, "risk") is None and _served_version(settings) == default_served
    bad = job["version"]
    assert get_version(store, "risk", bad).metrics["gate"]["passed"] is False

    # 2. Someone overrides the gate and promotes it by hand (that takes a reason): the app serves it at once.
    refused = subprocess.run([SUITE, "models", "promote", "risk", bad], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "--override-reason" in refused.stderr and "Traceback" not in refused.stderr
    assert champion_version(settings, "risk") is None
    override = ["--override-reason", "the reviewer vouches for these labels"]
    assert suite("models", "promote", "risk", bad, *override) == [{"module": "risk", "serving": bad}]
    assert get_version(store, "risk", bad).override_reason == "the reviewer vouches for these labels"
    assert _served_version(settings) == _artifact_version(settings, bad)

    # 3. The review is redone: poison rejected, true corrections accepted; a retrain beats the bad champion.
    assert decide(store, poisoned, "reject", reviewer="alice") == len(poisoned)
    fixed = [correct_label(store, h["headline_id"], _truth(h["headline"]), user="alice") for h in headlines[:100]]
    assert decide(store, fixed, "accept", reviewer="alice") == len(fixed)
    assert all(i.reviewer == "alice" for i in list_feedback(store, Filters(module="risk", state="accepted")))
    [job] = suite("retrain", "--module", "risk")
    assert job["promoted"] and job["challenger"]["macro_f1"] >= job["champion"]["macro_f1"] + settings.promotion_margin
    assert job["feedback"]["challenger"] >= job["feedback"]["champion"]
    good = job["version"]
    assert champion_version(settings, "risk") == good
    assert _served_version(settings) == _artifact_version(settings, good)
    trained_on = get_version(store, "risk", good).trained_on
    assert set(trained_on["feedback_ids"]) <= set(fixed) and not set(trained_on["feedback_ids"]) & set(poisoned)

    # 4. Rollback restores the previous champion, then the default model; the app serves each.
    listed = {row["version"]: row["status"] for row in suite("models", "list", "--module", "risk")}
    assert listed == {bad: "retired", good: "champion"}
    assert suite("models", "rollback", "risk") == [{"module": "risk", "serving": bad}]
    assert _served_version(settings) == _artifact_version(settings, bad)
    assert suite("models", "rollback", "risk") == [{"module": "risk", "serving": "default"}]
    assert champion_dir(settings, "risk") is None and _served_version(settings) == default_served
