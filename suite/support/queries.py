"""Every read and write of the support module's tables (DDL is in schema.py)."""

from __future__ import annotations

from collections.abc import Sequence

from suite.store import Store, from_json, now, to_json
from suite.support.models import Chunk, DailyOutcome, Document, Passage, Ticket


# -- knowledge base ---------------------------------------------------------------------------------------
def document_hashes(store: Store) -> dict[str, str]:
    """Content hash of every ingested document, by source."""
    return {r["source"]: r["content_hash"] for r in store.query("SELECT source, content_hash FROM support_documents")}


def replace_document(
    store: Store,
    *,
    source: str,
    title: str,
    kind: str,
    content_hash: str,
    size: int,
    chunks: Sequence[Chunk],
    user: str | None,
) -> None:
    """Put a document and its chunks in place of any earlier version, in one transaction."""
    with store.transaction() as con:
        con.execute("DELETE FROM support_chunks WHERE source = ?", [source])
        con.execute("DELETE FROM support_documents WHERE source = ?", [source])
        con.execute(
            "INSERT INTO support_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [source, title, kind, content_hash, size, len(chunks), now(), user],
        )
        con.executemany(
            "INSERT INTO support_chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[c.chunk_id, c.source, c.position, c.title, c.heading, c.anchor, c.text] for c in chunks],
        )


def delete_document(store: Store, source: str) -> int | None:
    """Delete a document and its chunks; how many chunks went, or None when there was no such document."""
    with store.transaction() as con:
        row = con.execute("SELECT n_chunks FROM support_documents WHERE source = ?", [source]).fetchone()
        if row is None:
            return None
        con.execute("DELETE FROM support_chunks WHERE source = ?", [source])
        con.execute("DELETE FROM support_documents WHERE source = ?", [source])
    return int(row[0])


def documents(store: Store) -> list[Document]:
    rows = store.query(
        "SELECT source, title, kind, n_chunks, size_bytes, added_at, added_by FROM support_documents ORDER BY source"
    )
    return [Document(**row) for row in rows]


def chunks(store: Store) -> list[Chunk]:
    rows = store.query(
        "SELECT chunk_id, source, position, title, heading, anchor, text FROM support_chunks ORDER BY source, position"
    )
    return [Chunk(**row) for row in rows]


# -- handoff tickets --------------------------------------------------------------------------------------
def insert_ticket(store: Store, ticket: Ticket) -> None:
    """Queue the ticket through the write journal: it lands even while the database is busy."""
    row = ticket.as_dict()
    store.journal_row("support_tickets", {**row, "ts": ticket.ts.isoformat(), "candidates": to_json(row["candidates"])})


def tickets(store: Store, status: str | None = None) -> list[Ticket]:
    rows = store.query(
        """SELECT ticket_id, ts, "user", question, candidates, confidence, request_id, status FROM support_tickets
           WHERE ? IS NULL OR status = ? ORDER BY ts DESC""",
        [status, status],
    )
    return [Ticket(**{**row, "candidates": _passages(row["candidates"])}) for row in rows]


def _passages(value: str | None) -> list[Passage]:
    items = from_json(value)
    if not isinstance(items, list):  # empty, or an oversized value the store kept only a preview of
        return []
    return [
        Passage(c.get("source", ""), c.get("title", ""), c.get("score") or 0.0, c.get("passage", "")) for c in items
    ]


def set_ticket_status(store: Store, ticket_id: str, status: str) -> bool:
    """False when there is no such ticket."""
    store.flush()  # a ticket opened seconds ago may still be in the write journal
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM support_tickets WHERE ticket_id = ?", [ticket_id]).fetchone() is None:
            return False
        con.execute("UPDATE support_tickets SET status = ? WHERE ticket_id = ?", [status, ticket_id])
    return True


# -- usage ------------------------------------------------------------------------------------------------
def daily_outcomes(store: Store, days: int) -> list[DailyOutcome]:
    """Per day: questions answered and questions declined, from the `ask` events' `output_summary`."""
    rows = store.query(
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
    return [DailyOutcome(**row) for row in rows]


def demo_feedback_logged(store: Store) -> bool:
    return bool(store.scalar("SELECT count(*) FROM events WHERE module = 'support' AND action = 'demo'"))
