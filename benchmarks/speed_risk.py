"""Risk speed (issue 17): headline classification throughput with the served classifier, and its macro-F1 on
the frozen test split measured in the same run (a faster embedder counts only if macro-F1 stays within 0.01).

Run: .venv/bin/python benchmarks/speed_risk.py --tree PATH [--quick] [--json] [--profile FILE]

PATH goes first on sys.path, so the numbers are those of the code in PATH (benchmarks/speed.py runs this for
today's main in a git worktree and for the working tree, back to back). Only functions that exist in both are
used: `suite.risk.prepare` (as `suite prepare` runs it, into a fresh temporary SUITE_HOME),
`suite.risk.classifier.current_classifier` / `labelled_set` and `pipelines.text_classifier.evaluate`.

Rows {module, what, value, unit, accuracy?}: prepare time; headlines per second (wall and per CPU-second of
this process) classifying 2,000 sample headlines in one call; one-headline call latency p50/p95 (the page and
API case). `--quick` classifies 300 headlines and 20 single calls: it proves the script works, not the speed.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--quick", action="store_true", help="smoke run: few headlines")
    parser.add_argument("--json", action="store_true", help="print one JSON list of rows (else a table)")
    parser.add_argument("--profile", type=Path, help="write the cProfile top 15 of the batch call here")
    return parser.parse_args()


ARGS = _args() if __name__ == "__main__" else None
if ARGS is not None:
    sys.path.insert(0, str(ARGS.tree.resolve()))

import numpy as np  # noqa: E402


def row(what: str, value: float, unit: str, accuracy: dict | None = None) -> dict:
    out = {"module": "risk", "what": what, "value": round(float(value), 4), "unit": unit}
    if accuracy is not None:
        out["accuracy"] = accuracy
    return out


def main(args: argparse.Namespace) -> list[dict]:
    from pipelines.text_classifier import evaluate
    from suite.risk import prepare
    from suite.risk.classifier import current_classifier, labelled_set
    from suite.settings import Settings

    tree = args.tree.resolve()
    home = Path(tempfile.mkdtemp(prefix="speed-risk-"))
    settings = Settings.from_env(home=home)
    started = time.perf_counter()
    prepare(settings)
    prepare_s = time.perf_counter() - started
    classifier = current_classifier(settings)
    embedder = getattr(classifier, "embedder", None)
    backend = str(getattr(embedder, "backend", "torch")) if embedder is not None else "torch"

    test = [r for r in labelled_set() if r["split"] == "test"]
    scores = evaluate(classifier, [r["headline"] for r in test], [r["label"] for r in test])
    accuracy = {
        "macro_f1": round(scores["macro_f1"], 4),
        "accuracy": round(scores["accuracy"], 4),
        "ece": round(scores["ece"], 4),
        "n": scores["n"],
        "backend": backend,
    }

    with (tree / "sample_data" / "risk" / "headlines.csv").open(newline="", encoding="utf-8") as handle:
        stream = [r["headline"] for r in csv.DictReader(handle)]
    count = 300 if args.quick else 2000
    stream = stream[:count]
    classifier.classify(stream[:64])  # warm-up
    profiler = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    classifier.classify(stream)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
        args.profile.write_text(text.getvalue())

    singles = []
    for text_ in stream[: 20 if args.quick else 200]:
        started = time.perf_counter()
        classifier.classify([text_])
        singles.append((time.perf_counter() - started) * 1000)

    return [
        row("prepare (train head, export embedder)", prepare_s, "s"),
        row(f"headline classification, {count} in one call", count / wall, "headlines/s", accuracy),
        row(f"headline classification, {count} in one call, per CPU-second", count / max(cpu, 1e-9), "headlines/s"),
        row("one headline per call, p50", float(np.percentile(singles, 50)), "ms"),
        row("one headline per call, p95", float(np.percentile(singles, 95)), "ms"),
    ]


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    rows = main(ARGS)
    if ARGS.json:
        print(json.dumps(rows))  # noqa: T201
    else:
        for r in rows:
            print(f"{r['what']:<60} {r['value']:>12,.4g} {r['unit']:<12} {r.get('accuracy', '')}")  # noqa: T201
