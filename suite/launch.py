"""The dashboard's server process: start the background warm-up, then hand over to Streamlit.

`suite serve` runs `python -c "$_LAUNCH" [--no-warm-up] run app.py --server.port PORT ...` (see
`suite.cli.serve_command`), which calls `before_streamlit` and then Streamlit. Every default model is loaded
and every index built once, in a thread of this process, while Streamlit already serves: the pages find the
same cached objects (`pipelines.loading`) and show a "warming up" banner for a module still loading. The state
is also written to `SUITE_HOME/run/warmup-dashboard-PORT.json` (for benchmarks and checks), and when every
module is done this process says "Northstar Suite is ready: URL" on stderr, which `suite serve` passes through.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from suite import warmup
from suite.settings import Settings

NO_WARM_UP = "--no-warm-up"
DEFAULT_PORT = 8501


def _option(args: list[str], name: str) -> str | None:
    """A Streamlit option's value among the arguments (`--name VALUE` or `--name=VALUE`)."""
    for number, arg in enumerate(args):
        if arg == name and number + 1 < len(args):
            return args[number + 1]
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
    return None


def port_of(args: list[str]) -> int:
    """The `--server.port` among Streamlit's arguments."""
    return int(_option(args, "--server.port") or DEFAULT_PORT)


def state_file(settings: Settings, port: int) -> Path:
    """Where the dashboard serving on `port` writes its warm-up state."""
    return warmup.state_path(settings, f"dashboard-{port}")


def start_warm_up(settings: Settings, port: int, address: str = "127.0.0.1") -> threading.Thread:
    """Warm every module in the background of this process (its own Store: one DuckDB instance per process);
    when it is done, say on stderr (which `suite serve` shows) that the dashboard is ready."""
    from suite.store import Store

    def on_change(state: warmup.WarmupState) -> None:
        if state.finished:
            say_ready(state, f"http://{address}:{port}")

    return warmup.start(settings, Store(settings), state_file=state_file(settings, port), on_change=on_change)


def say_ready(state: warmup.WarmupState, url: str) -> None:
    took = (state.finished_at or time.time()) - state.started_at
    lines = [f"Northstar Suite is ready: {url} (models warm in {took:.0f} s: {state.summary()})"]
    failed = [w for w in state.modules.values() if w.state == warmup.FAILED]
    if failed:
        lines.append("Not warm (their pages say what to do): " + "; ".join(f"{w.module}: {w.detail}" for w in failed))
    print("\n".join(lines), file=sys.stderr, flush=True)


def address_of(args: list[str]) -> str:
    return _option(args, "--server.address") or "127.0.0.1"


def before_streamlit(args: list[str]) -> list[str]:
    """Start the warm-up (unless `--no-warm-up` comes first); returns the arguments for Streamlit's command line.

    Streamlit itself is started by `suite.cli._LAUNCH` (nothing under suite/ imports Streamlit).
    """
    if args and args[0] == NO_WARM_UP:
        return args[1:]
    start_warm_up(Settings.from_env(), port_of(args), address_of(args))
    return args
