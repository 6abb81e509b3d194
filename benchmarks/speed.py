"""Speed of every module, today's main against this change, back to back on one machine.

The main this work started from is checked out into a temporary git worktree; each module's script
(`benchmarks/speed_<module>.py`, always this tree's copy, so both sides are measured the same way) runs
once with `--tree <worktree>` and once with `--tree <this checkout>`, alternating module by module, each in
its own process with PYTHONPATH pointing at the tree it measures. Rows are matched by (module, what) and the
ratio is the speed-up (before / after for times, after / before for rates). Rows that carry one of issue 17's
targets say whether today's main and this change meet it, and a summary of the targets ends the report. The
load average is printed beside every run: a figure taken while the machine was busy is not a result.

Run: .venv/bin/python benchmarks/speed.py [--baseline REF] [--quick] [--modules support risk ...]

`--profile-dir DIR` runs the same cases under cProfile instead (each script's main case; the profiler's own cost
makes those timings no result, so the speed section is left alone) and writes the top entries by own time,
today's main beside this change, as the `speed_profiles` section.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import loads, table, write_section
from speedkit import meets

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "7d72c44"  # main when the speed work (issue 17) started
MODULES = ("support", "risk", "inspect", "recommend", "transcribe")
LOWER_IS_BETTER = {"ms", "s", "s/s", "cpu-s", "cpu-ms", "rtf", "MB", "MiB"}
NOT_SPEED = {"ratio", "procs"}  # accuracy and load rows: no speed-up


def measure(
    module: str, tree: Path, quick: bool, timeout_s: int, label: str, profile: Path | None = None
) -> tuple[list[dict], str]:
    """One module's rows measured on the code in `tree`, and the load average when it started."""
    script = ROOT / "benchmarks" / f"speed_{module}.py"
    command = [sys.executable, str(script), "--tree", str(tree), "--json", *(["--quick"] if quick else [])]
    command += ["--profile", str(profile)] if profile else []
    env = {**os.environ, "PYTHONPATH": str(tree), "OPENBLAS_NUM_THREADS": "1"}
    load = loads()
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout_s, cwd=tree)
    except subprocess.TimeoutExpired:
        print(f"  {module} on {label}: stopped after {timeout_s} s (--timeout-s)", file=sys.stderr)
        return [], load
    print(f"  {module} on {label}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        print(f"  {module} on {label}: failed ({done.returncode}): {' | '.join(tail)}", file=sys.stderr)
        return [], load
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    return (json.loads(lines[-1]) if lines else []), load


def speedup(before: float | None, after: float | None, unit: str) -> float | str:
    if not before or not after or unit in NOT_SPEED:
        return "–"
    return before / after if unit in LOWER_IS_BETTER else after / before


def accuracy(before: dict | None, after: dict | None) -> str:
    if before is None and after is None:
        return ""
    return f"{before} (both)" if before == after else f"{before or '–'} → {after or '–'}"


def verdict(value: float | None, target: str | None, main: float | None = None) -> str:
    return {True: "yes", False: "no", None: "–"}[meets(value, target, main)] if target else ""


def compare(module: str, before: list[dict], after: list[dict], run_loads: tuple[str, str]) -> list[dict]:
    old = {row["what"]: row for row in before}
    rows = []
    for row in after:
        was = old.get(row["what"], {})
        target = row.get("target") or was.get("target")
        rows.append({
            "what": row["what"],
            "unit": row.get("unit", ""),
            "today's main": was.get("value", "–"),
            "this change": row.get("value", "–"),
            "speed-up": speedup(was.get("value"), row.get("value"), row.get("unit", "")),
            "target": target or "",
            "met (main / change)": (
                f"{verdict(was.get('value'), target)} / {verdict(row.get('value'), target, was.get('value'))}"
                if target else ""
            ),
            "accuracy (main → change)": accuracy(was.get("accuracy"), row.get("accuracy")),
            "load (main / change)": f"{run_loads[0]} / {run_loads[1]}",
        })  # fmt: skip
    for what, row in old.items():
        if all(r["what"] != what for r in after):
            rows.append({"what": what, "unit": row.get("unit", ""), "today's main": row.get("value")})
    return rows


def targets(rows: list[dict]) -> list[dict]:
    """The rows that carry a target, for the summary: what, target, this change's value, met."""
    return [
        {
            "module": row["module"],
            "what": row["what"],
            "target": row["target"],
            "this change": row["this change"],
            "met": row["met (main / change)"].split(" / ")[-1],
        }
        for row in rows
        if row.get("target")
    ]


def profile_table(before: Path, after: Path, top: int = 8) -> str:
    """The top functions by own time of both trees side by side, each with its share of the profiled total."""

    def entries(path: Path) -> tuple[float, list[dict]]:
        if not path.exists():
            return 0.0, []
        found = json.loads(path.read_text())
        return found["total_s"], found["top"][:top]

    (total_before, rows_before), (total_after, rows_after) = entries(before), entries(after)

    def cell(rows: list[dict], total: float, rank: int) -> tuple[str, str]:
        if rank >= len(rows):
            return "", ""
        row = rows[rank]
        return row["function"], f"{row['own_s']:.2f} s ({row['own_s'] / total:.0%})" if total else ""

    lines = []
    for rank in range(max(len(rows_before), len(rows_after))):
        f_before, t_before = cell(rows_before, total_before, rank)
        f_after, t_after = cell(rows_after, total_after, rank)
        lines.append({"#": rank + 1, "today's main": f_before, "own time": t_before, "this change": f_after,
                      "own time ": t_after})  # fmt: skip
    return f"profiled total: today's main {total_before:.1f} s, this change {total_after:.1f} s\n\n" + table(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="the git ref measured as today's main")
    parser.add_argument("--modules", nargs="+", default=list(MODULES), choices=MODULES)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the scripts run")
    parser.add_argument("--timeout-s", type=int, default=900, help="per module and tree")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite benchmarks/RESULTS.md")
    parser.add_argument("--profile-dir", type=Path, help="profile each case into this folder (timings not kept)")
    args = parser.parse_args()

    modules = [m for m in args.modules if (ROOT / "benchmarks" / f"speed_{m}.py").exists()]
    sections, summary = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="suite-main-") as tmp:
        worktree = Path(tmp) / "main"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.baseline],
                       check=True, capture_output=True)  # fmt: skip
        try:
            for module in modules:
                profiles = (None, None)
                if args.profile_dir:
                    profiles = (args.profile_dir / f"{module}-main.txt", args.profile_dir / f"{module}-change.txt")
                print(f"{module}: today's main ({args.baseline}) ...", file=sys.stderr)
                before, load_before = measure(module, worktree, args.quick, args.timeout_s, args.baseline, profiles[0])
                print(f"{module}: this change ...", file=sys.stderr)
                after, load_after = measure(module, ROOT, args.quick, args.timeout_s, "this change", profiles[1])
                if args.profile_dir:
                    found = profile_table(profiles[0].with_suffix(".json"), profiles[1].with_suffix(".json"))
                    print(f"\n### {module}\n{found}\n", flush=True)
                    sections.append(f"### {module} (load {load_before} / {load_after})\n{found}")
                    continue
                rows = compare(module, before, after, (load_before, load_after))
                summary += targets([{**row, "module": module} for row in rows])
                print(f"\n### {module}\n{table(rows)}\n", flush=True)
                sections.append(f"### {module}\n{table(rows)}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                           capture_output=True)  # fmt: skip
    if args.profile_dir:
        if not args.no_write and not args.quick:
            body = (
                f"`benchmarks/speed.py --profile-dir DIR`: each module's main case under cProfile, today's main "
                f"(`{args.baseline}`) and this change; the top functions by own time and their share of the "
                "profiled total (the profiler's cost is in both; shares, not speeds). Load average when each "
                "started.\n\n" + "\n\n".join(sections)
            )
            write_section("speed_profiles", "Speed: where the time goes, before and after (issue 17)", body)
        return 0
    met = sum(row["met"] == "yes" for row in summary)
    sections.append(f"### Targets of issue 17: {met} of {len(summary)} met by this change\n{table(summary)}")
    print(f"\n{sections[-1]}\n\nwhole run {time.perf_counter() - started:.0f} s, load {loads()}")
    if not args.no_write and not args.quick and sections:
        body = (
            f"Today's main is `{args.baseline}`, checked out in a temporary worktree; each module ran on it and then "
            "on this change, back to back. Speed-up = before / after for times, after / before for rates. "
            "Load average (1, 5, 15 min) when each run started; 2 cores.\n\n" + "\n\n".join(sections)
        )
        write_section("speed", "Speed: today's main vs this change (issue 17)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
