"""Risk benchmark: trained head vs VADER on the frozen held-out set, per-language macro-F1 and confusion
matrices (English, Chinese), throughput on CPU, and the alert backtest.

Run: `.venv/bin/python benchmarks/risk.py` (about a minute or two on 2 cores; uses a temporary SUITE_HOME), or
`.venv/bin/python benchmarks/risk.py --languages` to rewrite only the per-language part (accuracy, no timing).
"""

from __future__ import annotations

import csv  # noqa: E402
import logging  # noqa: E402
import os
import re
import sys
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from results import RESULTS, table, write_section  # noqa: E402

from pipelines.text_classifier import LABELS, HeadClassifier, VaderClassifier, evaluate  # noqa: E402
from suite.risk import load_demo, prepare  # noqa: E402
from suite.risk.languages import labelled_set_zh  # noqa: E402
from suite.risk.service import backtest, current_classifier, labelled_set  # noqa: E402
from suite.settings import Settings  # noqa: E402
from suite.store import Store  # noqa: E402

logger = logging.getLogger("benchmarks.risk")
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "risk"
LANG_START, LANG_END = "<!-- risk-languages:start -->", "<!-- risk-languages:end -->"


def confusion(matrix: list[list[int]]) -> str:
    rows = [{"true \\ predicted": LABELS[i], **dict(zip(LABELS, r, strict=True))} for i, r in enumerate(matrix)]
    return table(rows)


def throughput(classifier, texts: list[str]) -> tuple[float, float]:
    """Headlines per wall-clock second and per CPU second of this process (all its threads)."""
    classifier.classify(texts[:64])  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    classifier.classify(texts)
    return len(texts) / (time.perf_counter() - wall), len(texts) / max(time.process_time() - cpu, 1e-9)


def leave_one_family_out(chinese) -> float:
    """Macro-F1 on the Chinese train split when each template family is held out in turn (the head's recipe:
    the other families plus the English train split, C = 4): how well it reads kinds of events it never saw."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import LeaveOneGroupOut

    train = [r for r in labelled_set_zh() if r["split"] == "train"]
    english = [r for r in labelled_set() if r["split"] == "train"]
    vectors = chinese.embedder.embed([r["headline"] for r in train])
    english_vectors = chinese.embedder.embed([r["headline"] for r in english])
    y = np.array([LABELS.index(r["label"]) for r in train])
    english_y = np.array([LABELS.index(r["label"]) for r in english])
    predicted = np.zeros(len(train), dtype=int)
    for fit, held in LeaveOneGroupOut().split(vectors, groups=[r["family"] for r in train]):
        model = LogisticRegression(C=4.0, max_iter=2000)
        model.fit(np.vstack([vectors[fit], english_vectors]), np.concatenate([y[fit], english_y]))
        predicted[held] = model.predict(vectors[held])
    return float(f1_score(y, predicted, average="macro"))


def language_section(ours, english: dict) -> str:
    """Per-language macro-F1 and confusion matrices (accuracy only, no timing), between its own markers so
    `--languages` can rewrite just this part of the risk section."""
    test = [r for r in labelled_set_zh() if r["split"] == "test"]
    texts, labels = [r["headline"] for r in test], [r["label"] for r in test]
    chinese = evaluate(ours, texts, labels)
    before = evaluate(ours.english, texts, labels)
    lofo = leave_one_family_out(ours.chinese)
    rows = [
        ("English", "MiniLM head (default)", english),
        ("Chinese", "USE-multilingual head (default, routed by Han characters)", chinese),
        ("Chinese", "English MiniLM head (before issue 19: Chinese not routed)", before),
    ]
    shown = [
        {"language": lang, "model": model, "n": m["n"], "accuracy": m["accuracy"], "macro-F1": m["macro_f1"]}
        | {"ECE": m["ece"]}
        for lang, model, m in rows
    ]
    return f"""{LANG_START}
### Per language (English and Chinese)
English: the frozen `test` split above ({english["n"]} headlines). Chinese: the frozen `test` split of
`sample_data/risk/labelled_headlines_zh.csv` ({len(test)} generated headlines, {
        ", ".join(f"{labels.count(x)} {x}" for x in LABELS)
    }), whose 12 template families (kinds of
event: 债务违约, 纳入指数, 董事会换届, ...) never occur in the 324 `train` headlines. A headline whose letters are at
least 30 % Han characters goes to the Chinese head (USE multilingual v3 + logistic regression trained on the
Chinese and the English `train` splits, T =
{ours.chinese.temperature:.2f}, `{
        ours.chinese.model_version
    }`); every other headline goes to the English head, unchanged.

{table(shown)}

Leave-one-family-out macro-F1 on the Chinese `train` split (each of its 36 families held out in turn, same
recipe): {lofo:.3f}; trained on the Chinese headlines alone it was 0.717 (and 0.899 on the test split). The
English headlines were added for that better figure on 36 families, although on the 12 test families a scratch
run scored them lower (about 0.88): 12 families are one small draw. The test figure is not a guarantee for every
new kind of event.

Confusion matrix, English (default model):

{confusion(english["confusion"])}

Confusion matrix, Chinese (default model):

{confusion(chinese["confusion"])}
{LANG_END}"""


def languages_only() -> None:
    """`--languages`: train the default models in a temporary SUITE_HOME and rewrite only the per-language part."""
    settings = Settings.from_env(home=Path(tempfile.mkdtemp(prefix="risk-bench-")), device="cpu")
    prepare(settings)
    ours = current_classifier(settings)
    test = [r for r in labelled_set() if r["split"] == "test"]
    english = evaluate(ours, [r["headline"] for r in test], [r["label"] for r in test])
    part = language_section(ours, english)
    text = RESULTS.read_text()
    pattern = re.compile(re.escape(LANG_START) + r".*?" + re.escape(LANG_END), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: part, text)
    else:
        text = text.replace("<!-- risk:end -->", part + "\n<!-- risk:end -->")
    RESULTS.write_text(text)
    logger.info("%s", part)


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    home = Path(tempfile.mkdtemp(prefix="risk-bench-"))
    settings = Settings.from_env(home=home, device="cpu")
    started = time.perf_counter()
    prepare(settings)
    train_s = time.perf_counter() - started
    ours = current_classifier(settings)
    uncalibrated = HeadClassifier(ours.embedder, ours.coef, ours.intercept, 1.0, "T=1", "head, no calibration")
    vader = VaderClassifier()

    test = [r for r in labelled_set() if r["split"] == "test"]
    texts, labels = [r["headline"] for r in test], [r["label"] for r in test]
    results = {
        name: evaluate(clf, texts, labels) for name, clf in [("ours", ours), ("raw", uncalibrated), ("vader", vader)]
    }
    with (SAMPLE / "headlines.csv").open(newline="") as handle:
        stream = [row["headline"] for row in csv.DictReader(handle)][:2000]
    speed = {"ours": throughput(ours, stream), "vader": throughput(vader, stream)}

    store = Store(settings)
    started = time.perf_counter()
    loaded = load_demo(store).counts
    demo_s = time.perf_counter() - started
    outcome = backtest(store)
    store.close()

    rows = [
        {
            "model": "MiniLM + logistic regression, temperature-calibrated (default)",
            "accuracy": results["ours"]["accuracy"],
            "macro-F1": results["ours"]["macro_f1"],
            "ECE": results["ours"]["ece"],
            "headlines/s (wall)": speed["ours"][0],
            "headlines per CPU-second": speed["ours"][1],
        },
        {
            "model": "same head without calibration (T=1)",
            "accuracy": results["raw"]["accuracy"],
            "macro-F1": results["raw"]["macro_f1"],
            "ECE": results["raw"]["ece"],
            "headlines/s (wall)": "",
        },
        {
            "model": "VADER 3.3.2 (baseline)",
            "accuracy": results["vader"]["accuracy"],
            "macro-F1": results["vader"]["macro_f1"],
            "ECE": results["vader"]["ece"],
            "headlines/s (wall)": speed["vader"][0],
            "headlines per CPU-second": speed["vader"][1],
        },
    ]
    episodes = [{k: ("" if v is None else v) for k, v in e.as_dict().items()} for e in outcome.episodes]
    body = f"""
Held-out set: the frozen `test` split of `sample_data/risk/labelled_headlines.csv` ({len(test)} hand-written
headlines, {", ".join(f"{labels.count(x)} {x}" for x in LABELS)}); trained on the {
        sum(1 for r in labelled_set() if r["split"] == "train")
    } `train` headlines in {train_s:.1f} s (embedding included). Throughput: classifying
{len(stream):,} sample headlines in one batch call, temperature T = {ours.temperature:.2f}. The machine was shared
(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of the run), so wall-clock speeds are a
floor; headlines per CPU-second counts only this process's CPU time.

{table(rows)}

Confusion matrix, default model:

{confusion(results["ours"]["confusion"])}

Confusion matrix, VADER:

{confusion(results["vader"]["confusion"])}

{language_section(ours, results["ours"])}

**Alert backtest** on the seeded sample year ({loaded["headlines_added"]:,} headlines, 20 companies, loaded and
scored by `load_demo` in {demo_s:.0f} s): {outcome.caught} of {outcome.negative_episodes} planted negative
episodes caught, median delay {outcome.median_delay_days} days after the episode starts, median lead
{outcome.median_lead_days} days before the lowest close of the following two weeks;
{outcome.positive_episodes_alerted} alerts on the positive episode; {outcome.false_alerts} alerts with no
episode behind them = {outcome.false_alerts_per_company_month:.3f} false alerts per company-month
(of {outcome.alerts} alerts in all).

{
        table(
            episodes,
            [
                "ticker",
                "episode",
                "start",
                "should_alert",
                "alerted",
                "alert_day",
                "severity",
                "delay_days",
                "lead_days",
            ],
        )
    }
"""
    write_section("risk", "Market-sentiment risk alerts", body)
    logger.info("%s", body)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    languages_only() if "--languages" in sys.argv[1:] else main()
