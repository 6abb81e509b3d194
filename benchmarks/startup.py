"""Startup: `suite serve` to ready, the server's memory, first answers after ready, demo load — warm vs lazy.

Two paths, each on its own fresh copy of one prepared SUITE_HOME (models on disk, demo data loaded):

- **warm** (today's `suite serve`): the dashboard's server process loads every default model and builds every
  index in the background, and is *ready* when that warm-up has finished (its state file says so);
- **lazy** (before the warm-up): the same server command with `--no-warm-up`, *ready* when Streamlit answers
  its health check; each module then loads its model on its first request.

Measured per path:
1. seconds from starting the real server subprocess (127.0.0.1, a free port) to its first health answer and to
   ready, and the server process's RSS at ready (psutil; the warm path's `suite serve` also runs the retraining
   worker, a separate process not counted here).
2. the first and second answer of each module *after ready*, by calling the module's service function (the one
   its page calls) in a fresh Python process that, on the warm path, ran the same `suite.warmup` first. Why not
   through the pages: the pages call exactly these functions in the server process; driving Streamlit's
   websocket session headlessly adds rendering time that is the same on both paths and none of the model work
   the warm-up moves, while a fresh process per path gives each path a cold model cache, as a restarted server
   has. Also "answer after adding an article" (the issue's second support target).
3. demo load, cold (an empty store) and repeated (nothing changed): `suite demo` from the command line, and
   `load_demo` in a process that is warm vs one that is not (the Home button runs in the warm server).

Run: .venv/bin/python benchmarks/startup.py [--home PREPARED] [--quick]
`--quick` is a smoke run (minutes): a fresh home with one help article and no `suite prepare` / demo (the
recommender is then "not built"), no demo-load timings, and nothing written to RESULTS.md. Other work on the
machine slows every figure: run it alone.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import loads, table, write_section  # first: it notes the machine's load before the run

for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "YOLO_OFFLINE"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
SUITE = [sys.executable, "-c", "from suite.cli import app; app(prog_name='suite')"]
QUICK_ARTICLE = (
    "reset.md",
    b"# Reset your password\n\nOpen Settings, choose Security and press Reset password. We email you a link.\n",
)
NEW_ARTICLE = (
    "warranty-extension.md",
    b"# Extending your warranty\n\nYou can extend the warranty of a Hub H2 to five years within 60 days of "
    b"purchase: open the app, choose Devices, then Warranty, and pay the extension fee.\n",
)
NEW_QUESTION = "How do I extend the warranty of my hub?"


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "SUITE_HOME": str(home), "SUITE_DEVICE": os.environ.get("SUITE_DEVICE", "cpu")}


def _fresh_copy(source: Path, target: Path) -> Path:
    """A copy of a prepared home without its journal spool or any server's run state."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("spool", "run", "*.waiting"))
    return target


def _timed(cmd: list[str], home: Path, log: Path) -> float:
    started = time.perf_counter()
    with log.open("a") as out:
        subprocess.run(cmd, cwd=ROOT, env=_env(home), stdout=out, stderr=out, check=True)
    return time.perf_counter() - started


# -- the prepared home ---------------------------------------------------------------------------------------
def prepare_base(folder: Path, quick: bool) -> tuple[Path, list[dict]]:
    """A home with the models on disk (`suite prepare`), or in quick mode only one help article."""
    home = folder / "base"
    rows: list[dict] = []
    if quick:
        from suite.settings import Settings
        from suite.store import Store
        from suite.support.service import add_articles

        store = Store(Settings.from_env(home=home))
        add_articles(store, [QUICK_ARTICLE])
        store.flush(wait_s=30.0)
        store.close()
        return home, rows
    print("suite prepare (once, a few minutes)...", flush=True)
    rows.append(
        {"what": "`suite prepare` on an empty home", "s": _timed([*SUITE, "prepare"], home, folder / "cli.log")}
    )
    return home, rows


def demo_from_the_cli(base: Path, folder: Path) -> tuple[Path, list[dict]]:
    """`suite demo` twice on a copy of the prepared home: cold, then repeated; returns the loaded home."""
    home = _fresh_copy(base, folder / "demo-cli")
    log = folder / "cli.log"
    cold = _timed([*SUITE, "demo"], home, log)
    again = _timed([*SUITE, "demo"], home, log)
    return home, [
        {"what": "`suite demo`, cold (empty store)", "s": cold},
        {"what": "`suite demo`, repeated (nothing changed)", "s": again},
    ]


# -- the server --------------------------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    import psutil

    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.NoSuchProcess:
        return float("nan")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve_once(loaded: Path, folder: Path, path: str, limit_s: float = 1200) -> dict:
    """Start the server on a fresh copy of `loaded`; seconds to health and to ready, and its RSS at ready."""
    import urllib.request

    from suite import launch, warmup
    from suite.cli import serve_command
    from suite.settings import Settings

    home = _fresh_copy(loaded, folder / f"serve-{path}")
    port = free_port()
    settings = Settings.from_env(home=home)
    cmd = [*SUITE, "serve", "--port", str(port)] if path == "warm" else serve_command(port, warm_up=False)
    log = folder / f"serve-{path}.log"
    since = time.time()
    started = time.perf_counter()
    with log.open("w") as out:
        server = subprocess.Popen(cmd, cwd=ROOT, env=_env(home), stdout=out, stderr=out, stdin=subprocess.DEVNULL)
    try:
        health = ready = None
        pid = server.pid
        deadline = time.monotonic() + limit_s
        while ready is None:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the {path} server did not get ready; see {log}:\n{log.read_text()[-2000:]}")
            if health is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                    health = time.perf_counter() - started
                except OSError:
                    pass
            if path == "lazy":
                ready = health
            else:
                state = warmup.read_state(launch.state_file(settings, port))
                if state is not None and state.started_at >= since - 1 and state.finished and health is not None:
                    ready, pid = time.perf_counter() - started, state.pid
                    modules = {m: w.state for m, w in state.modules.items()}
            time.sleep(0.1)
        rss = _rss_mb(pid)
    finally:
        _stop(server)
    row = {"path": path, "to health s": health, "to ready s": ready, "server RSS at ready MiB": rss}
    if path == "warm":
        row["warm-up"] = state.summary()
        row["modules"] = modules
    return row


# -- first answers and demo load, in a fresh process per path (cold model cache) ---------------------------------
def _first_calls(store) -> list[tuple[str, object]]:
    """(module, a call of the function its page calls) with real inputs from sample_data/."""
    from suite.inspect.service import inspect_image
    from suite.recommend.service import recommend_for_user, shoppers
    from suite.risk.service import classify
    from suite.support.service import ask
    from suite.transcribe.service import transcribe_file

    question = json.loads((ROOT / "sample_data/support/eval.jsonl").open().readline())["question"]
    with (ROOT / "sample_data/risk/headlines.csv").open(newline="") as handle:
        headline = next(csv.DictReader(handle))["headline"]
    photo = sorted((ROOT / "sample_data/inspect/defects/images/test").glob("*.jpg"))[0]
    clip = ROOT / "sample_data/transcribe/report_us.wav"

    def recommend():
        found = shoppers(store, 1)
        return recommend_for_user(store, found[0].user_id if found else "shopper-1")

    return [
        ("support", lambda: ask(store, question)),
        ("recommend", recommend),
        ("inspect", lambda: inspect_image(store, photo)),
        ("transcribe", lambda: transcribe_file(store, clip)),
        ("risk", lambda: classify(store, [headline])),
    ]


def _ms(call) -> tuple[float | None, str]:
    from suite.errors import SuiteError

    started = time.perf_counter()
    try:
        call()
    except SuiteError as err:
        return None, " ".join(str(err).split())[:80]
    return (time.perf_counter() - started) * 1000, ""


def child(mode: str, home: Path, warm: bool) -> dict:
    """Runs in its own process: optionally the warm-up, then the first calls (or the demo load), timed."""
    import psutil

    from suite import warmup
    from suite.settings import Settings
    from suite.store import Store

    settings = Settings.from_env(home=home)
    store = Store(settings)
    out: dict = {"rows": []}
    if warm:
        started = time.perf_counter()
        state = warmup.run(settings, store)
        out["warm_up_s"] = time.perf_counter() - started
        out["warm_up"] = state.summary()
    if mode == "answers":
        for module, call in _first_calls(store):
            first, problem = _ms(call)
            second, _ = _ms(call) if first is not None else (None, "")
            out["rows"].append(
                {"module": module, "request": "first call", "first ms": first, "second ms": second, "note": problem}
            )
        from suite.support.service import add_articles, ask

        add_articles(store, [NEW_ARTICLE])
        after, problem = _ms(lambda: ask(store, NEW_QUESTION))
        out["rows"].append(
            {"module": "support", "request": "after adding an article", "first ms": after, "note": problem}
        )
    else:
        from suite.lifecycle import load_demo

        for what in ("cold", "repeated"):
            started = time.perf_counter()
            load_demo(store)
            out["rows"].append({"what": f"load_demo in-process, {what}", "s": time.perf_counter() - started})
    store.flush(wait_s=30.0)
    out["rss_mib"] = psutil.Process().memory_info().rss / 2**20
    store.close()
    return out


def run_child(mode: str, home: Path, warm: bool, folder: Path) -> dict:
    result = folder / f"{mode}-{'warm' if warm else 'lazy'}.json"
    cmd = [sys.executable, __file__, "--child", mode, "--home", str(home), "--out", str(result)]
    cmd += ["--warm"] if warm else []
    with (folder / "children.log").open("a") as log:
        subprocess.run(cmd, cwd=ROOT, env=_env(home), stdout=log, stderr=log, check=True)
    return json.loads(result.read_text())


# -- the report ------------------------------------------------------------------------------------------------
def report(servers: list[dict], answers: dict[str, dict], demo: list[dict], setup: list[dict], quick: bool) -> str:
    server_rows = [{k: v for k, v in row.items() if k != "modules"} for row in servers]
    by_module: dict[tuple[str, str], dict] = {}
    for path, result in answers.items():
        for row in result["rows"]:
            entry = by_module.setdefault(
                (row["module"], row["request"]), {"module": row["module"], "request": row["request"]}
            )
            entry[f"{path} ms"] = row["first ms"] if row["first ms"] is not None else f"refused: {row['note']}"
            if "second ms" in row:
                entry[f"{path} 2nd call ms"] = row["second ms"] if row["second ms"] is not None else "-"
    memory = [
        {
            "path": p,
            "process RSS after the calls MiB": r["rss_mib"],
            "warm-up in that process s": r.get("warm_up_s", "-"),
        }
        for p, r in answers.items()
    ]
    parts = [
        "Warm = today's `suite serve` (background warm-up; ready when it has finished); lazy = the same server "
        "with `--no-warm-up` (ready at Streamlit's health answer, models load on first use). Each path serves "
        "its own fresh copy of one prepared home (models on disk, demo loaded). Targets (issue 15): first "
        "support answer after ready <= 3 s; the next answer after adding an article <= 5 s."
        + (" **Quick smoke run** (one article, no prepare/demo): not the real figures." if quick else ""),
        "### Server start\n\n" + table(server_rows),
        "### First answers after ready (service functions the pages call, fresh process per path)\n\n"
        + table(list(by_module.values())),
        table(memory),
    ]
    if demo or setup:
        parts.append("### Demo data\n\n" + table(setup + demo))
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="a SUITE_HOME with the models prepared and the demo loaded")
    parser.add_argument("--quick", action="store_true", help="a smoke run: one article, no prepare, no demo")
    parser.add_argument("--child", choices=["answers", "demo"], help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.out.write_text(json.dumps(child(args.child, args.home, args.warm)))
        return
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        folder = Path(tmp)
        setup: list[dict] = []
        demo: list[dict] = []
        if args.home:
            loaded = args.home
        else:
            base, setup = prepare_base(folder, args.quick)
            loaded = base
            if not args.quick:
                print("suite demo, cold and repeated...", flush=True)
                loaded, cli_rows = demo_from_the_cli(base, folder)
                setup += cli_rows
                for warm in (True, False):
                    print(f"load_demo in a {'warm' if warm else 'lazy'} process...", flush=True)
                    result = run_child("demo", _fresh_copy(base, folder / f"demo-{warm}"), warm, folder)
                    demo += [{**row, "what": f"{row['what']} ({'warm' if warm else 'lazy'})"} for row in result["rows"]]
        servers, answers = [], {}
        for path in ("warm", "lazy"):
            print(f"{path} server...", flush=True)
            servers.append(serve_once(loaded, folder, path))
            print(f"first answers, {path}...", flush=True)
            answers[path] = run_child(
                "answers", _fresh_copy(loaded, folder / f"answers-{path}"), path == "warm", folder
            )
        body = report(servers, answers, demo, setup, args.quick)
    print(body)
    print(f"load average now: {loads()} on {os.cpu_count()} cores")
    if not args.quick:
        write_section("startup", "Startup: warm-up before ready vs lazy loading", body)


if __name__ == "__main__":
    main()
