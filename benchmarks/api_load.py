"""Load the REST API on 127.0.0.1 as customers' systems would: 50 clients, a realistic mix, 1 and 2 workers.

The mix (by share of calls): 60 % support answers (one in ten followed by thumbs feedback), 25 %
recommendations (one in five followed by a `view` event), 10 % headline classification, 5 % inspection of one
photo. For each worker count a fresh copy of a prepared home is served by `suite api --workers N`, driven by
locust headless for `--seconds`; reported: requests/s, p50/p95/p99 per endpoint, errors (must be 0), the
server's memory (all its processes) after warm-up and at the end, and whether every acknowledged feedback item
and event is in the store afterwards. The load average is printed beside the figures: other work on the
machine slows every number.

Run: .venv/bin/python benchmarks/api_load.py [--seconds 300] [--workers 1 2] [--users 50] [--home PREPARED]

This file is also the locustfile (locust imports it as a module; the script part runs only as __main__).
"""

from __future__ import annotations

import json
import os
import random
import threading
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIX = {"support": 60, "recommend": 25, "risk": 10, "inspect": 5}
FEEDBACK_EVERY = 10  # one support answer in ten gets thumbs feedback
EVENT_EVERY = 5  # one recommendation list in five gets a `view` event back

if __name__ != "__main__" and "API_LOAD_DATA" in os.environ:  # imported by locust: the simulated clients
    from locust import HttpUser, between, events, task

    _DATA = json.loads(Path(os.environ["API_LOAD_DATA"]).read_text())
    _ACKS: dict[str, list] = {"support_feedback_ids": [], "recommend_feedback_ids": [], "interactions_added": []}
    # (user, item, time) of every event acknowledged as added: a missing one can be named afterwards
    _ACKS_LOCK = threading.Lock()

    def _ack(kind: str, values: list) -> None:
        with _ACKS_LOCK:
            _ACKS[kind].extend(values)

    @events.quitting.add_listener
    def _write_acks(environment, **kwargs) -> None:
        Path(os.environ["API_LOAD_ACKS"]).write_text(json.dumps(_ACKS))

    class SuiteClient(HttpUser):
        """One customer system calling the suite with its own staff token."""

        wait_time = between(0.0, 0.05)

        def on_start(self) -> None:
            self.rng = random.Random()
            token = self.rng.choice(_DATA["tokens"])
            self.client.headers.update({"Authorization": f"Bearer {token}"})

        @task(MIX["support"])
        def support_answer(self) -> None:
            question = self.rng.choice(_DATA["questions"])
            with self.client.post("/v1/support/answers", json={"question": question}, name="support answers",
                                  catch_response=True) as response:  # fmt: skip
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                    return
                request_id = response.json()["request_id"]
            if self.rng.randrange(FEEDBACK_EVERY) == 0:
                body = {"request_id": request_id, "thumbs_up": self.rng.random() < 0.8}
                with self.client.post("/v1/support/feedback", json=body, name="support feedback",
                                      catch_response=True) as given:  # fmt: skip
                    if given.status_code == 200:
                        _ack("support_feedback_ids", given.json()["feedback_ids"])
                    else:
                        given.failure(f"HTTP {given.status_code}: {given.text[:200]}")

        @task(MIX["recommend"])
        def recommendations(self) -> None:
            user_id = self.rng.choice(_DATA["shoppers"])
            with self.client.get(f"/v1/recommend/users/{user_id}?k=10", name="recommend users",
                                 catch_response=True) as response:  # fmt: skip
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                    return
                items = [i["item_id"] for i in response.json()["items"]]
            if items and self.rng.randrange(EVENT_EVERY) == 0:
                stamp = datetime.now(UTC).isoformat()  # the shop's own clock, as a real system sends
                event = {"user_id": user_id, "item_id": self.rng.choice(items), "event": "view", "timestamp": stamp}
                body = {"events": [event]}
                with self.client.post("/v1/recommend/events", json=body, name="recommend events",
                                      catch_response=True) as sent:  # fmt: skip
                    if sent.status_code == 200:
                        added = sent.json()["interactions"]["rows_added"]
                        _ack("interactions_added", [[event["user_id"], event["item_id"], stamp, added]])
                    else:
                        sent.failure(f"HTTP {sent.status_code}: {sent.text[:200]}")

        @task(MIX["risk"])
        def classify_headline(self) -> None:
            body = {"headlines": [{"headline": self.rng.choice(_DATA["headlines"])}]}
            self.client.post("/v1/risk/headlines", json=body, name="risk headlines")

        @task(MIX["inspect"])
        def inspect_photo(self) -> None:
            name, path = self.rng.choice(_DATA["images"])
            files = [("files", (name, Path(path).read_bytes(), "image/jpeg"))]
            self.client.post("/v1/inspect/images", files=files, name="inspect images")


def _data(store, tokens: list[str], folder: Path) -> Path:
    """What the clients send: real questions, shoppers, headlines and photos from the sample data."""
    import csv

    from suite.recommend.service import shoppers

    questions = [json.loads(line)["question"] for line in (ROOT / "sample_data/support/eval.jsonl").open()]
    with (ROOT / "sample_data/risk/headlines.csv").open(newline="") as handle:
        headlines = [row["headline"] for _, row in zip(range(500), csv.DictReader(handle), strict=False)]
    images = sorted((ROOT / "sample_data/inspect/defects/images/test").glob("*.jpg"))[:10]
    data = {
        "tokens": tokens,
        "questions": questions,
        "shoppers": [s.user_id for s in shoppers(store, 300)],
        "headlines": headlines,
        "images": [(p.name, str(p)) for p in images],
    }
    path = folder / "load-data.json"
    path.write_text(json.dumps(data))
    return path


def _prepared_home(folder: Path) -> Path:
    from suite.lifecycle import load_demo, prepare_models
    from suite.settings import Settings
    from suite.store import Store

    home = folder / "prepared"
    settings = Settings.from_env(home=home)
    print("preparing models and the demo data (once, a few minutes)...", flush=True)
    prepare_models(settings)
    store = Store(settings)
    load_demo(store)
    store.flush(wait_s=30.0)
    store.close()
    return home


def _server_rss_mb(pid: int) -> float:
    import psutil

    try:
        process = psutil.Process(pid)
        family = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for member in family:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def _wait_ready(base: str, process, workers: int, limit_s: float = 900) -> None:
    """Ready answers per process: wait until many answers in a row are green (every worker warmed)."""
    import time

    import httpx

    deadline, streak = time.monotonic() + limit_s, 0
    while streak < 10 * workers:
        if process.poll() is not None:
            raise SystemExit(f"the API server exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the API was not ready within {limit_s:g} s")
        try:
            green = httpx.get(f"{base}/v1/ready", timeout=5).status_code == 200
        except httpx.TransportError:
            green = False
        streak = streak + 1 if green else 0
        time.sleep(0.1 if green else 1.0)


def run_one(prepared: Path, workers: int, seconds: int, users: int, folder: Path) -> dict:
    """Serve a fresh copy of the prepared home with `workers` processes and drive it; returns the figures."""
    import csv
    import shutil
    import signal
    import socket
    import subprocess
    import sys

    from suite.api.tokens import create_token
    from suite.auth import add_user, cli_identity
    from suite.settings import Settings
    from suite.store import Store

    home = folder / f"home-{workers}"
    shutil.copytree(prepared, home)
    shutil.rmtree(home / "spool", ignore_errors=True)
    settings = Settings.from_env(home=home)
    store = Store(settings)
    tokens = []
    for number in range(5):
        add_user(store, cli_identity(), f"load{number}", "staff")
        tokens.append(create_token(store, cli_identity(), f"load{number}", label="api_load").token)
    data = _data(store, tokens, folder)
    before = {
        "support": store.scalar("SELECT count(*) FROM feedback WHERE module = 'support'"),
        "interactions": store.scalar("SELECT count(*) FROM rec_interactions WHERE source = 'api'"),
    }
    store.close()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SUITE_HOME": str(home), "SUITE_API_RATE_PER_MINUTE": "1000000"}
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "suite"), "api", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        stderr=(folder / f"server-{workers}.log").open("w"),
    )
    try:
        _wait_ready(base, server, workers)
        memory_start = _server_rss_mb(server.pid)
        load_start = os.getloadavg()[0]
        prefix = folder / f"locust-{workers}"
        acks_file = folder / f"acks-{workers}.json"
        locust_env = {**os.environ, "API_LOAD_DATA": str(data), "API_LOAD_ACKS": str(acks_file)}
        subprocess.run(
            [str(bin_dir / "locust"), "-f", __file__, "--headless", "-u", str(users), "-r", str(users),
             "-t", f"{seconds}s", "--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            env=locust_env, check=False, timeout=seconds + 300,
        )  # fmt: skip
        memory_end = _server_rss_mb(server.pid)
        load_end = os.getloadavg()[0]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    with (folder / f"locust-{workers}_stats.csv").open(newline="") as handle:
        stats = list(csv.DictReader(handle))
    acks = json.loads(acks_file.read_text()) if acks_file.exists() else {}
    store = Store(settings)
    store.flush(wait_s=30.0)
    ids = acks.get("support_feedback_ids", [])
    found = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found += store.scalar(f"SELECT count(*) FROM feedback WHERE feedback_id IN ({marks})", chunk)
    support_after = store.scalar("SELECT count(*) FROM feedback WHERE module = 'support'")
    interactions = store.scalar("SELECT count(*) FROM rec_interactions WHERE source = 'api'") - before["interactions"]
    acked_events = acks.get("interactions_added", [])
    missing = _missing_events(store, [e for e in acked_events if e[3]])
    store.close()
    acked_interactions = sum(e[3] for e in acked_events)
    return {
        "workers": workers,
        "stats": stats,
        "memory_start_mb": memory_start,
        "memory_end_mb": memory_end,
        "load_start": load_start,
        "load_end": load_end,
        "feedback_acked": len(ids),
        "feedback_found": found,
        "feedback_new_rows": support_after - before["support"],
        "interactions_acked": acked_interactions,
        "interactions_found": interactions,
        "interactions_missing": missing,
    }


def _missing_events(store, acked: list[list]) -> list[list]:
    """The acknowledged (user, item, time) events that are not in the interaction log."""
    import pandas as pd

    stored = {
        (r["user_id"], r["item_id"], pd.Timestamp(r["ts"]).tz_convert("UTC"))
        for r in store.query("SELECT user_id, item_id, ts FROM rec_interactions WHERE source = 'api'")
    }
    return [e for e in acked if (e[0], e[1], pd.Timestamp(e[2]).tz_convert("UTC")) not in stored]


def report(results: list[dict], seconds: int, users: int) -> str:
    from results import table

    summary, endpoints = [], []
    for r in results:
        total = next(s for s in r["stats"] if s["Name"] == "Aggregated")
        ok = r["feedback_found"] == r["feedback_acked"] and r["interactions_found"] == r["interactions_acked"]
        summary.append(
            {
                "workers": r["workers"],
                "requests": int(total["Request Count"]),
                "req/s": float(total["Requests/s"]),
                "errors": int(total["Failure Count"]),
                "p50 ms": float(total["50%"]),
                "p95 ms": float(total["95%"]),
                "p99 ms": float(total["99%"]),
                "server MB start": round(r["memory_start_mb"]),
                "server MB end": round(r["memory_end_mb"]),
                "acked feedback in store": f"{r['feedback_found']}/{r['feedback_acked']}",
                "acked events in store": f"{r['interactions_found']}/{r['interactions_acked']}",
                "all acked found": "yes" if ok else "NO",
                "load avg start/end": f"{r['load_start']:.1f} / {r['load_end']:.1f}",
            }
        )
        for s in r["stats"]:
            if s["Name"] == "Aggregated":
                continue
            endpoints.append(
                {
                    "workers": r["workers"],
                    "endpoint": f"{s['Type']} {s['Name']}",
                    "requests": int(s["Request Count"]),
                    "req/s": float(s["Requests/s"]),
                    "errors": int(s["Failure Count"]),
                    "p50 ms": float(s["50%"]),
                    "p95 ms": float(s["95%"]),
                    "p99 ms": float(s["99%"]),
                }
            )
    return (
        f"{users} concurrent clients (locust headless) on 127.0.0.1 for {seconds} s per run; mix 60 % support "
        "answers (1 in 10 with feedback), 25 % recommendations (1 in 5 with a view event), 10 % headline "
        "classification, 5 % inspection of one photo. Server memory is the RSS of all its processes after warm-up "
        "and at the end. The load average (1 min) is the whole machine's: other work slows every figure.\n\n"
        f"{table(summary)}\n\nPer endpoint:\n\n{table(endpoints)}\n"
    )


def main() -> None:
    import argparse
    import tempfile

    from results import loads, write_section

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--home", type=Path, help="a SUITE_HOME with the models prepared and the demo loaded")
    args = parser.parse_args()
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "YOLO_OFFLINE"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        folder = Path(tmp)
        prepared = args.home or _prepared_home(folder)
        results = []
        for workers in args.workers:
            print(f"{workers} worker(s): {args.users} clients for {args.seconds} s ...", flush=True)
            results.append(run_one(prepared, workers, args.seconds, args.users, folder))
        body = report(results, args.seconds, args.users)
    print(body)
    for r in results:
        for user, item, stamp, _ in r["interactions_missing"][:20]:
            print(f"  {r['workers']} worker(s): acknowledged but not stored: {user} viewed {item} at {stamp}")
    print(f"load average now: {loads()} on {os.cpu_count()} cores")
    write_section("api_load", "REST API under load", body)
    bad = [r for r in results if next(s for s in r["stats"] if s["Name"] == "Aggregated")["Failure Count"] != "0"]
    lost = [
        r
        for r in results
        if r["feedback_found"] != r["feedback_acked"]
        or r["interactions_found"] != r["interactions_acked"]
        or r["interactions_missing"]
    ]
    if bad or lost:
        raise SystemExit("errors during the load, or acknowledged writes missing from the store (see above)")


if __name__ == "__main__":
    main()
