"""Risk speed (issue 17): headline classification throughput with the served classifier, and its macro-F1 on
the frozen test split measured in the same run (a faster embedder counts only if macro-F1 stays within 0.01).

Run: .venv/bin/python benchmarks/speed_risk.py --tree PATH [--quick] [--json] [--profile FILE]

Measures the code in PATH (see benchmarks/speedkit.py). Only functions that exist in today's main too are
used: `suite.risk.prepare` (as `suite prepare` runs it, into the scratch SUITE_HOME),
`suite.risk.classifier.current_classifier` / `labelled_set` and `pipelines.text_classifier.evaluate`.

Rows: prepare time; headlines per second (wall and per CPU-second of this process) classifying 2,000 sample
headlines in one call; one-headline call latency p50/p95 (the page and API case). `--quick`: 300 headlines
and 20 single calls.
"""

from __future__ import annotations

import csv
import sys
import time

from speedkit import Rows, emit, percentiles, profiled, setup

ARGS = setup("risk", __doc__) if __name__ == "__main__" else None


def main(args) -> Rows:
    from pipelines.text_classifier import evaluate
    from suite.risk import prepare
    from suite.risk.classifier import current_classifier, labelled_set
    from suite.settings import Settings

    rows = Rows("risk")
    settings = Settings.from_env(home=args.home)
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

    with (args.tree / "sample_data" / "risk" / "headlines.csv").open(newline="", encoding="utf-8") as handle:
        stream = [r["headline"] for r in csv.DictReader(handle)]
    count = 300 if args.quick else 2000
    stream = (stream * (count // max(len(stream), 1) + 1))[:count]
    classifier.classify(stream[:64])  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    with profiled(args.profile):
        classifier.classify(stream)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    singles = []
    for text in stream[: 20 if args.quick else 200]:
        started = time.perf_counter()
        classifier.classify([text])
        singles.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(singles)

    rows.add("prepare (train head, export embedder)", prepare_s, "s")
    rows.add(f"headline classification, {count} in one call", count / wall, "headlines/s", accuracy, (">=", 1000))
    rows.add(f"headline classification, {count} in one call, per CPU-second", count / max(cpu, 1e-9), "headlines/s")
    rows.add("macro-F1 on the frozen test split", scores["macro_f1"], "ratio", accuracy, ("±", 0.01))
    rows.add("one headline per call, p50", p50, "ms")
    rows.add("one headline per call, p95", p95, "ms")
    return rows


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    emit(main(ARGS), ARGS.json)
