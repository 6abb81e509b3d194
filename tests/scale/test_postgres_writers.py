"""Many processes write to one PostgreSQL store: each journals its events and flushes them, and every one lands once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from suite.settings import Settings
from suite.store import Store
from tests.scale.postgres_server import ROOT, postgres_server, postgres_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.scale  # several processes or a cluster: make test-scale

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from suite.settings import Settings
    from suite.store import Store

    home, url, name, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = Store(Settings.from_env(home=home, database_url=url), flush_interval_s=0.05)
    for i in range(count):
        store.log_event(module="support", action="ask", user=name, request_id=f"{name}-{i:05d}", latency_ms=i)
        if i % 500 == 499:
            store.query("SELECT count(*) FROM events")  # a read flushes first, while the other writer writes too
    store.close(wait_s=30.0)
    left = store.journal.backlog()[1]
    print(name, "left", left)
    sys.exit(1 if left else 0)
    """
)


NAMES = ("dash-1", "dash-2", "api-1", "api-2")  # two dashboard and two API processes, as in issue 20


def test_four_processes_write_10000_events_and_all_arrive_once(tmp_path, postgres_url):  # noqa: F811
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / name), postgres_url, name, "2500"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in NAMES
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, out + err[-2000:]
    store = Store(Settings.from_env(home=tmp_path / "reader", database_url=postgres_url))
    try:
        rows = store.query('SELECT "user", count(*) AS n, count(DISTINCT request_id) AS ids FROM events GROUP BY 1')
        assert {r["user"]: (r["n"], r["ids"]) for r in rows} == {name: (2500, 2500) for name in NAMES}
        assert store.scalar("SELECT count(*) FROM events") == 10_000
        expected = {f"{name}-{i:05d}" for name in NAMES for i in range(2500)}
        assert {r["request_id"] for r in store.query("SELECT request_id FROM events")} == expected
    finally:
        store.close()


RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from suite.jobs import queue
    from suite.settings import Settings
    from suite.store import Store

    import psycopg
    from suite.store.postgres import PgCursor

    plain_execute = PgCursor.execute

    def slow_reads_in_transactions(self, sql, params=None):  # widens the read-then-write window of each body
        result = plain_execute(self, sql, params)
        if sql.lstrip().upper().startswith("SELECT") and "advisory" not in sql:
            if self._conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
                time.sleep(0.3)
        return result

    PgCursor.execute = slow_reads_in_transactions
    home, url, name, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4])
    store = Store(Settings.from_env(home=home, database_url=url))
    store.scalar("SELECT 1")  # connected and migrated before the start line
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.002)
    job_id, created = queue.enqueue(store, "risk", requested_by=name)
    claimed = queue.claim(store, "risk", worker=f"otherhost-{name}")
    print(job_id, int(created), int(claimed is not None))
    store.close()
    """
)


def test_processes_racing_to_queue_and_claim_one_job_get_one_job_and_one_claim(tmp_path, postgres_url):  # noqa: F811
    Store(Settings.from_env(home=tmp_path / "first", database_url=postgres_url)).scalar("SELECT 1")  # migrate once
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(tmp_path / f"r{i}"), postgres_url, f"r{i}", str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    for racer in racers:  # all connected: then they start together
        assert racer.stdout.readline().strip() == "ready", racer.stderr.read()[-2000:]
    go.touch()
    answers = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err[-2000:]
        answers.append(out.split())
    assert len({job_id for job_id, _, _ in answers}) == 1  # everyone saw the same job
    assert sum(int(created) for _, created, _ in answers) == 1
    assert sum(int(claimed) for _, _, claimed in answers) == 1
    store = Store(Settings.from_env(home=tmp_path / "reader", database_url=postgres_url))
    assert store.scalar("SELECT count(*) FROM jobs") == 1 and store.scalar("SELECT count(*) FROM job_locks") == 1
    store.close()
