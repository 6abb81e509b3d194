"""Load the sample companies, prices and a year of headlines; log a few sample feedback rows for the review queue."""

from __future__ import annotations

import csv
import importlib.util
import logging
import re
from datetime import timedelta

from suite import demo
from suite.modules import DemoReport
from suite.progress import Progress, no_progress
from suite.risk import queries
from suite.risk.alerts import act_on_alert, correct_label, list_alerts
from suite.risk.backtest import CATCH_DAYS, load_episodes
from suite.risk.classifier import SAMPLE_DIR
from suite.risk.ingest import ingest_file, load_prices, upsert_watchlist
from suite.store import Store

logger = logging.getLogger(__name__)

_SAMPLE_CORRECTIONS = 3
SHIFT_NAME = "risk"  # headlines, prices and the planted episodes move together


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """Idempotent: a second run adds nothing (stories are de-duplicated, sample feedback is logged once).

    The sample year's dates are moved so that it ends on the day of the first demo load (`suite.demo.shift_days`;
    sample_data/ stays as it is): the open alerts are this week's, and a file dated today continues the charts.
    """
    progress(0, 4, "watchlist and prices")
    days = demo.shift_days(store, SHIFT_NAME, demo.last_day(SAMPLE_DIR / "headlines.csv", "timestamp"))
    settings = store.settings
    with (SAMPLE_DIR / "watchlist.csv").open(newline="", encoding="utf-8") as handle:
        companies = upsert_watchlist(store, list(csv.DictReader(handle)))
    price_file = demo.shifted_csv(
        SAMPLE_DIR / "prices.csv", demo.shifted_path(settings, "risk-prices.csv"), ("date",), days
    )
    prices = load_prices(store, price_file)
    progress(1, 4, "scoring a year of headlines")
    news = demo.shifted_csv(
        SAMPLE_DIR / "headlines.csv", demo.shifted_path(settings, "risk-headlines.csv"), ("timestamp",), days
    )
    report = ingest_file(store, news, user="demo")
    progress(3, 4, "sample feedback")
    feedback = 0
    if not queries.feedback_count(store, "demo"):
        feedback = _sample_feedback(store)
    progress(4, 4, "done")
    counts = {"companies": companies, "prices": prices, "headlines_added": report.added}
    counts |= {"duplicates": report.duplicates, "new_alerts": len(report.new_alerts), "sample_feedback": feedback}
    return DemoReport("risk", counts)


def template_truth() -> list[tuple[re.Pattern, str]]:
    """The generator's templates as patterns with the tone each was written with (the sample data's truth)."""
    spec = importlib.util.spec_from_file_location("risk_generate", SAMPLE_DIR / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)  # type: ignore[union-attr]
    pools = [(generator.NEUTRAL, "neutral"), (generator.POSITIVE, "positive"), (generator.NEGATIVE, "negative")]
    pools += [(generator.EPISODE_NEUTRAL, "neutral")]
    pools += [(t, "positive" if kind == "strong quarter" else "negative") for kind, t in generator.EPISODES.items()]
    patterns = []
    for templates, label in pools:
        for template in templates:
            body = re.escape(template).replace(r"\{name\}", ".+").replace(r"\{ticker\}", "[A-Z]+")
            patterns.append((re.compile(f"^{body}$"), label))
    return patterns


def _sample_feedback(store: Store) -> int:
    """Corrections of headlines the model got wrong (by the generator's truth) and one false-alarm mark."""
    truth = template_truth()
    logged = 0
    for row in queries.all_headlines(store):
        actual = next((label for pattern, label in truth if pattern.match(row["headline"])), None)
        if actual and actual != row["label"]:
            correct_label(store, row["headline_id"], actual, user="demo")
            logged += 1
            if logged == _SAMPLE_CORRECTIONS:
                break
    moved = timedelta(days=demo.recorded_shift(store, SHIFT_NAME))
    episodes = {(e["ticker"], e["start"] + moved) for e in load_episodes() if e["negative"]}
    alerts = list_alerts(store, states=("open",))
    unexplained = [
        a for a in alerts if not any(a.ticker == t and -1 <= (a.day - d).days <= CATCH_DAYS for t, d in episodes)
    ]
    if unexplained:
        act_on_alert(store, unexplained[-1].alert_id, "false_alarm", user="demo", note="Routine news, no real risk.")
        logged += 1
    return logged
