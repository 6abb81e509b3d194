"""The dashboard and the worker share one DuckDB file: writes must survive a held lock, exactly once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    for _ in range(200):   # the store keeps the file a moment after its last operation: wait for it
        try:
            con = duckdb.connect(sys.argv[1])
            break
        except duckdb.IOException:
            time.sleep(0.05)
    con.execute("SELECT 1").fetchall()
    print("locked", flush=True)
    sys.stdin.readline()   # hold the lock until the test says so
    con.close()
    """
)


@pytest.fixture
def lock_holder(store):
    """Another process holding the database file, like a retraining worker in the middle of a write."""
    store.counts()  # create the file and its tables first
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store.path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    yield proc
    if proc.poll() is None:
        proc.stdin.close()
        proc.wait(timeout=30)


def _release(proc) -> None:
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(timeout=30)


def test_thousand_events_written_while_locked_arrive_exactly_once(store, lock_holder):
    with pytest.raises(duckdb.IOException):
        duckdb.connect(str(store.path))  # the file really is locked by the other process

    started = time.perf_counter()
    ids = [store.log_event(module="support", action="ask", latency_ms=float(i)) for i in range(1000)]
    elapsed = time.perf_counter() - started
    assert len(set(ids)) == 1000
    assert elapsed < 5.0  # never blocked by the lock (typically ~30 ms for all 1000)
    assert store.flush() is False  # still locked: nothing copied, nothing lost

    _release(lock_holder)
    assert store.flush(wait_s=5) is True
    rows = store.query("SELECT count(*) AS n, count(DISTINCT request_id) AS d, sum(latency_ms) AS s FROM events")
    assert rows[0] == {"n": 1000, "d": 1000, "s": sum(range(1000))}
    assert store.journal.ready_files() == []


def test_a_journal_file_copied_twice_still_lands_once(store):
    for i in range(50):
        store.log_event(module="risk", action="classify", latency_ms=float(i))
    store.journal.seal()
    [sealed] = store.journal.ready_files()
    backup = sealed.with_name("backup.bin")
    shutil.copy(sealed, backup)
    assert store.flush() is True
    backup.rename(sealed)  # as if the process crashed after COMMIT but before deleting the file
    assert store.flush() is True
    assert store.scalar("SELECT count(*) FROM events") == 50


def test_rows_of_a_process_that_died_before_flushing_are_recovered(store, settings):
    code = textwrap.dedent(
        """
        import os
        from suite.settings import Settings
        from suite.store import Store
        store = Store(Settings.from_env(), flush_interval_s=3600)
        for _ in range(25):
            store.log_feedback(module="support", kind="thumbs", value={"up": False})
        os._exit(0)   # no atexit flush: the rows exist only in the journal
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**__import__("os").environ})
    assert store.scalar("SELECT count(*) FROM feedback WHERE review_state = 'new'") == 25


def test_a_torn_last_line_is_kept_aside_not_dropped(store, settings):
    store.log_event(module="support", action="ask")
    store.journal.seal()
    [sealed] = store.journal.ready_files()
    with sealed.open("a") as handle:
        handle.write('{"table": "events", "row": {"request_')  # a write cut short by a crash
    assert store.flush() is True
    assert store.scalar("SELECT count(*) FROM events") == 1
    torn = list((settings.spool_dir / "torn").iterdir())
    assert len(torn) == 1 and "request_" in torn[0].read_text()
