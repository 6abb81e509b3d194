"""How much logging adds to a request: the journaled `log_event` vs writing to DuckDB directly.

Run: .venv/bin/python benchmarks/store.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import duckdb
from results import table, write_section

from suite.settings import Settings
from suite.store import Store, new_id, now
from suite.tracking import track

N = 2000


def timed(fn, n: int) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def summary(name: str, samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "write path": name,
        "calls": len(samples),
        "p50 µs": round(statistics.median(ordered), 1),
        "p95 µs": round(ordered[int(0.95 * len(ordered)) - 1], 1),
        "mean µs": round(statistics.fmean(ordered), 1),
    }


def main() -> None:
    home = Path(tempfile.mkdtemp())
    store = Store(Settings.from_env(home=home / "a"), flush_interval_s=1.0)
    store.counts()
    journaled = timed(lambda i: store.log_event(module="bench", action="ask", latency_ms=1.0, input_summary="q"), N)

    def tracked_call(i: int) -> None:
        with track(store, module="bench", action="tracked") as call:
            call.output = {"i": i}

    tracked = timed(tracked_call, N)
    flush_started = time.perf_counter()
    store.flush(wait_s=10)
    flush_ms = (time.perf_counter() - flush_started) * 1000
    landed = store.scalar("SELECT count(*) FROM events WHERE module = 'bench'")

    direct_store = Store(Settings.from_env(home=home / "b"))
    direct_store.counts()
    sql = (
        "INSERT INTO events (request_id, ts, module, action, status, latency_ms) VALUES (?, ?, 'bench', 'ask', 'ok', 1)"
    )

    def open_insert_close(i: int) -> None:  # what a two-process-safe direct write costs
        with duckdb.connect(str(direct_store.path)) as con:
            con.execute(sql, [new_id(), now()])

    direct_open = timed(open_insert_close, 300)
    con = duckdb.connect(str(direct_store.path))
    direct_kept = timed(lambda i: con.execute(sql, [new_id(), now()]), 500)  # holds the lock: blocks the worker
    con.close()

    rows = [
        summary("store.log_event (journal; the suite's path)", journaled),
        summary("track() around a call (journal)", tracked),
        summary("DuckDB open + INSERT + close per event (baseline)", direct_open),
        summary("DuckDB INSERT on a kept-open connection (baseline; locks out other processes)", direct_kept),
    ]
    body = table(rows) + (
        f"\n\nAll {2 * N:,} journaled events landed in DuckDB: {landed:,} rows (the final flush took "
        f"{flush_ms:.0f} ms; flushing runs in a background thread, off the request path)."
    )
    write_section("store", "Usage logging overhead", body)
    print(body)


if __name__ == "__main__":
    main()
