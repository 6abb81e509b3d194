"""The review queue: staff accept, reject or edit feedback before any of it is used for training.

Only `accepted` feedback ever reaches a module's `retrain`. Every decision sets `reviewer` and
`reviewed_at` on the feedback row and appends a `review_log` row with what it replaced (state, reviewer, review
time; an edit also the original value), so `undo` can put the item back as it was.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from suite.auth.trail import audited
from suite.errors import InvalidInput, NotFound
from suite.review.models import DECISIONS, STATES, FeedbackItem, Filters, ReviewCounts, ReviewDecision
from suite.store import Store, from_json, new_id, now, to_json

logger = logging.getLogger(__name__)


def _action(decision: str) -> str:
    """The audit event of a decision (an unknown one is checked as an acceptance, then refused as unknown)."""
    return f"feedback.{decision}" if decision in DECISIONS else "feedback.accept"


def _ids(arguments: dict[str, Any]) -> str:
    ids = list(arguments["feedback_ids"] or [])
    return ", ".join(ids[:5]) + (f" (+{len(ids) - 5} more)" if len(ids) > 5 else "")


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


@audited(lambda a: _action(a["decision"]), target=_ids, detail=lambda n: {"changed": n})
def decide(
    store: Store,
    feedback_ids: list[str],
    decision: str,
    *,
    reviewer: str,
    note: str | None = None,
    strict: bool = False,
) -> int:
    """Accept, reject (or reopen) the given feedback items; returns how many changed.

    Args:
        strict: refuse, changing nothing, when an id is unknown or the item already has the other decision (the
            command line's rule: a decision is changed by undoing it first). Without it unknown ids are skipped
            and a decided item takes the new decision.

    Raises:
        InvalidInput: an unknown decision, no reviewer, or (strict) an item decided the other way.
        NotFound: (strict) an id that is not in the queue.
    """
    if decision not in DECISIONS:
        raise InvalidInput(f"Decision must be one of {', '.join(DECISIONS)}.")
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise InvalidInput("Say who is reviewing (your name) before deciding on feedback.")
    if not feedback_ids:
        return 0
    store.flush(wait_s=store.wait_s)
    state, stamp = DECISIONS[decision], now()
    wanted = list(dict.fromkeys(feedback_ids))
    with store.transaction() as con:
        found = con.execute(
            "SELECT feedback_id, review_state, reviewer, reviewed_at FROM feedback WHERE list_contains(?, feedback_id)",
            [wanted],
        ).fetchall()
        rows = {row[0]: row for row in found}
        if strict:
            _refuse_unknown(wanted, rows)
            other = [fid for fid in wanted if rows[fid][1] not in ("new", state)]
            if other and state != "new":
                first = other[0]
                more = f" (and {len(other) - 1} more)" if len(other) > 1 else ""
                raise InvalidInput(
                    f"Feedback {first} is already {rows[first][1]}{more}; undo that decision first "
                    f"(suite review undo {first}) to decide again."
                )
        changing = [rows[fid] for fid in wanted if fid in rows and rows[fid][1] != state]
        if not changing:
            return 0
        ids = [row[0] for row in changing]
        con.execute(
            "UPDATE feedback SET review_state = ?, reviewer = ?, reviewed_at = ? WHERE list_contains(?, feedback_id)",
            [state, reviewer, None if state == "new" else stamp, ids],
        )
        con.executemany(
            """INSERT INTO review_log (decision_id, feedback_id, ts, reviewer, decision, note,
                   old_state, new_state, old_reviewer, old_reviewed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [[new_id(), fid, stamp, reviewer, decision, note, old, state, who, at] for fid, old, who, at in changing],
        )
    logger.info("%s %s %d feedback item(s)", reviewer, decision, len(ids))
    return len(ids)


def _refuse_unknown(wanted: list[str], found: dict[str, Any]) -> None:
    missing = [fid for fid in wanted if fid not in found]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise NotFound(
            f"There is no feedback item {missing[0]!r}{more}; `suite review list --state all` shows the ids."
        )


@audited(lambda a: _action(a["decision"]), target=lambda a: str(a["filters"]), detail=lambda n: {"changed": n})
def decide_matching(
    store: Store,
    filters: Filters,
    decision: str,
    *,
    reviewer: str,
    note: str | None = None,
    limit: int = 10_000,
    strict: bool = False,
) -> int:
    """Bulk decision on every item matching `filters` (e.g. all new 'confirm' feedback of risk)."""
    ids = [item.feedback_id for item in list_feedback(store, filters, limit=limit)]
    return decide(store, ids, decision, reviewer=reviewer, note=note, strict=strict)


@audited("feedback.edit", target="feedback_id")
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
        row = con.execute(
            "SELECT value, review_state, reviewer, reviewed_at FROM feedback WHERE feedback_id = ?", [feedback_id]
        ).fetchone()
        if row is None:
            raise NotFound(f"There is no feedback item {feedback_id!r} (it may still be on its way; try again).")
        con.execute(
            """UPDATE feedback SET value = ?, review_state = 'accepted', reviewer = ?, reviewed_at = ?
               WHERE feedback_id = ?""",
            [to_json(new_value), reviewer, stamp, feedback_id],
        )
        con.execute(
            """INSERT INTO review_log (decision_id, feedback_id, ts, reviewer, decision, note, old_value, new_value,
                   old_state, new_state, old_reviewer, old_reviewed_at)
               VALUES (?, ?, ?, ?, 'edit', ?, ?, ?, ?, 'accepted', ?, ?)""",
            [new_id(), feedback_id, stamp, reviewer, note, row[0], to_json(new_value), row[1], row[2], row[3]],
        )


@audited("feedback.undo", target=_ids, detail=lambda n: {"reverted": n})
def undo(store: Store, feedback_ids: list[str], *, reviewer: str, note: str | None = None) -> int:
    """Revert the latest decision (accept, reject, reopen or edit) on each item; returns how many were reverted.

    Each item gets back the state, reviewer, review time and (for an edit) the value it had before; the reverted
    decision is marked undone and an 'undo' row joins the log, so a second undo goes one decision further back.
    All or nothing: an unknown id, an item with no decision left to undo, or one changed outside the review
    queue since its decision refuses the whole call.

    Raises:
        NotFound: an id that is not in the queue. InvalidInput: no reviewer, or nothing to undo on an item.
    """
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise InvalidInput("Say who is reviewing (your name) before undoing a decision.")
    wanted = list(dict.fromkeys(feedback_ids))
    if not wanted:
        return 0
    store.flush(wait_s=store.wait_s)
    stamp = now()
    with store.transaction() as con:
        found = con.execute(
            "SELECT feedback_id, review_state FROM feedback WHERE list_contains(?, feedback_id)", [wanted]
        ).fetchall()
        states = {row[0]: row[1] for row in found}
        _refuse_unknown(wanted, states)
        latest = {
            row[0]: row
            for row in con.execute(
                """SELECT feedback_id, decision_id, decision, old_state, new_state, old_reviewer, old_reviewed_at,
                          old_value
                   FROM review_log WHERE list_contains(?, feedback_id) AND decision <> 'undo' AND undone_at IS NULL
                   QUALIFY row_number() OVER (PARTITION BY feedback_id ORDER BY ts DESC, decision_id DESC) = 1""",
                [wanted],
            ).fetchall()
        }
        for fid in wanted:
            row = latest.get(fid)
            if row is None:
                raise InvalidInput(f"Feedback {fid} has no decision left to undo (it is {states[fid]}).")
            if row[3] is None:
                raise InvalidInput(
                    f"The last decision on feedback {fid} was recorded before decisions could be undone; "
                    "decide on it again instead."
                )
            if row[4] != states[fid]:
                raise InvalidInput(
                    f"Feedback {fid} is {states[fid]}, not {row[4]} as its last decision left it (it was changed "
                    "outside the review queue); decide on it again instead."
                )
        for fid in wanted:
            _, decision_id, decision, old_state, new_state, old_reviewer, old_reviewed_at, old_value = latest[fid]
            if decision == "edit":
                con.execute(
                    """UPDATE feedback SET review_state = ?, reviewer = ?, reviewed_at = ?, value = ?
                       WHERE feedback_id = ?""",
                    [old_state, old_reviewer, old_reviewed_at, old_value, fid],
                )
            else:
                con.execute(
                    "UPDATE feedback SET review_state = ?, reviewer = ?, reviewed_at = ? WHERE feedback_id = ?",
                    [old_state, old_reviewer, old_reviewed_at, fid],
                )
            con.execute("UPDATE review_log SET undone_at = ? WHERE decision_id = ?", [stamp, decision_id])
            con.execute(
                """INSERT INTO review_log (decision_id, feedback_id, ts, reviewer, decision, note, old_state, new_state)
                   VALUES (?, ?, ?, ?, 'undo', ?, ?, ?)""",
                [new_id(), fid, stamp, reviewer, note or f"undid {decision}", new_state, old_state],
            )
    logger.info("%s undid the last decision on %d feedback item(s)", reviewer, len(wanted))
    return len(wanted)


def decisions(store: Store, feedback_id: str | None = None, limit: int = 500) -> list[ReviewDecision]:
    """The review log, newest first."""
    where, params = ("WHERE feedback_id = ?", [feedback_id]) if feedback_id else ("", [])
    rows = store.query(f"SELECT * FROM review_log {where} ORDER BY ts DESC LIMIT ?", [*params, limit])
    decoded = ({**r, "old_value": from_json(r["old_value"]), "new_value": from_json(r["new_value"])} for r in rows)
    return [ReviewDecision(**r) for r in decoded]
