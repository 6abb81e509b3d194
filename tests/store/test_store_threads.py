"""The dashboard shares one Store between every browser session's thread and the flusher: no thread sees an error."""

from __future__ import annotations

import threading
from collections import Counter

import pandas as pd
import pytest

from suite.store import Store


def _run_threads(count: int, work) -> list[str]:
    errors: list[str] = []
    barrier = threading.Barrier(count)

    def body(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except Exception as err:  # collected: the assertion shows every one
            errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:120]}")

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def test_eight_threads_mixing_reads_writes_and_registered_frames_see_no_error(settings):
    store = Store(settings, flush_interval_s=0.01)  # the flusher runs all the time, as under load
    store.execute("CREATE TABLE notes (id VARCHAR PRIMARY KEY, body VARCHAR)")
    failures: Counter[str] = Counter()
    lock = threading.Lock()

    def work(t: int) -> None:
        for i in range(60):
            try:
                step = i % 6
                if step == 0:
                    store.log_feedback(module="support", kind="thumbs", value={"t": t, "i": i})
                elif step == 1:
                    store.query_df("SELECT count(*) AS n FROM events")
                elif step == 2:
                    with store.transaction() as con:  # a module registering a DataFrame, as risk/recommend do
                        con.register("incoming", pd.DataFrame({"id": [f"{t}-{i}"], "body": ["x"]}))
                        con.execute("INSERT INTO notes SELECT * FROM incoming")
                elif step == 3:
                    store.log_event(module="support", action="ask", latency_ms=float(i))
                    store.flush()
                elif step == 4:
                    store.query("SELECT * FROM feedback ORDER BY ts DESC LIMIT 5")
                else:
                    store.counts()
            except Exception as err:
                with lock:
                    failures[f"{type(err).__name__}: {str(err).splitlines()[0][:100]}"] += 1

    assert _run_threads(8, work) == []
    store.flush(wait_s=5)
    assert dict(failures) == {}
    assert store.scalar("SELECT count(*) FROM feedback") == 8 * 10
    assert store.scalar("SELECT count(*) FROM events") == 8 * 10
    assert store.scalar("SELECT count(*) FROM notes") == 8 * 10
    store.close()


def test_transactions_on_the_same_row_from_many_threads_all_commit(store):
    store.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    store.execute("INSERT INTO counter VALUES (1, 0)")

    def work(t: int) -> None:
        for _ in range(25):
            with store.transaction() as con:
                con.execute("UPDATE counter SET n = n + 1 WHERE id = 1")

    assert _run_threads(6, work) == []
    assert store.scalar("SELECT n FROM counter WHERE id = 1") == 6 * 25


def test_updates_outside_transactions_from_many_threads_all_land(store):
    store.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    store.execute("INSERT INTO counter VALUES (1, 0)")

    def work(t: int) -> None:
        for _ in range(25):
            store.execute("UPDATE counter SET n = n + 1 WHERE id = 1")

    assert _run_threads(6, work) == []
    assert store.scalar("SELECT n FROM counter WHERE id = 1") == 6 * 25


def test_a_read_inside_a_transaction_of_the_same_thread_does_not_wait_for_itself(store):
    store.execute("CREATE TABLE notes (id INTEGER)")
    store.log_event(module="support", action="ask")
    with store.transaction() as con:
        con.execute("INSERT INTO notes VALUES (1)")
        assert store.scalar("SELECT count(*) FROM notes") in (0, 1)  # another cursor: sees committed rows only
    assert store.scalar("SELECT count(*) FROM notes") == 1
    assert store.scalar("SELECT count(*) FROM events") == 1


@pytest.mark.parametrize("threads", [16])
def test_many_stores_on_one_file_in_one_process_share_one_instance(settings, threads):
    stores = [Store(settings, flush_interval_s=0.05) for _ in range(4)]

    def work(t: int) -> None:
        target = stores[t % len(stores)]
        for i in range(20):
            target.log_event(module="risk", action="classify", latency_ms=float(i))
            target.query("SELECT count(*) AS n FROM events")

    assert _run_threads(threads, work) == []
    for target in stores:
        target.close()
    assert Store(settings).scalar("SELECT count(*) FROM events") == threads * 20


def test_a_flush_inside_a_transaction_never_waits_for_a_flush_that_waits_for_it(settings):
    store = Store(settings, flush_interval_s=3600)
    store.log_event(module="support", action="ask")
    with store.transaction() as con:  # holds this process's write lock
        other = threading.Thread(target=store.flush, kwargs={"wait_s": 5})  # takes the journal, waits to write
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive()  # blocked on our write lock, holding the journal
        started = __import__("time").monotonic()
        assert store.flush() is False  # returns at once instead of deadlocking
        assert __import__("time").monotonic() - started < 1.0
        con.execute("SELECT 1")
    other.join(timeout=10)
    assert not other.is_alive()
    assert store.scalar("SELECT count(*) FROM events") == 1
    store.close()


OTHER_PROCESS = """
import sys, time
from suite.settings import Settings
from suite.store import Store
store = Store(Settings.from_env(), wait_s=10)
started = time.monotonic()
for i in range(20):
    store.log_feedback(module="risk", kind="label", value={"i": i})
    store.query("SELECT count(*) FROM feedback")
    with store.transaction() as con:
        con.execute("INSERT INTO notes VALUES (?)", [f"other-{i}"])
store.close()
print(round(time.monotonic() - started, 2))
"""


def test_another_process_gets_its_turn_while_this_one_is_busy(settings):
    import subprocess
    import sys
    import time

    store = Store(settings, flush_interval_s=0.05)
    store.execute("CREATE TABLE notes (id VARCHAR PRIMARY KEY)")
    stop = time.monotonic() + 60
    done = threading.Event()

    def busy(t: int) -> None:
        i = 0
        while not done.is_set() and time.monotonic() < stop:
            store.query("SELECT count(*) FROM events")
            store.log_event(module="support", action="ask")
            i += 1

    threads = [threading.Thread(target=busy, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    try:
        other = subprocess.run([sys.executable, "-c", OTHER_PROCESS], capture_output=True, text=True, timeout=120)
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert other.returncode == 0, other.stderr[-3000:]
    assert store.scalar("SELECT count(*) FROM notes") == 20
    assert store.scalar("SELECT count(*) FROM feedback") == 20
    store.close()
