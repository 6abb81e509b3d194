"""The review queue: staff accept, reject or edit feedback before any of it is used for training.

Only `accepted` feedback ever reaches a module's `retrain`. Every decision sets `reviewer` and
`reviewed_at` on the feedback row and appends a `review_log` row; an edit keeps the original value there.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from suite.errors import InvalidInput, NotFound
from suite.review.models import DECISIONS, STATES, FeedbackItem, Filters, ReviewCounts, ReviewDecision
from suite.store import Store, from_json, new_id, now, to_json

logger = logging.getLogger(__name__)


def _where(filters: Filters) -> tuple[str, list[Any]]:
    clauses, params = ["1 = 1"], []
    if filters.state and filters.state not in STATES:
        raise InvalidInput(f"Review state must be one of {', '.join(STATES)}.")
    for column, value in (("f.module", filters.module), ("f.kind", filters.kind), ("f.review_state", filters.state)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.since:
        clauses.append("f.ts >= ?")
        params.append(filters.since)
    if filters.text:
        clauses.append("(CAST(f.value AS VARCHAR) ILIKE ? OR coalesce(e.input_summary, '') ILIKE ?)")
        params += [f"%{filters.text}%"] * 2
    return " AND ".join(clauses), params


_SELECT = """
SELECT f.*, e.action, e.input_summary, e.output_summary, e.model_version, e.ts AS request_ts
FROM feedback f LEFT JOIN events e ON e.request_id = f.request_id
"""


def list_feedback(store: Store, filters: Filters | None = None, *, limit: int = 200) -> list[FeedbackItem]:
    """Feedback matching `filters` (default: new items), oldest first, each with the request it is about."""
    where, params = _where(filters or Filters())
    rows = store.query(f"{_SELECT} WHERE {where} ORDER BY f.ts LIMIT ?", [*params, limit])
    items = []
    for r in rows:
        context = {
            "action": r["action"],
            "input": r["input_summary"],
            "output": from_json(r["output_summary"]),
            "model_version": r["model_version"],
            "requested_at": r["request_ts"],
        }
        items.append(
            FeedbackItem(
                feedback_id=r["feedback_id"],
                module=r["module"],
                kind=r["kind"],
                value=from_json(r["value"]),
                review_state=r["review_state"],
                ts=r["ts"],
                user=r["user"],
                reviewer=r["reviewer"],
                reviewed_at=r["reviewed_at"],
                request_id=r["request_id"],
                context={k: v for k, v in context.items() if v is not None},
            )
        )
    return items


def counts(store: Store) -> ReviewCounts:
    """Feedback items per module and review state."""
    result: dict[str, dict[str, int]] = {}
    for r in store.query("SELECT module, review_state, count(*) AS n FROM feedback GROUP BY ALL"):
        result.setdefault(r["module"], {})[r["review_state"]] = int(r["n"])
    return ReviewCounts(result)


def decide(store: Store, feedback_ids: list[str], decision: str, *, reviewer: str, note: str | None = None) -> int:
    """Accept, reject (or reopen) the given feedback items; returns how many changed."""
    if decision not in DECISIONS:
        raise InvalidInput(f"Decision must be one of {', '.join(DECISIONS)}.")
    if not reviewer:
        raise InvalidInput("Say who is reviewing (your name) before deciding on feedback.")
    if not feedback_ids:
        return 0
    store.flush(wait_s=store.wait_s)
    state, stamp = DECISIONS[decision], now()
    with store.transaction() as con:
        found = con.execute(
            "SELECT feedback_id FROM feedback WHERE list_contains(?, feedback_id) AND review_state <> ?",
            [list(feedback_ids), state],
        ).fetchall()
        ids = [row[0] for row in found]
        if not ids:
            return 0
        con.execute(
            "UPDATE feedback SET review_state = ?, reviewer = ?, reviewed_at = ? WHERE list_contains(?, feedback_id)",
            [state, reviewer, None if state == "new" else stamp, ids],
        )
        con.executemany(
            "INSERT INTO review_log (decision_id, feedback_id, ts, reviewer, decision, note) VALUES (?, ?, ?, ?, ?, ?)",
            [[new_id(), fid, stamp, reviewer, decision, note] for fid in ids],
        )
    logger.info("%s %s %d feedback item(s)", reviewer, decision, len(ids))
    return len(ids)


def decide_matching(
    store: Store, filters: Filters, decision: str, *, reviewer: str, note: str | None = None, limit: int = 10_000
) -> int:
    """Bulk decision on every item matching `filters` (e.g. all new 'confirm' feedback of risk)."""
    ids = [item.feedback_id for item in list_feedback(store, filters, limit=limit)]
    return decide(store, ids, decision, reviewer=reviewer, note=note)


def edit(store: Store, feedback_id: str, new_value: Any, *, reviewer: str, note: str | None = None) -> None:
    """Replace an item's value (e.g. fix a label) and accept it; the original value is kept in review_log."""
    if not reviewer:
        raise InvalidInput("Say who is reviewing (your name) before editing feedback.")
    if isinstance(new_value, str):
        try:
            new_value = json.loads(new_value)
        except ValueError as err:
            raise InvalidInput(f"The edited value is not valid JSON: {err}. Keep the quotes and braces.") from err
    store.flush(wait_s=store.wait_s)
    stamp = now()
    with store.transaction() as con:
        row = con.execute("SELECT value FROM feedback WHERE feedback_id = ?", [feedback_id]).fetchone()
        if row is None:
            raise NotFound(f"There is no feedback item {feedback_id!r} (it may still be on its way; try again).")
        con.execute(
            """UPDATE feedback SET value = ?, review_state = 'accepted', reviewer = ?, reviewed_at = ?
               WHERE feedback_id = ?""",
            [to_json(new_value), reviewer, stamp, feedback_id],
        )
        con.execute(
            "INSERT INTO review_log VALUES (?, ?, ?, ?, 'edit', ?, ?, ?)",
            [new_id(), feedback_id, stamp, reviewer, note, row[0], to_json(new_value)],
        )


def decisions(store: Store, feedback_id: str | None = None, limit: int = 500) -> list[ReviewDecision]:
    """The review log, newest first."""
    where, params = ("WHERE feedback_id = ?", [feedback_id]) if feedback_id else ("", [])
    rows = store.query(f"SELECT * FROM review_log {where} ORDER BY ts DESC LIMIT ?", [*params, limit])
    decoded = ({**r, "old_value": from_json(r["old_value"]), "new_value": from_json(r["new_value"])} for r in rows)
    return [ReviewDecision(**r) for r in decoded]
