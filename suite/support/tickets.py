"""Handoff tickets: questions the bot declined (or a user escalated), for staff to answer. Never lost."""

from __future__ import annotations

import json

from suite.errors import InvalidInput, NotFound
from suite.store import Store, new_id, now, to_json

STATUSES = ("open", "answered", "closed")


def create_ticket(store: Store, answer: dict, *, user: str | None = None) -> str:
    """Queue a ticket with the question and what the bot found; returns its id."""
    ticket_id = new_id()
    store.journal_row(
        "support_tickets",
        {
            "ticket_id": ticket_id,
            "ts": now().isoformat(),
            "user": user or store.settings.user,
            "question": answer["question"],
            "candidates": to_json(
                [{k: c.get(k) for k in ("source", "title", "score", "passage")} for c in answer.get("candidates", [])]
            ),
            "confidence": answer.get("confidence"),
            "request_id": answer.get("request_id"),
            "status": "open",
        },
    )
    return ticket_id


def list_tickets(store: Store, status: str | None = None) -> list[dict]:
    sql = 'SELECT ticket_id, ts, "user", question, candidates, confidence, request_id, status FROM support_tickets'
    rows = store.query(sql + (" WHERE status = ?" if status else "") + " ORDER BY ts DESC", [status] if status else [])
    for row in rows:
        row["candidates"] = json.loads(row["candidates"]) if row["candidates"] else []
    return rows


def set_status(store: Store, ticket_id: str, status: str) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"Ticket status must be one of {', '.join(STATUSES)}.")
    store.flush()
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM support_tickets WHERE ticket_id = ?", [ticket_id]).fetchone() is None:
            raise NotFound(f"No ticket {ticket_id}.")
        con.execute("UPDATE support_tickets SET status = ? WHERE ticket_id = ?", [status, ticket_id])


def daily_outcomes(store: Store, days: int = 14) -> list[dict]:
    """Per day: questions answered and questions the bot declined (from the usage log), for the staff chart."""
    return store.query(
        """
        SELECT CAST(ts AS DATE) AS day,
               count(*) FILTER (WHERE json_extract(output_summary, '$.answered')::BOOLEAN) AS answered,
               count(*) FILTER (WHERE NOT json_extract(output_summary, '$.answered')::BOOLEAN) AS declined
        FROM events
        WHERE module = 'support' AND action = 'ask' AND status = 'ok' AND ts >= now() - to_days(?)
        GROUP BY day ORDER BY day
        """,
        [days],
    )
