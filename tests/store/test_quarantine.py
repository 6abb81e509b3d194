"""One journaled row that breaks a constraint: put aside with its reason; everything else keeps working."""

from __future__ import annotations

import json

from suite.store import Store, new_id, now
from suite.store.quarantine import QUARANTINE_AFTER


def _poison(store: Store) -> str:
    """A feedback row without its NOT NULL `module` (as an older or buggy writer might journal)."""
    feedback_id = new_id()
    store.journal_row("feedback", {"feedback_id": feedback_id, "ts": now().isoformat(), "kind": "thumbs"})
    return feedback_id


def test_reads_work_at_once_while_a_poison_row_waits_in_the_journal(settings):
    store = Store(settings, flush_interval_s=3600)  # only reads flush here
    good = store.log_feedback(module="support", kind="thumbs", value={"up": True})
    _poison(store)
    assert store.scalar("SELECT count(*) FROM events") == 0  # no ConstraintException out of a read
    assert store.query("SELECT 1 AS one") == [{"one": 1}]
    for _ in range(QUARANTINE_AFTER):
        store.flush()
    assert [r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")] == [good]
    store.close()


def test_a_poison_row_is_quarantined_with_its_reason_and_later_writes_flow(settings):
    store = Store(settings, flush_interval_s=3600)
    before = store.log_feedback(module="support", kind="thumbs", value={"up": True})
    bad = _poison(store)
    flushes = [store.flush() for _ in range(QUARANTINE_AFTER)]
    assert flushes[:-1] == [False] * (QUARANTINE_AFTER - 1) and flushes[-1] is True
    [entry] = store.quarantined()
    assert entry.table == "feedback" and entry.row["feedback_id"] == bad
    assert "NOT NULL" in entry.reason and "module" in entry.reason
    assert json.loads(json.dumps(entry.as_dict()))["row"]["feedback_id"] == bad
    assert (settings.spool_dir / "quarantine" / entry.file).exists()  # kept on disk, never dropped

    after = store.log_feedback(module="risk", kind="label", value={"label": "negative"})
    assert store.flush() is True
    ids = {r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")}
    assert ids == {before, after}
    assert store.journal.ready_files() == []
    store.close()


def test_the_background_flusher_quarantines_without_anyone_reading(settings):
    store = Store(settings, flush_interval_s=0.05)
    _poison(store)
    good = store.log_event(module="support", action="ask")
    deadline = __import__("time").monotonic() + 10
    while not store.quarantined() and __import__("time").monotonic() < deadline:
        __import__("time").sleep(0.05)
    assert len(store.quarantined()) == 1
    assert store.scalar("SELECT request_id FROM events") == good
    store.close()


def test_a_row_for_an_unknown_table_is_quarantined_not_retried_forever(settings):
    store = Store(settings, flush_interval_s=3600)
    store.journal_row("no_such_table", {"id": 1})
    store.journal_row("events; DROP TABLE feedback", {"id": 1})
    for _ in range(QUARANTINE_AFTER):
        store.flush()
    reasons = sorted(e.reason.split(":")[0] for e in store.quarantined())
    assert reasons == ["CatalogException", "ValueError"]
    assert store.scalar("SELECT count(*) FROM feedback") == 0  # the table is still there
    store.close()
