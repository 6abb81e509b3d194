"""A read copies the journal in first only when it names a table with rows waiting there.

So a page sees the usage event or feedback it just logged, and a read of other tables (a recommendation's
catalog lookup) does not pay for copying them on every request.
"""

from __future__ import annotations

from suite.store import Store


def _waiting(store: Store) -> int:
    return len(store.journal.ready_files()) + (1 if store.journal.pending else 0)


def test_a_read_of_a_journaled_table_sees_the_row_just_logged(store):
    store.query("SELECT 1")  # the first read of the process sweeps whatever a stopped process left
    store.log_event(module="support", action="ask", latency_ms=3.0)
    assert store.scalar("SELECT count(*) FROM events WHERE action = 'ask'") == 1


def test_a_read_of_other_tables_leaves_the_journal_to_the_flusher(settings):
    store = Store(settings, flush_interval_s=3600)  # the background copy would not run during the test
    try:
        store.query("SELECT 1")
        store.log_event(module="support", action="ask", latency_ms=3.0)
        assert _waiting(store) == 1
        assert store.scalar("SELECT count(*) FROM rec_items") == 0
        assert _waiting(store) == 1, "a read of rec_items copied the events journal in"
        assert store.scalar("SELECT count(*) FROM events") == 1
        assert _waiting(store) == 0
    finally:
        store.close()


def test_the_first_read_copies_what_a_stopped_process_left(settings):
    first = Store(settings, flush_interval_s=3600)
    first.log_event(module="support", action="ask", latency_ms=3.0)
    first.journal.seal()  # as a process that stopped before its flusher ran
    second = Store(settings, flush_interval_s=3600)
    try:
        assert second.scalar("SELECT count(*) FROM rec_items") == 0  # any table: the first read sweeps
        assert second._db is first._db and second.query("SELECT count(*) AS n FROM events")[0]["n"] == 1
    finally:
        second.close()
        first.close()
