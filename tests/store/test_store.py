from __future__ import annotations

import json
import time

import pytest

from suite.errors import InvalidInput
from suite.store import Store
from suite.store.schema import migrate


def test_migrations_create_core_tables_once(store):
    tables = {r["table_name"] for r in store.query("SELECT table_name FROM information_schema.tables")}
    assert {"events", "feedback", "model_versions", "jobs", "schema_migrations"} <= tables
    with store.connect() as con:
        assert migrate(con) == []  # already applied: nothing to do on the next open


def test_a_database_file_removed_while_the_process_runs_gets_its_tables_again(settings):
    """The process remembers a file as migrated; a new file at that path (a restore, a removed home) is not."""
    store = Store(settings)
    assert store.counts()["jobs"] == 0
    store.close()
    settings.db_path.unlink()
    again = Store(settings)
    assert again.counts() == {"events": 0, "feedback": 0, "model_versions": 0, "jobs": 0}
    again.close()


def test_event_and_feedback_are_linked_by_request_id(store):
    request_id = store.log_event(
        module="support",
        action="ask",
        model_name="minilm",
        model_version="v1",
        device="cpu",
        latency_ms=3.5,
        input_summary="How do I reset my password?",
        output_summary={"answered": True, "citations": 2},
    )
    feedback_id = store.log_feedback(module="support", kind="thumbs", value={"up": False}, request_id=request_id)
    rows = store.query(
        """SELECT e.action, e.model_version, e.output_summary, f.kind, f.value, f.review_state
           FROM feedback f JOIN events e USING (request_id) WHERE f.feedback_id = ?""",
        [feedback_id],
    )
    assert len(rows) == 1
    assert rows[0]["action"] == "ask" and rows[0]["model_version"] == "v1"
    assert json.loads(rows[0]["output_summary"]) == {"answered": True, "citations": 2}
    assert json.loads(rows[0]["value"]) == {"up": False} and rows[0]["review_state"] == "new"


def test_unknown_feedback_kind_is_refused_with_the_valid_ones(store):
    with pytest.raises(InvalidInput, match="thumbs"):
        store.log_feedback(module="support", kind="smiley", value=1)


def test_oversized_summaries_are_trimmed_not_rejected(store):
    store.log_event(module="support", action="ask", input_summary="x" * 50_000, output_summary={"t": "y" * 50_000})
    row = store.query("SELECT length(input_summary) AS n, output_summary FROM events")[0]
    assert row["n"] == 500
    assert json.loads(row["output_summary"])["truncated"] is True


def test_failed_transaction_leaves_data_as_it_was(store):
    store.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR)")
    store.execute("INSERT INTO notes VALUES (1, 'kept')")
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute("DELETE FROM notes")
        raise RuntimeError("import failed half-way")
    assert store.query("SELECT body FROM notes") == [{"body": "kept"}]


def test_background_flusher_makes_writes_visible_to_another_store(settings, store):
    store.log_event(module="risk", action="classify")
    other = Store(settings)  # e.g. the worker process reading what the dashboard logged
    deadline = time.monotonic() + 5
    while other.counts()["events"] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert other.counts()["events"] == 1


def test_two_stores_in_one_process_flush_the_same_journal_safely(settings, store):
    import threading

    other = Store(settings, flush_interval_s=0.05)
    errors: list[Exception] = []

    def write(target: Store) -> None:
        try:
            for i in range(200):
                target.log_event(module="support", action="ask", latency_ms=float(i))
                if i % 20 == 0:
                    target.flush(wait_s=5)
        except Exception as err:  # pragma: no cover - the assertion below reports it
            errors.append(err)

    threads = [threading.Thread(target=write, args=(s,)) for s in (store, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.flush(wait_s=5)
    other.flush(wait_s=5)
    assert errors == []
    assert store.scalar("SELECT count(*) FROM events") == 400
