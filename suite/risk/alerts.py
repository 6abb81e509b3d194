"""Alerts: raise them from the signals, list them, and let staff acknowledge, snooze or mark false alarms."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime, timedelta

import pandas as pd

from pipelines.text_classifier import LABELS
from suite.errors import InvalidInput
from suite.risk import outbox, queries
from suite.risk.classifier import current_thresholds
from suite.risk.models import Alert, NotWatched, Thresholds, UnknownAlert, UnknownHeadline
from suite.risk.signals import daily_signals, detect
from suite.risk.webhook import configured_url
from suite.store import Store, now

logger = logging.getLogger(__name__)

ACTIONS = ("acknowledge", "snooze", "false_alarm", "reopen")
SNOOZE_DAYS = 7  # how long a snooze lasts unless the caller says otherwise
MAX_SNOOZE_DAYS = 365
STATES = ("open", "acknowledged", "snoozed", "false_alarm")
MAX_LIST = 10_000  # alerts in one list
_STATE = {"acknowledge": "acknowledged", "snooze": "snoozed", "false_alarm": "false_alarm", "reopen": "open"}
_ALERT_FIELDS = {f.name for f in dataclasses.fields(Alert)}


def refresh_alerts(
    store: Store, tickers: list[str] | None = None, *, thresholds: Thresholds | None = None
) -> list[str]:
    """Recompute the signals and store any new alerts (existing alerts and their states stay); returns new ids.

    With a webhook configured, the new alerts' message joins the outbox in the same transaction and is tried at
    once in the background (`suite.risk.outbox`); an invalid webhook URL is logged and never opened.
    """
    thresholds = thresholds or current_thresholds(store.settings)
    frame = queries.headlines_frame(store, tickers)
    if frame.empty:
        return []
    signals = daily_signals(frame, thresholds)
    candidates = detect(signals, thresholds, queries.alert_days(store))
    if not candidates:
        return []
    by_day = {key: group.sort_values("score") for key, group in frame.groupby(["ticker", "day"])}
    companies = {r["ticker"]: r["name"] for r in queries.watchlist(store)}
    stamp = now()
    rows, created = [], []
    for c in candidates:
        alert_id = f"{c.ticker}-{c.day.isoformat()}"
        day_rows = by_day[(c.ticker, c.day)]
        behind = day_rows["headline_id"].tolist()[:20]
        rows.append(
            [alert_id, c.ticker, c.day, stamp, c.severity, c.trigger, c.reason, float(c.tone), float(c.baseline)]
            + [float(c.z), int(c.volume), behind, str(day_rows["model_version"].iloc[0])]
        )
        worst = day_rows["headline"].tolist()[:20]
        company = companies.get(c.ticker)
        created.append(Alert(alert_id, c.ticker, c.day, c.severity, c.reason, company, c.trigger, headlines=worst))
    url = _webhook(store)
    delivery = outbox.new_message(url, created, stamp) if url else None
    queries.insert_alerts(store, rows, delivery)
    logger.info("raised %d alert(s)", len(created))
    if delivery is not None:
        outbox.deliver_soon(store, [delivery[0]])
    return [a.alert_id for a in created]


def _webhook(store: Store) -> str | None:
    try:
        return configured_url(store.settings)
    except InvalidInput as err:
        logger.error("new alerts are not announced: %s", err)
        return None


def _since(value: date | str | None) -> date | None:
    """`since` as a date; refused when it is not a date or lies in the future (no alert can be that new)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput(f"'since' must be a date like 2025-03-01, not {str(value)[:40]!r}.") from None
    if value > (now() + timedelta(days=1)).date():
        raise InvalidInput(f"'since' is {value.isoformat()}, in the future; give a day on or before today.")
    return value


def list_alerts(
    store: Store,
    *,
    since: date | str | None = None,
    states: tuple[str, ...] | None = ("open",),
    ticker: str | None = None,
    alert_ids: list[str] | None = None,
    limit: int = 500,
) -> list[Alert]:
    """Alerts newest first, each with `headlines` (texts, most negative first). Snoozed ones reopen when due."""
    unknown = sorted(set(states or ()) - set(STATES))
    if unknown:
        raise InvalidInput(f"Unknown alert state(s) {', '.join(unknown)}; use {', '.join(STATES)}.")
    if not 1 <= int(limit) <= MAX_LIST:
        raise InvalidInput(f"'limit' must be from 1 to {MAX_LIST}, not {limit}.")
    if ticker and queries.company(store, ticker.upper()) is None:
        raise NotWatched(f"{ticker.upper()[:12]} is not on the watchlist, so it has no alerts.")
    rows = queries.alerts(
        store,
        since=_since(since),
        states=states,
        ticker=ticker.upper() if ticker else None,
        alert_ids=alert_ids,
        limit=limit,
    )
    texts = queries.headline_texts(store, sorted({h for r in rows for h in (r["headline_ids"] or [])}))
    alerts = []
    for row in rows:
        ids = list(row["headline_ids"] or [])
        values = {k: v for k, v in row.items() if k in _ALERT_FIELDS} | {"headline_ids": ids}
        alerts.append(Alert(**values, headlines=[texts[h] for h in ids if h in texts]))
    return alerts


def act_on_alert(
    store: Store,
    alert_id: str,
    action: str,
    *,
    user: str | None = None,
    snooze_days: int = SNOOZE_DAYS,
    note: str = "",
) -> Alert:
    """Acknowledge, snooze, mark as false alarm or reopen an alert; acknowledgements and false alarms are feedback."""
    if action not in ACTIONS:
        raise InvalidInput(f"Unknown action {str(action)[:40]!r}; use one of {', '.join(ACTIONS)}.")
    if action == "snooze" and not (isinstance(snooze_days, int) and 1 <= snooze_days <= MAX_SNOOZE_DAYS):
        raise InvalidInput(f"A snooze lasts 1 to {MAX_SNOOZE_DAYS} days, not {snooze_days!r}.")
    found = list_alerts(store, alert_ids=[alert_id], states=None)
    if not found:
        raise UnknownAlert(f"There is no alert {str(alert_id)[:80]!r}; it may have been removed. Refresh the page.")
    alert = found[0]
    user = user or store.settings.user
    stamp = now()
    until = stamp + timedelta(days=snooze_days) if action == "snooze" else None
    queries.set_alert_state(store, alert_id, _STATE[action], by=user, at=stamp, snoozed_until=until)
    if action in ("acknowledge", "false_alarm"):
        store.log_feedback(
            module="risk",
            kind="confirm" if action == "acknowledge" else "false_alarm",
            user=user,
            request_id=alert_id,
            value={
                "alert_id": alert_id,
                "ticker": alert.ticker,
                "company": alert.company,
                "day": str(alert.day),
                "severity": alert.severity,
                "reason": alert.reason,
                "headlines": alert.headlines[:10],
                "note": note,
            },
        )
    store.log_event(module="risk", action=f"alert_{action}", user=user, input_summary=alert_id)
    state = _STATE[action]
    return dataclasses.replace(alert, state=state, status=state, state_by=user, state_at=stamp, snoozed_until=until)


def correct_label(store: Store, headline_id: str, label: str, *, user: str | None = None) -> str:
    """Record a staff correction of a headline's label (used at once for tone, and by retrain once accepted).

    Returns the feedback id.
    """
    if label not in LABELS:
        raise InvalidInput(f"A label must be one of {', '.join(LABELS)}, not {str(label)[:40]!r}.")
    row = queries.headline(store, headline_id)
    if row is None:
        raise UnknownHeadline(f"There is no headline {str(headline_id)[:80]!r}.")
    queries.set_corrected_label(store, headline_id, label)
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
    value = queries.last_day(store)
    return value if isinstance(value, date | datetime) or value is None else pd.Timestamp(value).date()
