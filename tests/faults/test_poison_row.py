"""A journaled row that breaks a constraint: quarantined with its reason; later writes, reads and commands work."""

from __future__ import annotations

from suite.store import Store, new_id, now
from suite.store.quarantine import QUARANTINE_AFTER
from tests.faults.userview import json_lines, one_line, run_suite


def test_a_poison_row_is_put_aside_and_every_command_keeps_working(settings):
    store = Store(settings, flush_interval_s=3600)
    good = store.log_feedback(module="support", kind="thumbs", value={"up": True})
    store.journal_row("feedback", {"feedback_id": new_id(), "ts": now().isoformat(), "kind": "thumbs"})  # no module
    store.journal.seal()  # ready for any process to copy

    status = run_suite("status", "--json")  # used to fail on every command, forever
    assert status.returncode == 0, status.stderr
    assert "Traceback" not in status.stderr

    for _ in range(QUARANTINE_AFTER):
        store.flush()
    [entry] = store.quarantined()
    assert entry.table == "feedback" and "NOT NULL" in entry.reason

    later = store.log_feedback(module="risk", kind="label", value={"label": "positive"})
    assert {r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")} == {good, later}

    check = run_suite("store", "check")
    assert check.returncode == 2 and "put aside" in one_line(check)
    [report] = json_lines(check.stdout)
    assert report["quarantined"] == 1 and report["tables"]["feedback"] == 2
    store.close()
