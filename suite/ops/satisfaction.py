"""Are people happier? Thumbs-up share, alert false-alarm rate and transcript correction rate per day."""

from __future__ import annotations

from typing import Any

import pandas as pd

from suite.store import Store, from_json

MEASURES = ("thumbs-up share", "alert false-alarm rate", "transcript correction rate")
_POSITIVE = ("up", "yes", "true", "good", "helpful", "positive", "1")
_RATING_KEYS = ("up", "thumbs", "helpful", "value", "rating", "positive")


def thumb_up(value: Any) -> bool | None:
    """Whether a thumbs/rating value is positive (modules store {"up": true}, "up", 1, {"rating": 4}...)."""
    value = from_json(value)
    if isinstance(value, dict):
        for key in _RATING_KEYS:
            if key in value:
                return thumb_up(value[key])
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value >= 4 if value > 1 else value > 0
    if isinstance(value, str):
        return value.strip().lower() in _POSITIVE
    return None


def satisfaction_trend(store: Store, days: int = 90) -> pd.DataFrame:
    """Per day and module: thumbs-up share, alert false-alarm rate, transcript correction rate.

    Columns: day, module, measure (one of `MEASURES`), value (0-1), items.
    """
    feedback = store.query_df(
        """SELECT date_trunc('day', ts)::DATE AS day, module, kind, value FROM feedback
           WHERE ts >= now() - to_days(CAST(? AS INTEGER))""",
        [days],
    )
    uses = store.query_df(
        """SELECT date_trunc('day', ts)::DATE AS day, count(*) AS uses FROM events
           WHERE module = 'transcribe' AND status = 'ok' AND action NOT LIKE '%feedback%'
             AND ts >= now() - to_days(CAST(? AS INTEGER)) GROUP BY 1""",
        [days],
    )
    rows = [*_thumbs(feedback), *_false_alarms(feedback), *_corrections(feedback, uses)]
    columns = ["day", "module", "measure", "value", "items"]
    return pd.DataFrame(rows, columns=columns).sort_values(["measure", "module", "day"]).reset_index(drop=True)


def _thumbs(feedback: pd.DataFrame) -> list[dict]:
    if feedback.empty:
        return []
    thumbs = feedback[feedback["kind"].isin(["thumbs", "rating"])].copy()
    thumbs["up"] = thumbs["value"].map(thumb_up)
    thumbs = thumbs.dropna(subset=["up"])
    return [
        _measure(day, module, MEASURES[0], group["up"].astype(float).mean(), len(group))
        for (day, module), group in thumbs.groupby(["day", "module"])
    ]


def _false_alarms(feedback: pd.DataFrame) -> list[dict]:
    if feedback.empty:
        return []
    alerts = feedback[feedback["kind"].isin(["confirm", "false_alarm"])]
    return [
        _measure(day, module, MEASURES[1], float((group["kind"] == "false_alarm").mean()), len(group))
        for (day, module), group in alerts.groupby(["day", "module"])
    ]


def _corrections(feedback: pd.DataFrame, uses: pd.DataFrame) -> list[dict]:
    """Corrections per transcription that day (capped at 1)."""
    if feedback.empty or uses.empty:
        return []
    transcribe = feedback[(feedback["module"] == "transcribe") & (feedback["kind"] == "correction")]
    corrections = transcribe.groupby("day").size()
    return [
        _measure(day, "transcribe", MEASURES[2], min(float(corrections.get(day, 0)) / max(int(n), 1), 1.0), int(n))
        for day, n in zip(uses["day"], uses["uses"], strict=True)
    ]


def _measure(day: Any, module: str, measure: str, value: float, items: int) -> dict:
    return {"day": day, "module": module, "measure": measure, "value": round(float(value), 4), "items": int(items)}
