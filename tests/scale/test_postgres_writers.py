"""Many processes write to one PostgreSQL store: each journals its events and flushes them, and every one lands once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from suite.settings import Settings
from suite.store import Store
from tests.scale.postgres_server import ROOT, postgres_server, postgres_url  # noqa: F401 (fixtures)

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
