"""The REST API under load with models in-process vs on Ray Serve (1 and 2 replicas), and what 1,000 support
questions per second would need.

Three runs in one go, each a fresh copy of one prepared home served by `suite api --workers 1` and driven by
`benchmarks/api_load.py`'s locust clients and mix (imported, not copied): models in the API process; models
as Ray Serve deployments on a local Ray cluster (127.0.0.1) with 1 replica each; the same with 2 replicas.
Reported: requests/s, errors, p50/p95/p99 overall and for support answers, and each Ray run's ratio to the
in-process run. On one small machine Ray adds processes and hops on the same cores, so the ratios show its
overhead here, not what a cluster gains.

Then the per-question costs are measured, without the load: the CPU seconds one support answer costs the
calling process (retrieval, answer, usage log; the embedding done remotely), the CPU seconds one embedded
question costs the support replica (requests batched by `@serve.batch`), and the in-process answer for
comparison. From them, a written estimate of the API processes and replicas for 1,000 questions/s. On a GPU
box, `--costs-only` with `SUITE_RAY_GPU_FRACTION` set measures the GPU replica the same way.

Run: .venv/bin/python benchmarks/scale.py [--seconds 60] [--users 50] [--home PREPARED] [--costs-only]
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import api_load
from results import loads, table, write_section  # first: it notes the machine's load before the run

REPLICAS = (1, 2)
COST_QUESTIONS = 300  # support answers timed for the per-question costs
EMBED_REQUESTS = 600  # single-question requests fired at the support replica at once (so they batch)


def _start_ray(folder: Path) -> str:
    import ray

    ray.init(
        address="local",
        num_cpus=max(8, os.cpu_count() or 1),  # logical CPUs for scheduling 4 apps x 2 replicas; the cores are shared
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=str(folder),
        namespace="suite",
        logging_level="WARNING",
        log_to_driver=False,
    )
    return ray.get_runtime_context().gcs_address


def _load_run(prepared: Path, name: str, args, folder: Path, env: dict[str, str]) -> dict:
    for key in ("SUITE_RAY_ADDRESS", "SUITE_RAY_REPLICAS"):
        os.environ.pop(key, None)
    os.environ.update(env)  # `suite api` inherits it
    run = folder / name
    run.mkdir()
    print(f"{name}: {args.users} clients for {args.seconds} s ...", flush=True)
    result = api_load.run_one(prepared, 1, args.seconds, args.users, run)
    result["setup"] = name
    return result


def _row(result: dict, baseline: dict | None) -> dict:
    total = next(s for s in result["stats"] if s["Name"] == "Aggregated")
    support = next((s for s in result["stats"] if s["Name"] == "support answers"), total)
    rate = float(total["Requests/s"])
    base = next(s for s in baseline["stats"] if s["Name"] == "Aggregated") if baseline else None
    return {
        "setup": result["setup"],
        "requests": int(total["Request Count"]),
        "req/s": rate,
        "x in-process": round(rate / float(base["Requests/s"]), 2) if base and float(base["Requests/s"]) else 1.0,
        "errors": int(total["Failure Count"]),
        "p50 ms": float(total["50%"]),
        "p95 ms": float(total["95%"]),
        "p99 ms": float(total["99%"]),
        "support p50 ms": float(support["50%"]),
        "support p95 ms": float(support["95%"]),
        "load avg start/end": f"{result['load_start']:.1f} / {result['load_end']:.1f}",
    }


def _replica_cpu_s(app: str) -> float:
    """CPU seconds used so far by the Serve replica processes of `app` (read from their process titles)."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["cmdline"]):
        try:
            if any(f"ServeReplica:{app}" in part for part in process.info["cmdline"] or []):
                times = process.cpu_times()
                total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def _costs(prepared: Path, address: str, folder: Path) -> dict:
    """CPU seconds per support answer: in-process, in the caller with Ray, in the support replica."""
    import json

    from suite.settings import Settings
    from suite.store import Store
    from suite.support.service import ask

    home = folder / "costs-home"
    shutil.copytree(prepared, home)
    root = Path(__file__).resolve().parent.parent
    questions = [json.loads(line)["question"] for line in (root / "sample_data/support/eval.jsonl").open()]
    # distinct texts: a repeated question would be answered from the caller's vector cache, never reaching the model
    asked = [f"{questions[i % len(questions)]} (case {i})" for i in range(COST_QUESTIONS)]
    out: dict[str, float] = {}
    for name, ray_address in (("in-process", ""), ("ray caller", address)):
        store = Store(Settings.from_env(home=home, ray_address=ray_address))
        for question in questions[:5]:  # warm: index built, vectors cached for these only
            ask(store, question)
        started_cpu, started = time.process_time(), time.perf_counter()
        replica_before = _replica_cpu_s("suite-support")
        for question in asked:
            ask(store, question)
        out[f"{name} cpu ms"] = 1000 * (time.process_time() - started_cpu) / len(asked)
        out[f"{name} wall ms"] = 1000 * (time.perf_counter() - started) / len(asked)
        if ray_address:
            out["replica cpu ms (in answers)"] = 1000 * (_replica_cpu_s("suite-support") - replica_before) / len(asked)
        store.close()
    out.update(_replica_throughput(address))
    return out


def _replica_throughput(address: str) -> dict[str, float]:
    """Fire EMBED_REQUESTS one-question requests at the support deployment at once: questions/s and replica CPU."""
    from ray import serve

    handle = serve.get_app_handle("suite-support")
    texts = [f"How do I reset the password of account number {i}?" for i in range(EMBED_REQUESTS)]
    handle.embed.remote(("default", texts[:1])).result()
    before = _replica_cpu_s("suite-support")
    started = time.perf_counter()
    responses = [handle.embed.remote(("default", [text])) for text in texts]
    for response in responses:
        response.result(timeout_s=600)
    wall = time.perf_counter() - started
    used = _replica_cpu_s("suite-support") - before
    states = serve.status().applications["suite-support"].deployments["support-text"].replica_states
    replicas = sum(states.values())
    return {
        "replica questions/s": EMBED_REQUESTS / wall,
        "replica cpu ms per question": 1000 * used / EMBED_REQUESTS,
        "replicas measured": float(max(1, replicas)),
    }


def _estimate(costs: dict[str, float], target: int = 1000) -> str:
    caller_cores = target * costs["ray caller cpu ms"] / 1000
    # per answer the replica embeds the question and, once, the sentences of new cited passages: the larger figure
    replica_ms = max(costs["replica cpu ms per question"], costs.get("replica cpu ms (in answers)", 0.0))
    replica_cores = target * replica_ms / 1000
    per_api = 1000 / costs["ray caller cpu ms"] if costs["ray caller cpu ms"] else float("inf")
    per_replica_core = 1000 / replica_ms if replica_ms else 0
    gpu = float(os.environ.get("SUITE_RAY_GPU_FRACTION", "0") or 0)
    lines = [
        f"Measured per support question: the API process spends {costs['ray caller cpu ms']:.1f} ms of CPU "
        "(retrieval, answer, usage log, the Ray call) and the support replica "
        f"{costs['replica cpu ms per question']:.1f} ms of CPU per embedded question when requests batch "
        f"({replica_ms:.1f} ms per answer, with the answer's sentences; "
        f"{costs['replica questions/s']:.0f} questions/s from "
        f"{costs['replicas measured']:.0f} replica(s) here); in-process one answer costs "
        f"{costs['in-process cpu ms']:.1f} ms.",
        f"For {target:,} questions/s: about {math.ceil(caller_cores * 1.5)} API cores ({caller_cores:.1f} busy cores "
        f"+ 50 % headroom; one core answers ~{per_api:.0f}/s), e.g. {math.ceil(caller_cores * 1.5 / 4)} API machines "
        f"of 4 cores, and {math.ceil(replica_cores * 1.5)} replica cores for the embedder ({replica_cores:.1f} busy; "
        f"~{per_replica_core:.0f} questions/s per core), i.e. SUITE_RAY_REPLICAS={math.ceil(replica_cores * 1.5)} "
        "with one core each on CPUs.",
    ]
    if gpu > 0:
        per_gpu = costs["replica questions/s"] / costs["replicas measured"] / gpu
        lines.append(
            f"Measured on this GPU box (SUITE_RAY_GPU_FRACTION={gpu:g}): {per_gpu:.0f} questions/s per whole GPU, so "
            f"{math.ceil(target * 1.5 / per_gpu)} GPU(s) for the embedder with 50 % headroom."
        )
    else:
        lines.append(
            "No GPU here: a GPU replica's rate is not measured. Run `benchmarks/scale.py --costs-only` on the GPU box "
            "with SUITE_RAY_GPU_FRACTION=0.25 to measure it; MiniLM-sized models then share one GPU four ways."
        )
    lines.append("All figures use distinct questions (no vector-cache hits), so they are the cost of new questions.")
    return "\n".join(lines)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--home", type=Path, help="a SUITE_HOME with the models prepared and the demo loaded")
    parser.add_argument("--costs-only", action="store_true", help="skip the load runs; measure the costs only")
    args = parser.parse_args()
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "YOLO_OFFLINE"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from ray import serve

    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        folder = Path(tmp)
        prepared = args.home or api_load._prepared_home(folder)
        results = []
        if not args.costs_only:
            results.append(_load_run(prepared, "in-process", args, folder, {}))
        ray_temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's socket paths must fit
        address = _start_ray(ray_temp)
        try:
            for replicas in REPLICAS if not args.costs_only else ():
                env = {"SUITE_RAY_ADDRESS": address, "SUITE_RAY_REPLICAS": str(replicas)}
                results.append(_load_run(prepared, f"ray serve, {replicas} replica(s)", args, folder, env))
                serve.shutdown()  # the next run deploys its own replica count
            os.environ.update({"SUITE_RAY_ADDRESS": address, "SUITE_RAY_REPLICAS": "1"})
            print("per-question costs ...", flush=True)
            costs = _costs(prepared, address, folder)
        finally:
            for key in ("SUITE_RAY_ADDRESS", "SUITE_RAY_REPLICAS"):
                os.environ.pop(key, None)
            _stop_ray()
            shutil.rmtree(ray_temp, ignore_errors=True)
    rows = [_row(r, results[0]) for r in results]
    body = (
        f"{args.users} clients (benchmarks/api_load.py's locust users and mix) for {args.seconds} s per run against "
        "`suite api --workers 1`: models in the API process, then on Ray Serve (local cluster on the same machine, "
        f"{os.cpu_count()} cores) with 1 and 2 replicas per module. Same machine, so Ray's ratio is its overhead "
        "here.\n\n"
        + (f"{table(rows)}\n\n" if rows else "")
        + "Per-question costs (no load):\n\n"
        + table([{k: round(v, 2) for k, v in costs.items()}])
        + "\n\n"
        + _estimate(costs)
        + "\n"
    )
    print(body)
    print(f"load average now: {loads()} on {os.cpu_count()} cores")
    write_section("scale", "Inference on Ray Serve: API load and the estimate for 1,000 questions/s", body)
    if any(r["errors"] for r in rows):
        raise SystemExit("requests failed during a load run (see the table)")


def _stop_ray() -> None:
    import ray
    from ray import serve

    try:
        serve.shutdown()
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
