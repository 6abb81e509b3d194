"""How much each module is used, how fast it answers, how often it fails, how much feedback it gets."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from suite.modules import MODULE_KEYS
from suite.store import Store


@dataclass(frozen=True)
class ModuleActivity:
    """One module's use, for its card on the Home page."""

    module: str
    week: int = 0  # requests in the last 7 days
    total: int = 0  # requests ever
    feedback: int = 0  # feedback items ever

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def module_activity(store: Store) -> dict[str, ModuleActivity]:
    """Every module of the catalogue (unused ones with zeros), keyed by module."""
    rows = store.query(
        """SELECT module, count(*) AS total, count(*) FILTER (WHERE ts >= now() - INTERVAL 7 DAY) AS week
           FROM events GROUP BY module"""
    )
    requests = {r["module"]: r for r in rows}
    feedback = {r["module"]: r["n"] for r in store.query("SELECT module, count(*) AS n FROM feedback GROUP BY 1")}
    activity = {}
    for key in MODULE_KEYS:
        used = requests.get(key, {})
        activity[key] = ModuleActivity(
            key, int(used.get("week", 0)), int(used.get("total", 0)), int(feedback.get(key, 0))
        )
    return activity


def usage_by_day(store: Store, days: int = 30) -> pd.DataFrame:
    """Requests per module per day (columns: day, module, requests, errors)."""
    return store.query_df(
        """SELECT date_trunc('day', ts)::DATE AS day, module, count(*) AS requests,
                  count(*) FILTER (WHERE status = 'error') AS errors
           FROM events WHERE ts >= now() - to_days(CAST(? AS INTEGER))
           GROUP BY ALL ORDER BY day, module""",
        [days],
    )


def latency_by_model(store: Store, days: int = 30) -> pd.DataFrame:
    """p50/p95 latency and error rate per module, action, model version and device."""
    return store.query_df(
        """SELECT module, action, coalesce(model_name, '-') AS model, coalesce(model_version, '-') AS version,
                  coalesce(device, '-') AS device, count(*) AS requests,
                  round(quantile_cont(latency_ms, 0.5), 1) AS p50_ms,
                  round(quantile_cont(latency_ms, 0.95), 1) AS p95_ms,
                  round(avg(CASE WHEN status = 'error' THEN 1 ELSE 0 END), 4) AS error_rate
           FROM events WHERE ts >= now() - to_days(CAST(? AS INTEGER))
           GROUP BY ALL ORDER BY module, action, requests DESC""",
        [days],
    )


def feedback_counts(store: Store) -> pd.DataFrame:
    """Feedback per module, kind and review state."""
    return store.query_df(
        """SELECT module, kind, review_state, count(*) AS items FROM feedback
           GROUP BY ALL ORDER BY module, kind, review_state"""
    )


def feedback_by_day(store: Store, days: int = 30) -> pd.DataFrame:
    """Feedback items per module per day (columns: day, module, items)."""
    return store.query_df(
        """SELECT date_trunc('day', ts)::DATE AS day, module, count(*) AS items FROM feedback
           WHERE ts >= now() - to_days(CAST(? AS INTEGER)) GROUP BY ALL ORDER BY day, module""",
        [days],
    )
