"""The webhook outbox: new alerts are announced from a table, so an alert raised by a process that exits is still sent.

`refresh_alerts` stores one message per batch of new alerts, in the transaction that stores the alerts, and
`deliver_soon` tries it at once in a background thread (the caller never waits). `deliver_pending` sends what
is due: the worker calls it on every pass, so a message that the raising process could not send (it exited,
the hook was down) goes out later. Each attempt is one bounded POST (`suite.risk.webhook.post`); a failed one
is tried again after `RETRY_DELAYS_S` (30 s, 1 min, 2, 5, 10, 30 min, 1 h) and, after the last, the message is
marked failed with its reason. A claim with a lease keeps two processes from sending the same message at once
(delivery is at least once: a process killed mid-POST leaves its claim to run out, and the message goes again).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from suite.errors import SuiteError
from suite.risk import queries
from suite.risk.models import Alert, Delivery
from suite.risk.webhook import DEADLINE_S, WebhookFailed, host_of, message, post
from suite.store import Store, new_id, now

logger = logging.getLogger(__name__)

RETRY_DELAYS_S = (30, 60, 120, 300, 600, 1800, 3600)  # after attempt 1, 2, ...; then the message has failed
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1
LEASE_MARGIN_S = 30.0  # a claim outlives the POST's deadline by this much
EXIT_WAIT_S = 5.0  # how long an exiting process waits for its first attempts

_background: set[threading.Thread] = set()
_turn = threading.Lock()  # held by a background attempt around each database call; taken for good at exit
_exiting = threading.Event()
_watching = threading.Lock()
_registered = False


def new_message(url: str, alerts: list[Alert], stamp: datetime) -> list:
    """The outbox row for `queries.insert_alerts`: (delivery_id, created_at, alert_ids, url, payload)."""
    return [new_id(), stamp, [a.alert_id for a in alerts], url, json.dumps(message(alerts), ensure_ascii=False)]


def deliver_soon(store: Store, delivery_ids: list[str], **options: float) -> threading.Thread:
    """Try these messages now in a daemon thread (whatever it cannot send, `deliver_pending` sends later).

    A process that exits meanwhile (a CLI run) waits up to `EXIT_WAIT_S` for the attempt, then leaves it to the
    outbox: the thread is never inside a database call when the interpreter stops (DuckDB would abort it).
    """
    _watch_exit()

    def send() -> None:
        try:
            _deliver(store, ids=delivery_ids, guard=_database_turn, **options)
        except Exception:  # the message stays in the outbox; never let announcing break the caller
            logger.exception("alert webhook: first attempt failed; the worker will retry")
        finally:
            _background.discard(threading.current_thread())

    thread = threading.Thread(target=send, name="risk-alert-webhook", daemon=True)
    _background.add(thread)
    thread.start()
    return thread


@contextlib.contextmanager
def _database_turn() -> Iterator[None]:
    with _turn:
        yield


def _watch_exit() -> None:
    """Register `_at_exit` once, after the first store (atexit runs it before that store closes)."""
    global _registered
    with _watching:
        if not _registered:
            atexit.register(_at_exit)
            _registered = True


def _at_exit() -> None:
    _exiting.set()
    until = time.monotonic() + EXIT_WAIT_S
    for thread in list(_background):
        thread.join(max(0.0, until - time.monotonic()))
    if _background:
        logger.warning("alert webhook: exiting during a first attempt; the outbox keeps the message for the worker")
    _turn.acquire(timeout=EXIT_WAIT_S)  # kept: no background database call starts after this


def deliver_pending(
    store: Store,
    *,
    at: datetime | None = None,
    ids: list[str] | None = None,
    limit: int = 50,
    deadline_s: float = DEADLINE_S,
    **post_options: float,
) -> list[Delivery]:
    """Send every due message of the outbox once (oldest first); returns what became of each.

    Args:
        at: the time to act as of (default now): messages due by then are sent and retries are scheduled from it.
        ids: only these messages (default all that are due).
        post_options: `connect_timeout_s`, `read_timeout_s` of `suite.risk.webhook.post`.
    """
    return _deliver(store, at=at, ids=ids, limit=limit, deadline_s=deadline_s, **post_options)


def _deliver(
    store: Store,
    *,
    at: datetime | None = None,
    ids: list[str] | None = None,
    limit: int = 50,
    deadline_s: float = DEADLINE_S,
    guard: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
    **post_options: float,
) -> list[Delivery]:
    stamp = at or now()
    lease = stamp + timedelta(seconds=deadline_s + LEASE_MARGIN_S)
    with guard():
        claimed = queries.claim_deliveries(store, at=stamp, lease_until=lease, ids=ids, limit=limit)
    for row in claimed:
        if guard is not contextlib.nullcontext and _exiting.is_set():
            break  # the process is ending: the claim runs out and the worker sends the rest
        attempts = int(row["attempts"]) + 1
        try:
            post(row["url"], json.loads(row["payload"]), deadline_s=deadline_s, **post_options)
        except (WebhookFailed, SuiteError, ValueError) as err:  # ValueError: a payload that is not JSON
            gave_up = attempts >= MAX_ATTEMPTS
            delay = 0 if gave_up else RETRY_DELAYS_S[attempts - 1]
            reason = str(err)[:500] + (f" (gave up after {attempts} attempts)" if gave_up else "")
            with guard():
                queries.finish_delivery(
                    store,
                    row["delivery_id"],
                    state="failed" if gave_up else "pending",
                    attempts=attempts,
                    next_attempt_at=stamp + timedelta(seconds=delay),
                    last_error=reason,
                    delivered_at=None,
                )
            log = logger.error if gave_up else logger.warning
            log("alert webhook: message %s attempt %d failed: %s", row["delivery_id"], attempts, reason)
            continue
        with guard():
            queries.finish_delivery(
                store,
                row["delivery_id"],
                state="delivered",
                attempts=attempts,
                next_attempt_at=stamp,
                last_error=None,
                delivered_at=now(),
            )
    if not claimed:
        return []
    with guard():
        return deliveries(store, ids=[r["delivery_id"] for r in claimed])


def deliveries(store: Store, *, limit: int = 50, ids: list[str] | None = None) -> list[Delivery]:
    """Outbox messages, newest first: delivered, waiting, retrying (with the last reason) or failed."""
    return [
        Delivery(
            delivery_id=r["delivery_id"],
            alert_ids=list(r["alert_ids"] or []),
            created_at=r["created_at"],
            state=r["state"],
            attempts=int(r["attempts"]),
            host=host_of(r["url"]),
            next_attempt_at=r["next_attempt_at"] if r["state"] == "pending" else None,
            last_error=r["last_error"] or "",
            delivered_at=r["delivered_at"],
        )
        for r in queries.deliveries(store, limit=limit, ids=ids)
    ]
