"""`suite review list|accept|reject|undo` on the real store, in-process through the real command line."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from suite import clikit
from suite.review import decisions


def suite(*args: str, code: int = 0) -> list[dict]:
    from suite.cli import app

    clikit.reset()
    result = CliRunner().invoke(app, list(args), env={**os.environ})
    clikit.reset()
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    if code:
        return [{"error": result.stderr.strip()}]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def items(store) -> dict[str, str]:
    ids = {
        "risk-label": store.log_feedback(
            module="risk", kind="label", value={"headline": "Acme slumps", "label": "negative"}
        ),
        "risk-alarm": store.log_feedback(module="risk", kind="false_alarm", value={"headline": "Beta beats"}),
        "support-down": store.log_feedback(module="support", kind="thumbs", value={"question": "refund?", "up": False}),
        "support-up": store.log_feedback(module="support", kind="thumbs", value={"question": "hours?", "up": True}),
    }
    store.flush()
    return ids


def _states(store) -> dict[str, str]:
    return {r["feedback_id"]: r["review_state"] for r in store.query("SELECT feedback_id, review_state FROM feedback")}


def test_list_filters_and_json(store, items):
    listed = suite("review", "list", "--json")
    assert [row["feedback_id"] for row in listed] == list(items.values())  # new ones, oldest first
    assert listed[0]["value"] == {"headline": "Acme slumps", "label": "negative"} and listed[0]["review_state"] == "new"
    assert [r["feedback_id"] for r in suite("review", "list", "--module", "support", "--json")] == [
        items["support-down"],
        items["support-up"],
    ]
    assert [r["feedback_id"] for r in suite("review", "list", "--kind", "false_alarm", "--json")] == [
        items["risk-alarm"]
    ]
    assert len(suite("review", "list", "--limit", "2", "--json")) == 2
    assert (
        suite("review", "list", "--since", (datetime.now(UTC) + timedelta(days=1)).date().isoformat(), "--json") == []
    )
    assert len(suite("review", "list", "--since", "7d", "--json")) == 4
    assert suite("review", "list", "--state", "accepted", "--json") == []

    clikit.reset()
    from suite.cli import app

    text = CliRunner().invoke(app, ["review", "list", "--module", "risk"], env={**os.environ})
    assert text.exit_code == 0 and "2 item(s)" in text.stderr
    lines = text.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith(items["risk-label"]) and "label" in lines[0]


def test_accept_reject_by_id_and_undo(store, items):
    [accepted] = suite("review", "accept", items["risk-label"], items["risk-alarm"], "--reviewer", "alice")
    assert accepted == {"decision": "accept", "changed": 2, "unchanged": 0, "reviewer": "alice"}
    [again] = suite("review", "accept", items["risk-label"], "--reviewer", "alice")
    assert again["changed"] == 0 and again["unchanged"] == 1
    [rejected] = suite("review", "reject", items["support-down"], "--reviewer", "bob", "--note", "spam")
    assert rejected["changed"] == 1
    assert decisions(store, items["support-down"])[0].note == "spam"

    # an item decided the other way is not flipped by accept/reject: undo it first
    [refused] = suite("review", "accept", items["support-down"], "--reviewer", "bob", code=2)
    assert "already rejected" in refused["error"] and f"suite review undo {items['support-down']}" in refused["error"]
    assert suite("review", "undo", items["support-down"], "--reviewer", "bob") == [{"undone": 1}]
    assert suite("review", "accept", items["support-down"], "--reviewer", "bob")[0]["changed"] == 1

    assert suite("review", "undo", items["risk-label"], items["risk-alarm"], "--reviewer", "alice") == [{"undone": 2}]
    states = _states(store)
    assert states[items["risk-label"]] == states[items["risk-alarm"]] == "new"
    assert states[items["support-down"]] == "accepted"
    assert [r["feedback_id"] for r in suite("review", "list", "--state", "accepted", "--json")] == [
        items["support-down"]
    ]


def test_all_matching_needs_yes_and_names_the_count(store, items):
    [refused] = suite("review", "accept", "--all-matching", "--module", "support", "--reviewer", "alice", code=2)
    assert "would accept 2 feedback item(s)" in refused["error"] and "--yes" in refused["error"]
    assert set(_states(store).values()) == {"new"}
    [done] = suite("review", "reject", "--all-matching", "--module", "support", "--yes", "--reviewer", "alice")
    assert done["changed"] == 2
    states = _states(store)
    assert states[items["support-down"]] == states[items["support-up"]] == "rejected"
    assert states[items["risk-label"]] == "new"
    # nothing new matches any more: nothing to confirm
    [nothing] = suite("review", "reject", "--all-matching", "--module", "support", "--reviewer", "alice")
    assert nothing["changed"] == 0


def test_undo_last_takes_back_the_reviewers_latest_batch(store, items):
    suite("review", "accept", items["risk-label"], "--reviewer", "alice")
    suite("review", "reject", items["support-down"], items["support-up"], "--reviewer", "alice")
    [done] = suite("review", "undo", "--last", "--reviewer", "alice")
    assert done["undone"] == 2 and done["decision"] == "reject"
    assert sorted(done["ids"]) == sorted([items["support-down"], items["support-up"]])
    states = _states(store)
    assert states[items["support-down"]] == states[items["support-up"]] == "new"
    assert states[items["risk-label"]] == "accepted"
    [refused] = suite("review", "undo", "--last", items["risk-label"], "--reviewer", "alice", code=2)
    assert "not both" in refused["error"]
    suite("review", "undo", "--last", "--reviewer", "alice")
    [nothing] = suite("review", "undo", "--last", "--reviewer", "alice", code=2)
    assert "no decision left to undo" in nothing["error"]
