"""Usage, latency, errors and feedback: the numbers behind the Home and Operations pages."""

from __future__ import annotations

import io
from typing import Any

import duckdb
import pandas as pd

from suite.errors import InvalidInput
from suite.modules import MODULES, hook
from suite.store import Store, from_json


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


# -- feedback-driven retraining: satisfaction, versions, drift, jobs, export -------------------------------

_POSITIVE = ("up", "yes", "true", "good", "helpful", "positive", "1")
_SCORE_KEYS = ("score", "confidence", "similarity", "top_score", "probability")
_LABEL_KEYS = ("label", "verdict", "alert", "answered", "class", "sentiment", "top_label")


def _thumb_up(value: Any) -> bool | None:
    """Whether a thumbs/rating value is positive (modules store {"up": true}, "up", 1, {"rating": 4}...)."""
    value = from_json(value)
    if isinstance(value, dict):
        for key in ("up", "thumbs", "helpful", "value", "rating", "positive"):
            if key in value:
                return _thumb_up(value[key])
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

    Columns: day, module, measure, value (0-1), items.
    """
    fb = store.query_df(
        """SELECT date_trunc('day', ts)::DATE AS day, module, kind, value FROM feedback
           WHERE ts >= now() - to_days(CAST(? AS INTEGER))""",
        [days],
    )
    rows: list[dict] = []
    if not fb.empty:
        thumbs = fb[fb["kind"].isin(["thumbs", "rating"])].copy()
        thumbs["up"] = thumbs["value"].map(_thumb_up)
        thumbs = thumbs.dropna(subset=["up"])
        for (day, module), group in thumbs.groupby(["day", "module"]):
            rows.append(_measure(day, module, "thumbs-up share", group["up"].astype(float).mean(), len(group)))
        alerts = fb[fb["kind"].isin(["confirm", "false_alarm"])]
        for (day, module), group in alerts.groupby(["day", "module"]):
            rate = float((group["kind"] == "false_alarm").mean())
            rows.append(_measure(day, module, "alert false-alarm rate", rate, len(group)))
    uses = store.query_df(
        """SELECT date_trunc('day', ts)::DATE AS day, count(*) AS uses FROM events
           WHERE module = 'transcribe' AND status = 'ok' AND action NOT LIKE '%feedback%'
             AND ts >= now() - to_days(CAST(? AS INTEGER)) GROUP BY 1""",
        [days],
    )
    if not uses.empty and not fb.empty:
        corrections = fb[(fb["module"] == "transcribe") & (fb["kind"] == "correction")].groupby("day").size()
        for day, n in zip(uses["day"], uses["uses"], strict=True):
            rate = min(float(corrections.get(day, 0)) / max(int(n), 1), 1.0)
            rows.append(_measure(day, "transcribe", "transcript correction rate", rate, int(n)))
    columns = ["day", "module", "measure", "value", "items"]
    return pd.DataFrame(rows, columns=columns).sort_values(["measure", "module", "day"]).reset_index(drop=True)


def _measure(day: Any, module: str, measure: str, value: float, items: int) -> dict:
    return {"day": day, "module": module, "measure": measure, "value": round(float(value), 4), "items": int(items)}


def model_timeline(store: Store) -> pd.DataFrame:
    """Every model version with its primary metric against the champion of its day (for a timeline chart)."""
    rows = []
    for r in store.query("SELECT * FROM model_versions ORDER BY created_at"):
        metrics = from_json(r["metrics"]) or {}
        primary = metrics.get("primary_metric")
        rows.append(
            {
                "created_at": r["created_at"],
                "module": r["module"],
                "version": r["version"],
                "status": r["status"],
                "metric": primary,
                "challenger": (metrics.get("challenger") or {}).get(primary),
                "champion_then": (metrics.get("champion") or {}).get(primary),
                "gate": "; ".join((metrics.get("gate") or {}).get("reasons", [])),
            }
        )
    columns = ["created_at", "module", "version", "status", "metric", "challenger", "champion_then", "gate"]
    return pd.DataFrame(rows, columns=columns)


def drift(store: Store, recent_days: int = 7, reference_days: int = 60) -> pd.DataFrame:
    """A simple drift indicator per module: recent week vs the weeks before it.

    Compares the mix of the label each module reports in its results (total variation distance, 0 = same
    mix, 1 = nothing in common) and the mean of its confidence score (e.g. support's best match to the
    knowledge base falling means questions drift away from the articles). Level: stable / watch / drifting.
    """
    events = store.query_df(
        """SELECT module, ts >= now() - to_days(CAST(? AS INTEGER)) AS recent, output_summary FROM events
           WHERE status = 'ok' AND output_summary IS NOT NULL
             AND ts >= now() - to_days(CAST(? AS INTEGER))""",
        [recent_days, recent_days + reference_days],
    )
    rows = []
    for module, group in events.groupby("module"):
        outputs = group["output_summary"].map(from_json)
        recent, reference = outputs[group["recent"]], outputs[~group["recent"]]
        if len(recent) < 5 or len(reference) < 5:
            rows.append(
                {
                    "module": module,
                    "signal": "-",
                    "reference": None,
                    "recent": None,
                    "change": None,
                    "level": "not enough data",
                    "n_recent": len(recent),
                    "n_reference": len(reference),
                }
            )
            continue
        label_key = _first_key(outputs, _LABEL_KEYS)
        if label_key:
            old = reference.map(lambda o, k=label_key: str(o.get(k)) if isinstance(o, dict) else None).value_counts(
                normalize=True
            )
            new = recent.map(lambda o, k=label_key: str(o.get(k)) if isinstance(o, dict) else None).value_counts(
                normalize=True
            )
            distance = 0.5 * float(old.subtract(new, fill_value=0).abs().sum())
            level = "drifting" if distance >= 0.3 else "watch" if distance >= 0.15 else "stable"
            rows.append(
                {
                    "module": module,
                    "signal": f"mix of '{label_key}'",
                    "reference": _mix(old),
                    "recent": _mix(new),
                    "change": round(distance, 3),
                    "level": level,
                    "n_recent": len(recent),
                    "n_reference": len(reference),
                }
            )
        score_key = _first_key(outputs, _SCORE_KEYS)
        if score_key:
            old_mean, old_sd = _stats(reference, score_key)
            new_mean, _ = _stats(recent, score_key)
            if old_mean is not None and new_mean is not None:
                shift = (new_mean - old_mean) / (old_sd or 1e-9) if old_sd else 0.0
                level = "drifting" if abs(shift) >= 1.0 else "watch" if abs(shift) >= 0.5 else "stable"
                rows.append(
                    {
                        "module": module,
                        "signal": f"mean '{score_key}'",
                        "reference": f"{old_mean:.3f}",
                        "recent": f"{new_mean:.3f}",
                        "change": round(shift, 3),
                        "level": level,
                        "n_recent": len(recent),
                        "n_reference": len(reference),
                    }
                )
    rows.extend(_risk_label_mix(store, recent_days))
    for info in MODULES:  # a module may add its own signals with a `drift(store) -> list[dict]` hook
        module_drift = hook(info.key, "drift")
        if module_drift is not None:
            rows.extend(module_drift(store))
    columns = ["module", "signal", "reference", "recent", "change", "level", "n_recent", "n_reference"]
    return pd.DataFrame(rows, columns=columns)


def _risk_label_mix(store: Store, recent_days: int) -> list[dict]:
    """Label mix of the latest week of scored headlines vs the labelled training headlines."""
    if hook("risk", "retrain") is None:
        return []
    try:
        recent = store.query_df(
            """SELECT coalesce(corrected_label, label) AS label FROM risk_headlines
               WHERE day > (SELECT max(day) FROM risk_headlines) - CAST(? AS INTEGER)""",
            [recent_days],
        )
        from suite.risk.model import labelled_set
    except (duckdb.CatalogException, ImportError):
        return []
    training = pd.Series([r["label"] for r in labelled_set() if r["split"] == "train"])
    if len(recent) < 5 or training.empty:
        return []
    old, new = training.value_counts(normalize=True), recent["label"].value_counts(normalize=True)
    distance = 0.5 * float(old.subtract(new, fill_value=0).abs().sum())
    level = "drifting" if distance >= 0.3 else "watch" if distance >= 0.15 else "stable"
    return [
        {
            "module": "risk",
            "signal": "headline labels: latest week vs training",
            "reference": _mix(old),
            "recent": _mix(new),
            "change": round(distance, 3),
            "level": level,
            "n_recent": len(recent),
            "n_reference": len(training),
        }
    ]


def _first_key(outputs: pd.Series, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if outputs.map(lambda o, k=key: isinstance(o, dict) and o.get(k) is not None).mean() >= 0.5:
            return key
    return None


def _mix(shares: pd.Series) -> str:
    return ", ".join(f"{label} {share:.0%}" for label, share in shares.head(4).items())


def _stats(outputs: pd.Series, key: str) -> tuple[float | None, float | None]:
    values = pd.to_numeric(outputs.map(lambda o: o.get(key) if isinstance(o, dict) else None), errors="coerce")
    values = values.dropna()
    if values.empty:
        return None, None
    return float(values.mean()), float(values.std(ddof=0))


def job_history(store: Store, limit: int = 200) -> pd.DataFrame:
    """Retraining jobs, newest first, with duration, result and the version they produced."""
    frame = store.query_df(
        """SELECT job_id, module, state, requested_by, created_at, started_at, finished_at, worker,
                  round(progress, 3) AS progress,
                  round(epoch(finished_at) - epoch(started_at), 1) AS seconds,
                  outcome->>'version' AS version, outcome->>'status' AS result, outcome->>'error' AS error
           FROM jobs ORDER BY created_at DESC LIMIT ?""",
        [limit],
    )
    return frame


EXPORTABLE = ("events", "feedback")


def export_table(store: Store, table: str, fmt: str, days: int | None = None) -> bytes:
    """Events or feedback as CSV or Parquet bytes (for a download button or `suite export`)."""
    if table not in EXPORTABLE:
        raise InvalidInput(f"Only {', '.join(EXPORTABLE)} can be exported.")
    if fmt not in ("csv", "parquet"):
        raise InvalidInput("Export format must be csv or parquet.")
    where, params = ("WHERE ts >= now() - to_days(CAST(? AS INTEGER))", [days]) if days else ("", [])
    frame = store.query_df(f"SELECT * FROM {table} {where} ORDER BY ts", params)
    for column in frame.columns:  # JSON columns and time zones as plain text/UTC for spreadsheets
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
