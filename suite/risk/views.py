"""Read-only views the page and CLI show: the watchlist overview and one company's drill-down."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from suite.risk import queries
from suite.risk.alerts import as_of, list_alerts
from suite.risk.classifier import current_thresholds
from suite.risk.models import Company, CompanyTone, CompanyView, NotWatched, WatchlistOverview
from suite.risk.signals import daily_signals, headline_weights
from suite.store import Store

RECENT_DAYS = 7  # "tone now" and "headlines (7 days)"
BEFORE_DAYS = 30  # "change" compares the recent days with this many days before them
TREND_DAYS = 60  # the trend line in the overview
SMOOTH_DAYS = 7  # the tone line of the drill-down is a rolling mean over this many days


def _tone(frame: pd.DataFrame) -> float | None:
    weight = frame["weight"].sum()
    return float((frame["weight"] * frame["eff_score"]).sum() / weight) if weight > 0 else None


def watchlist_overview(store: Store) -> WatchlistOverview:
    """Per watched company: tone over the last week, change against the month before, volume, trend, open alerts."""
    companies = queries.watchlist(store)
    end = as_of(store)
    if not companies:
        return WatchlistOverview(as_of=end)
    frame = queries.headlines_frame(store)
    frame = headline_weights(frame) if not frame.empty else frame
    open_counts: dict[str, int] = {}
    for alert in list_alerts(store, states=("open",)):
        open_counts[alert.ticker] = open_counts.get(alert.ticker, 0) + 1
    signals = daily_signals(frame, current_thresholds(store.settings), end=end) if not frame.empty else None
    rows = []
    for company in companies:
        mine = frame[frame["ticker"] == company["ticker"]] if not frame.empty else frame
        recent = mine[mine["day"] > end - timedelta(days=RECENT_DAYS)] if end and len(mine) else mine
        start = end - timedelta(days=RECENT_DAYS + BEFORE_DAYS) if end else None
        before = (
            mine[(mine["day"] <= end - timedelta(days=RECENT_DAYS)) & (mine["day"] > start)]
            if end and len(mine)
            else mine
        )
        now_tone = _tone(recent) if len(recent) else None
        past_tone = _tone(before) if len(before) else None
        trend: list[float] = []
        if signals is not None:
            series = signals[signals["ticker"] == company["ticker"]].tail(TREND_DAYS)["tone"]
            trend = [round(float(v), 3) for v in series.rolling(SMOOTH_DAYS, min_periods=1).mean().fillna(0.0)]
        rows.append(
            CompanyTone(
                ticker=company["ticker"],
                company=company["name"],
                sector=company["sector"],
                tone_now=now_tone,
                change=None if now_tone is None or past_tone is None else now_tone - past_tone,
                headlines_7d=len(recent),
                trend=trend,
                open_alerts=open_counts.get(company["ticker"], 0),
            )
        )
    return WatchlistOverview(as_of=end, companies=rows)


def company_view(store: Store, ticker: str) -> CompanyView:
    """One company's daily signal, prices, alerts and headlines (newest first) for the drill-down."""
    ticker = ticker.upper()
    found = queries.company(store, ticker)
    if found is None:
        raise NotWatched(f"{ticker} is not on the watchlist; add it first.")
    frame = queries.headlines_frame(store, [ticker])
    signals = daily_signals(frame, current_thresholds(store.settings), end=as_of(store)) if len(frame) else None
    if signals is not None:  # a smoothed line for the chart: days without news do not break it
        signals["tone_7d"] = signals["tone"].astype(float).rolling(SMOOTH_DAYS, min_periods=1).mean()
    headlines = frame.sort_values("ts", ascending=False) if len(frame) else frame
    if len(headlines):
        headlines = headlines.assign(
            shown_label=np.where(
                headlines["corrected_label"].notna(),
                headlines["corrected_label"],
                np.where(headlines["low_confidence"], "unsure", headlines["label"]),
            )
        )
    return CompanyView(
        company=Company(found["ticker"], found["name"], list(found["aliases"] or []), found["sector"]),
        signals=signals if signals is not None else pd.DataFrame(columns=["day", "tone", "tone_7d", "volume"]),
        prices=queries.prices(store, ticker),
        alerts=list_alerts(store, ticker=ticker, states=None),
        headlines=headlines,
    )
