"""One feedback-driven retraining round per module: the serving model vs the challenger, side by side.

For every module that has a `retrain`, on a fresh SUITE_HOME: load its demo data (which creates sample
feedback through the module's own API), accept that feedback in the review queue, run `retrain_now` (the
code path of `suite retrain --module M`) and report the primary metric of the champion and of the challenger
on the module's frozen evaluation set, measured in the same run, plus the gate's decision. Then, for risk,
a poisoned round (accepted feedback with flipped labels) and a rollback.

Run: .venv/bin/python benchmarks/retrain.py [--modules risk,recommend,...]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("YOLO_OFFLINE", "1")

from results import table, write_section  # noqa: E402

from suite.jobs.runner import retrain_now, trainer_for  # noqa: E402
from suite.modules import MODULES, hooks  # noqa: E402
from suite.registry import champion_version  # noqa: E402
from suite.registry.versions import rollback  # noqa: E402
from suite.review import Filters, decide_matching  # noqa: E402
from suite.settings import Settings  # noqa: E402
from suite.store import Store  # noqa: E402

logger = logging.getLogger("benchmarks.retrain")

WALKTHROUGH = """\
Walkthrough: staff accept/reject/edit feedback on **Review feedback** (only `accepted` rows reach a
module's `retrain`; each decision records reviewer and time) -> **Models** "Retrain now" queues a job, or
`suite retrain --module M` runs one, or `suite worker` runs due jobs (SUITE_RETRAIN_HOUR nightly,
SUITE_RETRAIN_MIN_FEEDBACK threshold) under a per-module lock in the store -> the trainer writes into
`models/<module>/.staging-<job>/`, the folder is moved to `models/<module>/<version>/` and recorded with its
report -> the gate promotes it only if it beats the champion on the frozen evaluation set by
SUITE_PROMOTION_MARGIN and is no worse on the accepted feedback cases (SUITE_AUTO_PROMOTE=0: a person
promotes) -> `suite models rollback M` serves the previous champion; serving code reads the CHAMPION
pointer per request, so the dashboard switches without a restart.

Each row: one round on a fresh SUITE_HOME with the module's own demo feedback, all of it accepted.
"champion" and "challenger" are the primary metric on the module's frozen evaluation set, both measured
in the same run (the champion is the module's default model)."""


def fmt(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else ("-" if value is None else value)


def one_round(store: Store, module: str, *, prepare: bool = True) -> dict:
    settings = store.settings
    started = time.perf_counter()
    if prepare:
        hooks(module).prepare(settings)
    hooks(module).load_demo(store)
    accepted = decide_matching(store, Filters(module=module, state="new"), "accept", reviewer="benchmark")
    setup_s = time.perf_counter() - started
    result = retrain_now(store, module, requested_by="benchmark")
    if result["state"] != "succeeded":
        return {"module": module, "accepted feedback": accepted, "gate": f"FAILED: {result.get('error')}"}
    metric = result["primary_metric"]
    fb = result.get("feedback") or {}
    return {
        "module": module,
        "metric": metric,
        "accepted feedback": accepted,
        "used": result.get("trained_on_items"),
        "champion": fmt(result["champion"].get(metric)),
        "challenger": fmt(result["challenger"].get(metric)),
        "on feedback (champion → challenger)": f"{fmt(fb.get('champion'))} → {fmt(fb.get('challenger'))}",
        "promoted": "yes" if result["promoted"] else "no",
        "setup s": round(setup_s, 1),
        "train+eval s": result.get("train_s"),
        "gate": "; ".join(result["gate"]["reasons"]),
    }


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", default="", help="comma-separated (default: every module with retrain)")
    args = parser.parse_args()
    wanted = [m for m in args.modules.split(",") if m] or [info.key for info in MODULES]
    with tempfile.TemporaryDirectory() as home:
        settings = Settings.from_env(home=Path(home), device=os.environ.get("SUITE_DEVICE", "cpu"))
        store = Store(settings)
        rows, notes = [], []
        for module in wanted:
            if trainer_for(settings, module) is None:
                notes.append(f"- {module}: not trainable yet (no `retrain`).")
                continue
            print(f"retraining {module}...", file=sys.stderr)
            try:
                rows.append(one_round(store, module))
            except Exception as err:  # one module's bug must not hide the others' numbers
                logger.exception("%s failed", module)
                notes.append(f"- {module}: the round failed: {type(err).__name__}: {str(err)[:200]}")
        body = WALKTHROUGH + "\n\n" + table(rows) + "\n\n" + "\n".join(notes)
        if "risk" in [r["module"] for r in rows]:
            body += "\n\n" + poisoned_and_rollback(store)
        store.close()
    write_section("retrain", "Feedback-driven retraining: one round per module", body)
    print(body)


def served_f1(settings: Settings) -> tuple[str, float]:
    """The risk model the app would serve right now, and its macro-F1 on the frozen test split."""
    from pipelines.text_classifier import evaluate
    from suite.risk.service import current_classifier, labelled_set

    test = [r for r in labelled_set() if r["split"] == "test"]
    classifier = current_classifier(settings)
    score = evaluate(classifier, [r["headline"] for r in test], [r["label"] for r in test])["macro_f1"]
    return classifier.model_version, float(score)


def poisoned_and_rollback(store: Store, n: int = 100) -> str:
    """Risk: accepted corrections with flipped labels must not be promoted; promoted by hand, rollback undoes it."""
    from suite.registry.versions import promote
    from suite.review import decide
    from suite.risk.service import correct_label, template_truth

    settings = store.settings
    truth = template_truth()
    flip = {"positive": "negative", "negative": "positive", "neutral": "negative"}
    poisoned = []
    for row in store.query("SELECT headline_id, headline FROM risk_headlines ORDER BY ts DESC"):
        label = next((label for pattern, label in truth if pattern.match(row["headline"])), None)
        if label:
            poisoned.append(correct_label(store, row["headline_id"], flip[label], user="poisoner"))
        if len(poisoned) == n:
            break
    decide(store, poisoned, "accept", reviewer="benchmark")
    before = champion_version(settings, "risk")
    served_before = served_f1(settings)
    result = retrain_now(store, "risk", requested_by="benchmark")
    metric = result["primary_metric"]
    after_gate = champion_version(settings, "risk")
    promote(
        store, "risk", result["version"], by="benchmark", override_reason="gate overridden by hand for the benchmark"
    )
    served_bad = served_f1(settings)
    started = time.perf_counter()
    served_back = rollback(store, "risk", by="benchmark")
    rollback_ms = (time.perf_counter() - started) * 1000
    served_after = served_f1(settings)
    rows = [
        {
            "step": "serving before",
            "serving": before or "default",
            "model": served_before[0],
            "macro_f1": served_before[1],
        },
        {"step": "after poisoned retrain (gate)", "serving": after_gate or "default", "model": "-", "macro_f1": "-"},
        {
            "step": "poisoned promoted by hand",
            "serving": result["version"],
            "model": served_bad[0],
            "macro_f1": served_bad[1],
        },
        {
            "step": f"rollback ({rollback_ms:.0f} ms)",
            "serving": served_back or "default",
            "model": served_after[0],
            "macro_f1": served_after[1],
        },
    ]
    return "\n".join(
        [
            "### Poisoned feedback and rollback (risk)",
            f"{len(poisoned)} accepted corrections with flipped labels: challenger {metric} "
            f"{fmt(result['challenger'].get(metric))} vs champion {fmt(result['champion'].get(metric))} on the "
            f"frozen test split; promoted by the gate: {'yes' if result['promoted'] else 'no'} "
            f"({'; '.join(result['gate']['reasons'])}).",
            "",
            table(rows),
        ]
    )


if __name__ == "__main__":
    main()
