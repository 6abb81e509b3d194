"""Every read and write of the support module's tables (DDL is in schema.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from suite.store import Store, from_json, now, to_json
from suite.support.models import Chunk, DailyOutcome, Document, Passage, Ticket

if TYPE_CHECKING:
    from suite.support.ingest import Prepared


# -- knowledge base ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KnownDocument:
    content_hash: str
    origin: str | None


def known_documents(store: Store) -> dict[str, KnownDocument]:
    """Content hash and origin of every ingested document, by source."""
    rows = store.query("SELECT source, content_hash, origin FROM support_documents")
    return {r["source"]: KnownDocument(r["content_hash"], r["origin"]) for r in rows}


def replace_documents(
    store: Store, documents: Sequence[Prepared], *, moved: Sequence[tuple[str, str]] = (), user: str | None
) -> None:
    """Put documents and their chunks in place of any earlier versions, all in one transaction.

    `moved`: (source, origin) of unchanged documents whose file is now read from another place.
    """
    added_at = now()
    with store.transaction() as con:
        for doc in documents:
            con.execute("DELETE FROM support_chunks WHERE source = ?", [doc.source])
            con.execute("DELETE FROM support_documents WHERE source = ?", [doc.source])
            con.execute(
                """INSERT INTO support_documents
                   (source, title, kind, content_hash, size_bytes, n_chunks, added_at, added_by, origin)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [doc.source, doc.title, doc.kind, doc.content_hash, doc.size, len(doc.chunks), added_at, user]
                + [doc.origin],
            )
            con.executemany(
                "INSERT INTO support_chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[c.chunk_id, c.source, c.position, c.title, c.heading, c.anchor, c.text] for c in doc.chunks],
            )
        for source, origin in moved:
            con.execute("UPDATE support_documents SET origin = ? WHERE source = ?", [origin, source])


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
        """SELECT source, title, kind, n_chunks, size_bytes, added_at, added_by, origin
           FROM support_documents ORDER BY source"""
    )
    return [Document(**row) for row in rows]


def chunks(store: Store) -> list[Chunk]:
    rows = store.query(
        "SELECT chunk_id, source, position, title, heading, anchor, text FROM support_chunks ORDER BY source, position"
    )
    return [Chunk(**row) for row in rows]


def knowledge_stamp(store: Store, *, wait_s: float | None = None) -> tuple[int, int, int]:
    """(documents, two order-free hashes of every source and content hash): changes with any document change.

    Read without copying the write journal in first (the journal holds no documents), so it costs one small
    aggregate query per question."""
    with store.connect(wait_s=wait_s) as cursor:
        row = cursor.execute(
            """SELECT count(*), coalesce(sum(hash(source || '|' || content_hash)), 0),
                      coalesce(bit_xor(hash(content_hash || '|' || source)), 0)
               FROM support_documents"""
        ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def document_hashes(store: Store) -> dict[str, str]:
    """The content hash of every document, by source (read without copying the journal in)."""
    with store.connect() as cursor:
        rows = cursor.execute("SELECT source, content_hash FROM support_documents").fetchall()
    return {source: content_hash for source, content_hash in rows}


def chunks_with_hashes(store: Store, sources: Sequence[str] | None = None) -> list[tuple[Chunk, str]]:
    """Chunks (of `sources`, or all) with their document's content hash, by source and position."""
    with store.connect() as cursor:
        rows = cursor.execute(
            """SELECT c.chunk_id, c.source, c.position, c.title, c.heading, c.anchor, c.text, d.content_hash
               FROM support_chunks c JOIN support_documents d ON d.source = c.source
               WHERE ? IS NULL OR list_contains(?, c.source)
               ORDER BY c.source, c.position""",
            [None if sources is None else list(sources)] * 2,
        ).fetchall()
    return [(Chunk(*r[:7]), r[7]) for r in rows]


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


def answer_logged(store: Store, request_id: str) -> bool | None:
    """Whether the bot gave an answer with this request id (an `ask` event); None while that cannot be told
    (the write journal could not be copied in, so the event may still be on its way)."""
    copied = store.flush(wait_s=2.0, lock_timeout_s=2.0)
    found = store.query(
        "SELECT 1 FROM events WHERE request_id = ? AND module = 'support' AND action = 'ask' LIMIT 1", [request_id]
    )
    if found:
        return True
    return False if copied else None


def demo_feedback_logged(store: Store) -> bool:
    return bool(store.scalar("SELECT count(*) FROM events WHERE module = 'support' AND action = 'demo'"))
