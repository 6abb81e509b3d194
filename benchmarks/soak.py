"""Soak the store as a busy dashboard does: 16 session threads, a second dashboard process and a worker process.

Every thread mixes a page's reads (usage by module, the review queue, job history), usage events,
feedback and job-style transactions on one shared `Store`, for `--minutes`. A second dashboard process
does the same with its own threads, and a worker process holds the file for about a second at a time
(claims a job, reads the accepted feedback, records a version) like a retraining run. At the end every
acknowledged write is looked up: rows found must equal rows written, and no operation may have failed.

Run: .venv/bin/python benchmarks/soak.py [--minutes 10] [--threads 16]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
from results import table, write_section  # first: it notes the machine's load before the run

from suite.settings import Settings
from suite.store import Store, new_id, now

PAGE_READS = (
    "SELECT module, count(*) AS uses, avg(latency_ms) AS ms FROM events GROUP BY module ORDER BY module",
    "SELECT feedback_id, module, kind, value FROM feedback WHERE review_state = 'new' ORDER BY ts DESC LIMIT 50",
    "SELECT job_id, module, state, created_at FROM jobs ORDER BY created_at DESC LIMIT 20",
)


class Load:
    """One process's share of the soak: threads doing mixed operations until the deadline."""

    def __init__(self, store: Store, role: str, deadline: float) -> None:
        self.store, self.role, self.deadline = store, role, deadline
        self.lock = threading.Lock()
        self.ops = 0
        self.failures: Counter[str] = Counter()
        self.read_ms: list[float] = []
        self.written: dict[str, list[str]] = {"events": [], "feedback": [], "jobs": []}

    def run(self, threads: int) -> None:
        workers = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def _loop(self, index: int) -> None:
        rng = random.Random(f"{self.role}-{index}")
        while time.monotonic() < self.deadline:
            try:
                self._one(rng)
            except Exception as err:  # counted: the soak's verdict is the number of these
                with self.lock:
                    self.failures[f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"] += 1
            with self.lock:
                self.ops += 1

    def _one(self, rng: random.Random) -> None:
        pick = rng.random()
        if pick < 0.45:  # a page render: its reads, timed as the user waits for them
            started = time.perf_counter()
            self.store.query(rng.choice(PAGE_READS))
            if rng.random() < 0.3:
                self.store.query_df(PAGE_READS[0])
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.read_ms.append(elapsed)
        elif pick < 0.75:
            request_id = self.store.log_event(module=rng.choice(("support", "risk")), action="ask", latency_ms=3.0)
            self._acked("events", request_id)
        elif pick < 0.90:
            feedback_id = self.store.log_feedback(module="support", kind="thumbs", value={"up": rng.random() < 0.5})
            self._acked("feedback", feedback_id)
        else:  # a job queued and started, as the Models page and the queue do
            job_id = new_id()
            with self.store.transaction() as con:
                con.execute(
                    "INSERT INTO jobs (job_id, module, state, requested_by, created_at) "
                    "VALUES (?, 'risk', 'queued', ?, ?)",
                    [job_id, self.role, now()],
                )
                con.execute("UPDATE jobs SET state = 'running', started_at = ? WHERE job_id = ?", [now(), job_id])
            self._acked("jobs", job_id)

    def _acked(self, table: str, key: str) -> None:
        with self.lock:
            self.written[table].append(key)

    def summary(self) -> dict:
        return {
            "role": self.role,
            "ops": self.ops,
            "failures": dict(self.failures),
            "read_ms": self.read_ms,
            "written": self.written,
        }


def hold_like_a_worker(store: Store, deadline: float, hold_s: float, every_s: float) -> dict:
    """Claim a job, read the accepted feedback and record a version inside one ~`hold_s` transaction."""
    holds, failures = 0, Counter()
    written: list[str] = []
    while time.monotonic() < deadline:
        try:
            job_id = new_id()
            with store.transaction() as con:
                con.execute(
                    "INSERT INTO jobs (job_id, module, state, requested_by, created_at) "
                    "VALUES (?, 'risk', 'running', 'worker', ?)",
                    [job_id, now()],
                )
                con.execute("SELECT count(*) FROM feedback WHERE review_state = 'new'").fetchall()
                time.sleep(hold_s)  # the file stays held, as during a worker's longer step
                con.execute("UPDATE jobs SET state = 'succeeded', finished_at = ? WHERE job_id = ?", [now(), job_id])
            written.append(job_id)
            holds += 1
        except Exception as err:
            failures[f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"] += 1
        time.sleep(every_s)
    return {"role": "worker", "ops": holds, "failures": dict(failures), "read_ms": [], "written": {"jobs": written}}


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def child(args: argparse.Namespace) -> None:
    store = Store(Settings.from_env(home=Path(args.home)))
    deadline = time.monotonic() + args.seconds
    if args.role == "worker":
        result = hold_like_a_worker(store, deadline, hold_s=args.hold_s, every_s=args.every_s)
    else:
        load = Load(store, args.role, deadline)
        load.run(args.threads)
        result = load.summary()
    store.close(wait_s=30)
    result["rss_mb"] = rss_mb()
    Path(args.out).write_text(json.dumps(result))


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(0.95 * len(ordered)) - 1)] if ordered else 0.0


def soak(seconds: float, threads: int, home: Path) -> dict:
    settings = Settings.from_env(home=home)
    store = Store(settings)
    store.counts()  # create the file and its tables before anyone races for it
    rss_start = rss_mb()
    script = str(Path(__file__).resolve())
    children = {}
    for role, extra in (("dashboard-2", ["--threads", "4"]), ("worker", [])):
        out = home / f"{role}.json"
        command = [sys.executable, script, "--role", role, "--home", str(home), "--seconds", str(seconds)]
        children[role] = (subprocess.Popen([*command, "--out", str(out), *extra]), out)
    started = time.monotonic()
    load = Load(store, "dashboard-1", started + seconds)
    load.run(threads)
    store.close(wait_s=30)
    rss_end = rss_mb()
    results = [load.summary()]
    for role, (proc, out) in children.items():
        proc.wait(timeout=seconds + 300)
        results.append(json.loads(out.read_text()) if out.exists() else {"role": role, "failures": {"no result": 1}})

    checker = Store(settings)
    checker.flush(wait_s=30)
    written = found = 0
    duplicates = {}
    keys = {"events": "request_id", "feedback": "feedback_id", "jobs": "job_id"}
    for name, key in keys.items():
        acked = {k for r in results for k in r.get("written", {}).get(name, [])}
        present = {row[key] for row in checker.query(f"SELECT {key} FROM {name}")}
        written += len(acked)
        found += len(acked & present)
        duplicates[name] = checker.scalar(f"SELECT count(*) - count(DISTINCT {key}) FROM {name}")
    checker.close()
    failures = Counter()
    for result in results:
        failures.update(result.get("failures", {}))
    reads = [ms for r in results if r["role"].startswith("dashboard") for ms in r["read_ms"]]
    return {
        "seconds": round(time.monotonic() - started, 1),
        "threads": threads,
        "processes": 1 + len(children),
        "ops": sum(r.get("ops", 0) for r in results),
        "ops_by_role": {r["role"]: r.get("ops", 0) for r in results},
        "failed": sum(failures.values()),
        "failures": dict(failures),
        "rows_written": written,
        "rows_found": found,
        "duplicate_rows": sum(duplicates.values()),
        "reads": len(reads),
        "read_p50_ms": round(statistics.median(reads), 1) if reads else 0.0,
        "read_p95_ms": round(p95(reads), 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_children_mb": {r["role"]: round(r.get("rss_mb", 0.0), 1) for r in results[1:]},
        "load_average": round(os.getloadavg()[0], 1),  # other work on the machine slows every number above
    }


def write_results(report: dict) -> None:
    r = report
    rows = [
        {"measure": "duration", "value": f"{r['seconds']:.0f} s"},
        {"measure": "threads + processes", "value": f"{r['threads']} threads + {r['processes'] - 1} processes"},
        {"measure": "operations done", "value": f"{r['ops']:,}"},
        {"measure": "operations failed (must be 0)", "value": r["failed"]},
        {"measure": "rows written / found (must be equal)", "value": f"{r['rows_written']:,} / {r['rows_found']:,}"},
        {"measure": "duplicate rows", "value": r["duplicate_rows"]},
        {"measure": "page reads, p50 / p95", "value": f"{r['read_p50_ms']} ms / {r['read_p95_ms']} ms"},
        {"measure": "dashboard RSS, start / end", "value": f"{r['rss_start_mb']} MB / {r['rss_end_mb']} MB"},
    ]
    by_role = ", ".join(f"{role} {ops:,}" for role, ops in report["ops_by_role"].items())
    body = table(rows) + (
        f"\n\nOperations by process: {by_role}. Each dashboard thread mixes a page's reads (45 %), usage events, "
        "feedback and a job transaction; the worker holds the file about 1 s in every 3 s. Load average at the "
        f"end: {report['load_average']} on {os.cpu_count()} cores."
    )
    if report["failures"]:
        body += "\n\nFailures: " + "; ".join(f"{k} ×{v}" for k, v in report["failures"].items())
    write_section("soak", "Store soak: threads and processes sharing one database", body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=None, help="overrides --minutes (short runs, tests)")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--home", default=None, help="SUITE_HOME to use (default: a fresh temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON line")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite benchmarks/RESULTS.md")
    parser.add_argument("--role", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--hold-s", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--every-s", type=float, default=2.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.seconds = args.seconds if args.seconds is not None else args.minutes * 60
    if args.role:
        child(args)
        return
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="suite-soak-"))
    report = soak(args.seconds, args.threads, home)
    if not args.no_write:
        write_results(report)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    sys.exit(0 if report["failed"] == 0 and report["rows_written"] == report["rows_found"] else 1)


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
