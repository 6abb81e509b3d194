"""`retrain`: accepted label corrections join the training set; false alarms tune per-company thresholds.

Threshold rule (documented, never silent): each accepted false-alarm mark on a company raises that
company's tone z threshold by 0.5 above the default, at most +1.5. The tuned values ship with the
challenger in `thresholds.json` and are listed in the outcome's notes, so they apply only if it is promoted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pipelines.text_classifier import LABELS, evaluate, train_head
from suite.progress import Progress, no_progress
from suite.risk.classifier import current_classifier, default_dir, labelled_set
from suite.risk.languages import ZH_FOLDER, LanguageRouter, labelled_set_zh, language_of, load_chinese, train_chinese
from suite.risk.models import Thresholds
from suite.store import Store
from suite.training import TrainingOutcome
from suite.training import accepted_feedback as accepted_module_feedback

logger = logging.getLogger(__name__)

Z_STEP, Z_MAX_EXTRA = 0.5, 1.5  # per accepted false alarm, and at most in all (the rule in the docstring)


def accepted_feedback(store: Store) -> tuple[list[dict], Counter]:
    """Accepted label corrections (latest per headline text) and accepted false-alarm counts per company."""
    rows = accepted_module_feedback(store, "risk", ("correction", "label", "false_alarm"))
    corrections: dict[str, dict] = {}
    false_alarms: Counter = Counter()
    for row in rows:
        value = row["value"]
        if row["kind"] == "false_alarm":
            if value.get("ticker"):
                false_alarms[value["ticker"]] += 1
            continue
        text = str(value.get("headline") or value.get("text") or "").strip()
        label = value.get("corrected_label") or value.get("label")
        if text and label in LABELS:
            corrections[text] = {"feedback_id": row["feedback_id"], "headline": text, "label": label}
    return list(corrections.values()), false_alarms


def tuned_thresholds(false_alarms: Counter) -> dict[str, float]:
    base = Thresholds().z
    return {ticker: base + min(Z_STEP * n, Z_MAX_EXTRA) for ticker, n in sorted(false_alarms.items())}


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    """Train a challenger on the labelled train split plus accepted corrections; evaluate it and the champion."""
    settings = store.settings
    output_dir = Path(output_dir)
    progress(0, 4, "reading feedback")
    labelled = labelled_set()
    test = [r for r in labelled if r["split"] == "test"]
    zh_test = [r for r in labelled_set_zh() if r["split"] == "test"]
    frozen = {r["headline"] for r in test + zh_test}
    corrections, false_alarms = accepted_feedback(store)
    usable = [c for c in corrections if c["headline"] not in frozen]  # the held-out sets stay held out
    chinese = [c for c in usable if language_of(c["headline"]) == "zh"]  # for the Chinese head (languages.py)
    training = {r["headline"]: r["label"] for r in labelled if r["split"] == "train"}
    training.update({c["headline"]: c["label"] for c in usable if c not in chinese})
    zh_extra = sorted((c["headline"], c["label"]) for c in chinese)
    data_hash = hashlib.sha256(json.dumps([sorted(training.items()), zh_extra]).encode()).hexdigest()[:10]
    version = f"risk-{datetime.now(UTC):%Y%m%d-%H%M%S}-{data_hash}"

    from pipelines.embedder import load_embedder

    progress(1, 4, "training the challenger")
    embedder = load_embedder(settings.embedder_model or None, settings.device)
    challenger = train_head(list(training), list(training.values()), embedder, version=version)
    challenger.info.update(corrections_used=len(usable))
    challenger.save(output_dir)
    if chinese:  # else the challenger serves the default Chinese head
        train_chinese(output_dir / ZH_FOLDER, f"{version}-zh", chinese)
    zh_folder = output_dir / ZH_FOLDER if chinese else default_dir(settings) / ZH_FOLDER
    routed = LanguageRouter(challenger, lambda: load_chinese(zh_folder))
    per_company = tuned_thresholds(false_alarms)
    (output_dir / "thresholds.json").write_text(json.dumps({"per_company_z": per_company, "rule": __doc__}, indent=2))

    progress(2, 4, "evaluating challenger and champion")
    champion = current_classifier(settings)
    texts, labels = [r["headline"] for r in test], [r["label"] for r in test]
    challenger_metrics = _numbers(evaluate(challenger, texts, labels))
    champion_metrics = _numbers(evaluate(champion, texts, labels))
    zh_texts, zh_labels = [r["headline"] for r in zh_test], [r["label"] for r in zh_test]
    challenger_metrics["zh_macro_f1"] = evaluate(routed, zh_texts, zh_labels)["macro_f1"]
    champion_metrics["zh_macro_f1"] = evaluate(champion, zh_texts, zh_labels)["macro_f1"]
    feedback_metrics = {}
    if corrections:
        fb_texts, fb_labels = [c["headline"] for c in corrections], [c["label"] for c in corrections]
        feedback_metrics = {
            "challenger": evaluate(routed, fb_texts, fb_labels)["macro_f1"],
            "champion": evaluate(champion, fb_texts, fb_labels)["macro_f1"],
        }
    progress(4, 4, "done")
    english_labelled = len(training) - len(usable) + len(chinese)
    notes = f"{len(usable)} accepted correction(s) joined {english_labelled} labelled training headlines"
    if chinese:
        notes += f" ({len(chinese)} Chinese, for the Chinese head)"
    if len(corrections) > len(usable):
        notes += f"; {len(corrections) - len(usable)} correction(s) of held-out headlines were not trained on"
    if per_company:
        notes += "; tone z threshold raised for " + ", ".join(f"{t} to {z:.1f}" for t, z in per_company.items())
        notes += f" (false alarms: +{Z_STEP:g} each, at most +{Z_MAX_EXTRA:g})"
    return TrainingOutcome(
        module="risk",
        artifact_dir=output_dir,
        primary_metric="macro_f1",
        higher_is_better=True,
        challenger_metrics=challenger_metrics,
        champion_metrics=champion_metrics,
        feedback_metrics=feedback_metrics,
        trained_on={
            "feedback_ids": [c["feedback_id"] for c in usable],
            "false_alarms": dict(false_alarms),
            "data_hash": data_hash,
            "examples": len(training),
        },
        notes=notes + ".",
    )


def _numbers(metrics: dict) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}
