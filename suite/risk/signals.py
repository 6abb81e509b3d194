"""Per company and day: tone, volume, share of negative headlines, and the alert rule on top of them.

Tone of a day = sum(confidence * (P(pos) - P(neg))) / sum(confidence) over its headlines; unsure headlines
(not English, low confidence) weigh nothing, and a label corrected by staff counts as -1/0/+1 with weight 1.
A day raises an alert when either
- tone: at least `min_headlines` headlines and tone below the company's own trailing `window_days` mean by
  `z` standard deviations (the spread is floored at 0.25 so a quiet company is not alerted on noise), or
- volume: at least `volume_min` headlines, `volume_ratio` times the usual daily count, with tone below
  `volume_tone`;
and the company has no other alert within `cooldown_days` days of it (one story, one alert). Its severity
counts the day's bad-news headlines (`severity_for`), so it reads the same whichever rule raised it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from suite.risk.models import Thresholds

SPREAD_FLOOR = 0.25
HIGH_BAD_HEADLINES = 5  # severity: bad-news headlines about the company on the alert's day
MEDIUM_BAD_HEADLINES = 2
_CORRECTED_SCORE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


@dataclass
class Candidate:
    ticker: str
    day: date
    severity: str
    trigger: str
    reason: str
    tone: float
    baseline: float
    z: float
    volume: int


def severity_for(bad_headlines: int) -> str:
    """One rule for every alert, whatever raised it: how much bad news the day brought.

    High with `HIGH_BAD_HEADLINES` or more bad-news headlines about the company that day, medium with
    `MEDIUM_BAD_HEADLINES` or more, low with fewer.
    """
    if bad_headlines >= HIGH_BAD_HEADLINES:
        return "high"
    return "medium" if bad_headlines >= MEDIUM_BAD_HEADLINES else "low"


def headline_weights(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds `eff_label`, `eff_score` and `weight` (corrections win; unsure headlines weigh 0)."""
    frame = frame.copy()
    corrected = frame["corrected_label"].notna() if "corrected_label" in frame else pd.Series(False, index=frame.index)
    frame["eff_label"] = np.where(corrected, frame.get("corrected_label"), frame["label"])
    frame["eff_score"] = np.where(corrected, frame.get("corrected_label").map(_CORRECTED_SCORE), frame["score"])
    frame["weight"] = np.where(corrected, 1.0, np.where(frame["low_confidence"], 0.0, frame["confidence"]))
    return frame


def daily_signals(headlines: pd.DataFrame, thresholds: Thresholds, end: date | None = None) -> pd.DataFrame:
    """One row per (ticker, calendar day) from the first headline to `end`, with baselines and z-scores."""
    columns = ["ticker", "day", "volume", "tone", "neg_share", "baseline", "spread", "z", "usual_volume"]
    if headlines.empty:
        return pd.DataFrame(columns=columns)
    frame = headline_weights(headlines)
    frame["day"] = pd.to_datetime(frame["day"])
    frame["weighted"] = frame["weight"] * frame["eff_score"]
    frame["negative"] = (frame["eff_label"] == "negative").astype(float)
    daily = frame.groupby(["ticker", "day"]).agg(
        volume=("headline_id", "count"),
        weighted=("weighted", "sum"),
        weight=("weight", "sum"),
        neg=("negative", "mean"),
    )
    daily["tone"] = np.where(
        daily["weight"] > 0, daily["weighted"] / daily["weight"].where(daily["weight"] > 0), np.nan
    )
    days = pd.date_range(frame["day"].min(), pd.Timestamp(end) if end else frame["day"].max(), freq="D")
    parts = []
    window = thresholds.window_days
    for ticker, group in daily.groupby(level="ticker"):
        series = group.droplevel("ticker").reindex(days)
        series["volume"] = series["volume"].fillna(0).astype(int)
        history = series["tone"].shift(1).rolling(window, min_periods=5)
        series["baseline"] = history.mean().fillna(0.0)
        series["spread"] = history.std().fillna(SPREAD_FLOOR).clip(lower=SPREAD_FLOOR)
        series["z"] = (series["tone"] - series["baseline"]) / series["spread"]
        series["usual_volume"] = series["volume"].shift(1).rolling(window, min_periods=1).mean().fillna(0.0)
        series["neg_share"] = series["neg"]
        series["ticker"] = ticker
        parts.append(series.rename_axis("day").reset_index())
    result = pd.concat(parts, ignore_index=True)
    result["day"] = result["day"].dt.date
    return result[columns]


def detect(
    signals: pd.DataFrame, thresholds: Thresholds, earlier: dict[str, list[date]] | None = None
) -> list[Candidate]:
    """Days that raise an alert under the rule in the module docstring, cooldown included."""
    earlier = earlier or {}
    found: list[Candidate] = []
    for ticker, group in signals.groupby("ticker"):
        alert_days = sorted(earlier.get(ticker, []))
        z_limit = thresholds.z_for(str(ticker))
        for row in group.sort_values("day").itertuples(index=False):
            if row.volume == 0 or np.isnan(row.tone):
                continue
            tone_hit = row.volume >= thresholds.min_headlines and row.z <= -z_limit
            usual = max(row.usual_volume, 0.5)
            volume_hit = (
                row.volume >= thresholds.volume_min
                and row.volume >= thresholds.volume_ratio * usual
                and row.tone <= thresholds.volume_tone
            )
            if not (tone_hit or volume_hit):
                continue
            if any(abs((d - row.day).days) <= thresholds.cooldown_days for d in alert_days):
                continue
            severity = severity_for(round(row.volume * row.neg_share))
            trigger = "tone and volume" if tone_hit and volume_hit else "tone" if tone_hit else "volume"
            reason = (
                f"Tone {row.tone:+.2f} against its usual {row.baseline:+.2f} over the last {thresholds.window_days} "
                f"days (a fall {abs(row.z):.1f} times its usual day-to-day swing), on {row.volume} headlines "
                f"(usually {row.usual_volume:.1f} a day); {row.neg_share:.0%} of them negative."
            )
            found.append(
                Candidate(str(ticker), row.day, severity, trigger, reason, row.tone, row.baseline, row.z, row.volume)
            )
            alert_days.append(row.day)
    return found
