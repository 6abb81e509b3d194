"""What every `benchmarks/speed_<module>.py` shares: the command line, the tree it measures, a scratch home, rows.

Each script measures the code of one source tree (`--tree PATH`, default this checkout): `setup` puts PATH
first on sys.path before anything of the suite is imported, points SUITE_HOME at a fresh temporary folder
(removed at exit) and keeps the run offline with one BLAS thread. Rows are `{module, what, value, unit,
target?, accuracy?}`; `emit` prints them as one JSON list (`--json`, what benchmarks/speed.py reads) or as
lines for people. `--quick` is a smoke run (small sizes): its numbers prove the script runs, not the speed.

Example:
    >>> args = setup("risk", __doc__)          # before `import suite...`
    >>> rows = Rows("risk")
    >>> rows.add("headline classification", 1234.5, "headlines/s", target=(">=", 1000))
    >>> emit(rows, args.json)
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUIET = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "YOLO_OFFLINE": "1",
    "YOLO_VERBOSE": "False",
}


def setup(
    module: str, doc: str | None, extra: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    """Parse the common options (and `extra`'s), put the tree first on sys.path and give it a scratch home."""
    for name, value in QUIET.items():
        os.environ.setdefault(name, value)
    parser = argparse.ArgumentParser(description=(doc or module).strip().splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the source tree to measure (its root folder)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes (proves the script runs)")
    parser.add_argument("--json", action="store_true", help="print one JSON list of rows (else lines)")
    parser.add_argument("--profile", type=Path, help="write the cProfile top entries of the main case here")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    args.tree = args.tree.resolve()
    sys.path.insert(0, str(args.tree))
    args.home = Path(tempfile.mkdtemp(prefix=f"speed-{module}-")) / "home"
    os.environ["SUITE_HOME"] = str(args.home)
    atexit.register(shutil.rmtree, args.home.parent, True)
    return args


def has(module: str, *names: str) -> bool:
    """True when the measured tree has `module` and every one of `names` in it (the baseline may predate them)."""
    import importlib

    try:
        found = importlib.import_module(module)
    except ImportError:
        return False
    return all(hasattr(found, name) for name in names)


class Rows(list):
    """The rows of one module; `target` is (">=" or "<=", bound): whether the value meets the issue's target."""

    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module

    def add(
        self,
        what: str,
        value: float,
        unit: str,
        accuracy: dict | None = None,
        target: tuple[str, float] | None = None,
    ) -> dict:
        entry: dict = {"module": self.module, "what": what, "value": round(float(value), 4), "unit": unit}
        if target is not None:
            entry["target"] = f"{target[0]} {target[1]:g}"
        if accuracy:
            entry["accuracy"] = {k: round(v, 5) if isinstance(v, float) else v for k, v in accuracy.items()}
        self.append(entry)
        return entry


def meets(value: float | None, target: str | None, main: float | None = None) -> bool | None:
    """Whether `value` meets a target written ">= 1000", "<= 0.6" or "± 0.01" (within that of today's main's
    `main`); None when a value, the target or (for "±") main's value is missing."""
    if value is None or not target:
        return None
    op, bound = target.split()
    if op == "±":
        return None if main is None else abs(value - main) <= float(bound)
    return value >= float(bound) if op == ">=" else value <= float(bound)


def emit(rows: list[dict], as_json: bool) -> None:
    load = os.getloadavg()
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    for r in rows:
        mark = {True: "meets", False: "misses", None: ""}[meets(r["value"], r.get("target"))]
        sys.stdout.write(f"{r['what']:<70} {r['value']:>12,.4g} {r['unit']:<12} {r.get('target', '')} {mark}\n")
        if r.get("accuracy"):
            sys.stdout.write(f"{'':<4}{r['accuracy']}\n")
    sys.stdout.write(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs\n")


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p95."""
    import numpy as np

    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


@contextmanager
def profiled(path: Path | None, top: int = 20, timer: Callable[[], float] | None = None) -> Iterator[None]:
    """cProfile the block when `path` is given: its top entries by cumulative and by own time into `path`."""
    if path is None:
        yield
        return
    profiler = cProfile.Profile(timer) if timer else cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        out.write(f"wall {time.perf_counter() - started:.3f} s, load average {os.getloadavg()[0]:.1f}\n")
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
        out.write("\n--- by own time ---\n")
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(out.getvalue())
        Path(path).with_suffix(".json").write_text(json.dumps(top_entries(pstats.Stats(profiler), top)))


def top_entries(stats: pstats.Stats, top: int) -> dict:
    """The `top` functions by own time, with the profile's total: what benchmarks/speed.py --profile-dir tabulates."""
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(filename).name}:{line}" if line else filename
        rows.append({"function": f"{function} ({where})", "calls": calls, "own_s": own, "cumulative_s": cumulative})
    rows.sort(key=lambda row: -row["own_s"])
    return {"total_s": stats.total_tt, "top": rows[:top]}  # type: ignore[attr-defined]
