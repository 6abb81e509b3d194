"""Read-only views the page and CLI show: the watchlist overview and one company's drill-down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from suite.errors import NotFound
from suite.risk.alerts import as_of, headlines_frame, list_alerts
from suite.risk.model import current_thresholds
from suite.risk.signals import daily_signals, headline_weights
from suite.store import Store

RECENT_DAYS, TREND_DAYS = 7, 60


def _tone(frame: pd.DataFrame) -> float | None:
    weight = frame["weight"].sum()
    return float((frame["weight"] * frame["eff_score"]).sum() / weight) if weight > 0 else None


def watchlist_overview(store: Store) -> pd.DataFrame:
    """Per watched company: tone over the last week, change against the month before, volume, trend, open alerts."""
    companies = store.query_df("SELECT ticker, name, sector FROM risk_watchlist ORDER BY ticker")
    columns = ["ticker", "company", "sector", "tone_now", "change", "headlines_7d", "trend", "open_alerts"]
    if companies.empty:
        return pd.DataFrame(columns=columns)
    end = as_of(store)
    frame = headlines_frame(store)
    frame = headline_weights(frame) if not frame.empty else frame
    open_counts: dict[str, int] = {}
    for alert in list_alerts(store, states=("open",)):
        open_counts[alert["ticker"]] = open_counts.get(alert["ticker"], 0) + 1
    signals = daily_signals(frame, current_thresholds(store.settings), end=end) if not frame.empty else None
    rows = []
    for company in companies.itertuples(index=False):
        mine = frame[frame["ticker"] == company.ticker] if not frame.empty else frame
        recent = mine[mine["day"] > end - timedelta(days=RECENT_DAYS)] if end and len(mine) else mine
        before = (
            mine[(mine["day"] <= end - timedelta(days=RECENT_DAYS)) & (mine["day"] > end - timedelta(days=37))]
            if end and len(mine)
            else mine
        )
        now_tone = _tone(recent) if len(recent) else None
        past_tone = _tone(before) if len(before) else None
        trend: list[float] = []
        if signals is not None:
            series = signals[signals["ticker"] == company.ticker].tail(TREND_DAYS)["tone"]
            trend = [round(float(v), 3) for v in series.rolling(7, min_periods=1).mean().fillna(0.0)]
        rows.append(
            {
                "ticker": company.ticker,
                "company": company.name,
                "sector": company.sector,
                "tone_now": now_tone,
                "change": None if now_tone is None or past_tone is None else now_tone - past_tone,
                "headlines_7d": len(recent),
                "trend": trend,
                "open_alerts": open_counts.get(company.ticker, 0),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def company_view(store: Store, ticker: str) -> dict[str, Any]:
    """One company's daily signal, prices, alerts and headlines (newest first) for the drill-down."""
    ticker = ticker.upper()
    found = store.query("SELECT ticker, name, aliases, sector FROM risk_watchlist WHERE ticker = ?", [ticker])
    if not found:
        raise NotFound(f"{ticker} is not on the watchlist; add it first.")
    frame = headlines_frame(store, [ticker])
    signals = daily_signals(frame, current_thresholds(store.settings), end=as_of(store)) if len(frame) else None
    if signals is not None:  # a smoothed line for the chart: days without news do not break it
        signals["tone_7d"] = signals["tone"].astype(float).rolling(7, min_periods=1).mean()
    prices = store.query_df("SELECT day, close FROM risk_prices WHERE ticker = ? ORDER BY day", [ticker])
    headlines = frame.sort_values("ts", ascending=False) if len(frame) else frame
    if len(headlines):
        headlines = headlines.assign(
            shown_label=np.where(
                headlines["corrected_label"].notna(),
                headlines["corrected_label"],
                np.where(headlines["low_confidence"], "unsure", headlines["label"]),
            )
        )
    return {
        "company": found[0],
        "signals": signals if signals is not None else pd.DataFrame(columns=["day", "tone", "tone_7d", "volume"]),
        "prices": prices,
        "alerts": list_alerts(store, ticker=ticker, states=None),
        "headlines": headlines,
    }
