"""Alerts: raise them from the signals, list them, and let staff acknowledge, snooze or mark false alarms."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from pipelines.text_classifier import LABELS
from suite.errors import InvalidInput, NotFound
from suite.risk.model import current_thresholds
from suite.risk.signals import daily_signals, detect
from suite.store import Store, now

logger = logging.getLogger(__name__)

ACTIONS = ("acknowledge", "snooze", "false_alarm", "reopen")
_STATE = {"acknowledge": "acknowledged", "snooze": "snoozed", "false_alarm": "false_alarm", "reopen": "open"}


def headlines_frame(store: Store, tickers: list[str] | None = None) -> pd.DataFrame:
    """Every stored headline once per company it mentions."""
    sql = """SELECT m.ticker, h.headline_id, h.ts, h.day, h.source, h.sources, h.headline, h.url, h.label,
                    h.confidence, h.score, h.low_confidence, h.corrected_label, h.model_version
             FROM risk_mentions m JOIN risk_headlines h USING (headline_id)"""
    if tickers:
        frame = store.query_df(sql + " WHERE m.ticker IN (SELECT unnest(?)) ORDER BY h.ts", [tickers])
    else:
        frame = store.query_df(sql + " ORDER BY h.ts")
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def refresh_alerts(store: Store, tickers: list[str] | None = None) -> list[str]:
    """Recompute the signals and store any new alerts (existing alerts and their states stay); returns new ids."""
    from suite.risk.webhook import notify

    thresholds = current_thresholds(store.settings)
    frame = headlines_frame(store, tickers)
    if frame.empty:
        return []
    signals = daily_signals(frame, thresholds)
    existing = store.query("SELECT ticker, day FROM risk_alerts")
    earlier: dict[str, list[date]] = {}
    for row in existing:
        earlier.setdefault(row["ticker"], []).append(row["day"])
    candidates = detect(signals, thresholds, earlier)
    if not candidates:
        return []
    by_day = {key: group.sort_values("score") for key, group in frame.groupby(["ticker", "day"])}
    stamp = now()
    created = []
    with store.transaction() as con:
        for c in candidates:
            alert_id = f"{c.ticker}-{c.day.isoformat()}"
            day_rows = by_day[(c.ticker, c.day)]
            behind = day_rows["headline_id"].tolist()[:20]
            con.execute(
                "INSERT OR IGNORE INTO risk_alerts (alert_id, ticker, day, created_at, severity, trigger, reason, "
                "tone, baseline, z, volume, headline_ids, state, model_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                [alert_id, c.ticker, c.day, stamp, c.severity, c.trigger, c.reason, float(c.tone), float(c.baseline)]
                + [float(c.z), int(c.volume), behind, str(day_rows["model_version"].iloc[0])],
            )
            created.append(alert_id)
    logger.info("raised %d alert(s)", len(created))
    if created and store.settings.alert_webhook:
        notify(store.settings, list_alerts(store, alert_ids=created, states=None))
    return created


def list_alerts(
    store: Store,
    *,
    since: date | str | None = None,
    states: tuple[str, ...] | None = ("open",),
    ticker: str | None = None,
    alert_ids: list[str] | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Alerts newest first, each with `headlines` (texts, most negative first). Snoozed ones reopen when due."""
    where, params = ["1=1"], []
    if since:
        where.append("a.day >= CAST(? AS DATE)")
        params.append(str(since))
    if ticker:
        where.append("a.ticker = ?")
        params.append(ticker.upper())
    if alert_ids is not None:
        where.append("a.alert_id IN (SELECT unnest(?))")
        params.append(alert_ids)
    if states is not None:
        due = "(a.state = 'snoozed' AND a.snoozed_until <= now())"
        where.append(f"(a.state IN (SELECT unnest(?)) OR ({due} AND 'open' IN (SELECT unnest(?))))")
        params += [list(states), list(states)]
    rows = store.query(
        f"""SELECT a.*, w.name AS company,
                   CASE WHEN a.state = 'snoozed' AND a.snoozed_until <= now() THEN 'open' ELSE a.state END AS status
            FROM risk_alerts a LEFT JOIN risk_watchlist w USING (ticker)
            WHERE {" AND ".join(where)} ORDER BY a.day DESC, a.ticker LIMIT {int(limit)}""",
        params,
    )
    ids = sorted({h for r in rows for h in (r["headline_ids"] or [])})
    texts = {}
    if ids:
        found = store.query(
            "SELECT headline_id, headline FROM risk_headlines WHERE headline_id IN (SELECT unnest(?))", [ids]
        )
        texts = {r["headline_id"]: r["headline"] for r in found}
    for row in rows:
        row["headlines"] = [texts[h] for h in row["headline_ids"] or [] if h in texts]
    return rows


def act_on_alert(
    store: Store, alert_id: str, action: str, *, user: str | None = None, snooze_days: int = 7, note: str = ""
) -> dict[str, Any]:
    """Acknowledge, snooze, mark as false alarm or reopen an alert; acknowledgements and false alarms are feedback."""
    if action not in ACTIONS:
        raise InvalidInput(f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    found = list_alerts(store, alert_ids=[alert_id], states=None)
    if not found:
        raise NotFound(f"There is no alert {alert_id!r}; it may have been removed. Refresh the page.")
    alert = found[0]
    user = user or store.settings.user
    until = now() + timedelta(days=max(1, int(snooze_days))) if action == "snooze" else None
    store.execute(
        "UPDATE risk_alerts SET state = ?, state_by = ?, state_at = ?, snoozed_until = ? WHERE alert_id = ?",
        [_STATE[action], user, now(), until, alert_id],
    )
    if action in ("acknowledge", "false_alarm"):
        store.log_feedback(
            module="risk",
            kind="confirm" if action == "acknowledge" else "false_alarm",
            user=user,
            request_id=alert_id,
            value={
                "alert_id": alert_id,
                "ticker": alert["ticker"],
                "company": alert["company"],
                "day": str(alert["day"]),
                "severity": alert["severity"],
                "reason": alert["reason"],
                "headlines": alert["headlines"][:10],
                "note": note,
            },
        )
    store.log_event(module="risk", action=f"alert_{action}", user=user, input_summary=alert_id)
    return {**alert, "state": _STATE[action], "snoozed_until": until}


def correct_label(store: Store, headline_id: str, label: str, *, user: str | None = None) -> str:
    """Record a staff correction of a headline's label (used at once for tone, and by retrain once accepted)."""
    if label not in LABELS:
        raise InvalidInput(f"A label must be one of {', '.join(LABELS)}, not {label!r}.")
    rows = store.query(
        "SELECT headline, label, confidence, model_version FROM risk_headlines WHERE headline_id = ?", [headline_id]
    )
    if not rows:
        raise NotFound(f"There is no headline {headline_id!r}.")
    row = rows[0]
    store.execute("UPDATE risk_headlines SET corrected_label = ? WHERE headline_id = ?", [label, headline_id])
    return store.log_feedback(
        module="risk",
        kind="correction",
        user=user,
        request_id=headline_id,
        value={
            "headline_id": headline_id,
            "headline": row["headline"],
            "model_label": row["label"],
            "model_confidence": row["confidence"],
            "model_version": row["model_version"],
            "corrected_label": label,
        },
    )


def as_of(store: Store) -> date | None:
    """The latest day with headlines (the demo data is historical, so 'now' is its last day)."""
    value = store.scalar("SELECT max(day) FROM risk_headlines")
    return value if isinstance(value, date | datetime) or value is None else pd.Timestamp(value).date()
