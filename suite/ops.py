"""Usage, latency, errors and feedback: the numbers behind the Home and Operations pages."""

from __future__ import annotations

import pandas as pd

from suite.store import Store


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


def module_activity(store: Store) -> dict[str, dict[str, int]]:
    """Per module: requests in the last 7 days, all-time requests, feedback items (for the Home cards)."""
    rows = store.query(
        """SELECT module, count(*) AS total, count(*) FILTER (WHERE ts >= now() - INTERVAL 7 DAY) AS week
           FROM events GROUP BY module"""
    )
    feedback = {r["module"]: r["n"] for r in store.query("SELECT module, count(*) AS n FROM feedback GROUP BY 1")}
    return {
        r["module"]: {"total": int(r["total"]), "week": int(r["week"]), "feedback": int(feedback.get(r["module"], 0))}
        for r in rows
    }
