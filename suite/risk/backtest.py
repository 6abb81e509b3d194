"""Check alerts against the planted episodes of the sample data: caught, how early, and false alerts.

An episode counts as caught when its company has an alert from the day before it starts to
`CATCH_DAYS` days after. Delay = alert day - episode start (0 = same day). Lead = days from the alert to
the lowest close in the two weeks after the start (how long before the price bottomed out staff knew).
Any alert not explained by a negative episode is a false alert; the positive episode (a strong quarter)
must raise none.
"""

from __future__ import annotations

import json
import statistics
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from suite.demo import recorded_shift
from suite.risk import queries
from suite.risk.classifier import SAMPLE_DIR
from suite.risk.models import BacktestReport, EpisodeOutcome
from suite.store import Store

CATCH_DAYS = 7


def load_episodes(path: Path = SAMPLE_DIR / "episodes.json") -> list[dict[str, Any]]:
    episodes = json.loads(Path(path).read_text())
    for episode in episodes:
        episode["start"] = date.fromisoformat(episode["start"])
    return episodes


def run_backtest(
    alerts: list[dict], prices: pd.DataFrame, episodes: list[dict], companies: int, months: float
) -> BacktestReport:
    """Per-episode outcome plus the totals the benchmark reports (`alerts`: alert_id, ticker, day, severity)."""
    rows, explained = [], set()
    for episode in episodes:
        window = (episode["start"] - timedelta(days=1), episode["start"] + timedelta(days=CATCH_DAYS))
        hits = sorted(
            (a for a in alerts if a["ticker"] == episode["ticker"] and window[0] <= a["day"] <= window[1]),
            key=lambda a: a["day"],
        )
        if episode["negative"]:
            explained.update(a["alert_id"] for a in hits)
        first = hits[0] if hits else None
        lead = None
        if first is not None and not prices.empty:
            after = prices[
                (prices["ticker"] == episode["ticker"])
                & (prices["day"] >= episode["start"])
                & (prices["day"] <= episode["start"] + timedelta(days=14))
            ]
            if not after.empty:
                low_day = after.loc[after["close"].idxmin(), "day"]
                lead = (low_day - first["day"]).days
        rows.append(
            EpisodeOutcome(
                ticker=episode["ticker"],
                episode=episode["kind"],
                start=episode["start"].isoformat(),
                should_alert=episode["negative"],
                alerted=first is not None,
                alert_day=first["day"].isoformat() if first else "",
                severity=first["severity"] if first else "",
                delay_days=(first["day"] - episode["start"]).days if first else None,
                lead_days=lead,
            )
        )
    negatives = [r for r in rows if r.should_alert]
    caught = [r for r in negatives if r.alerted]
    leads = [r.lead_days for r in caught if r.lead_days is not None]
    false_alerts = [a for a in alerts if a["alert_id"] not in explained]
    return BacktestReport(
        episodes=rows,
        negative_episodes=len(negatives),
        caught=len(caught),
        positive_episodes_alerted=sum(1 for r in rows if not r.should_alert and r.alerted),
        median_delay_days=statistics.median([r.delay_days for r in caught]) if caught else None,
        median_lead_days=statistics.median(leads) if caught else None,
        alerts=len(alerts),
        false_alerts=len(false_alerts),
        false_alerts_per_company_month=len(false_alerts) / max(companies * months, 1e-9),
        false_alert_ids=[a["alert_id"] for a in false_alerts],
    )


def backtest_store(store: Store) -> BacktestReport:
    """The backtest on whatever the store holds (after `load_demo`)."""
    alerts = queries.alerts_for_backtest(store)
    prices = queries.prices(store)
    span = queries.coverage(store)
    months = ((span["last"] - span["first"]).days + 1) / 30.44 if span["first"] else 0.0
    moved = timedelta(days=recorded_shift(store, "risk"))  # the demo load moved the sample year to end today
    episodes = [{**e, "start": e["start"] + moved} for e in load_episodes()]
    return run_backtest(alerts, prices, episodes, int(span["n"] or 0), months)
