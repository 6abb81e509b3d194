"""What pages, the CLI and the API call on the support module: ask, feedback, handoff tickets, the knowledge base.

Results are the dataclasses of `suite.support.models`; expected failures are `SuiteError`s with messages
that say what to do.
"""

from __future__ import annotations

from pathlib import Path

from suite.errors import InvalidInput
from suite.progress import Progress, no_progress
from suite.store import Store, new_id, now
from suite.support import ingest, queries
from suite.support.answers import MAX_QUESTION_CHARS, answer_question, clean_question
from suite.support.models import (
    STATUSES,
    Answer,
    DailyOutcome,
    Document,
    DocumentNotFound,
    IngestReport,
    InvalidQuestion,
    RemovedDocument,
    Ticket,
    TicketNotFound,
)
from suite.support.parsing import MAX_FILE_MB, SUPPORTED
from suite.support.retrieval import MODES, get_index
from suite.tracking import track

OUTCOME_DAYS = 14  # how far back the staff chart of answered vs declined questions looks

__all__ = [
    "MAX_FILE_MB",
    "MAX_QUESTION_CHARS",
    "MODES",
    "OUTCOME_DAYS",
    "STATUSES",
    "SUPPORTED",
    "add_articles",
    "ask",
    "create_ticket",
    "daily_outcomes",
    "ingest_paths",
    "list_documents",
    "list_tickets",
    "record_feedback",
    "remove_document",
    "set_ticket_status",
]


# -- answers ----------------------------------------------------------------------------------------------
def ask(
    store: Store,
    question: str | None,
    *,
    user: str | None = None,
    mode: str = "hybrid",
    progress: Progress = no_progress,
) -> Answer:
    """Answer a question from the knowledge base and log it (events row; `answer.request_id` links feedback).

    Args:
        mode: one of `MODES` (hybrid, dense, keyword).
    """
    text = clean_question(question)
    with track(store, module="support", action="ask", user=user, input_summary=text) as call:
        index = get_index(store, progress=progress)
        result = answer_question(index, text, store.settings, mode=mode)
        result.request_id = call.request_id
        call.record(result)
        call.output = result.usage_summary()
    return result


def record_feedback(
    store: Store,
    answer: Answer,
    *,
    thumbs_up: bool | None = None,
    correction: str | None = None,
    user: str | None = None,
) -> list[str]:
    """Log a thumbs rating and/or a correction for an answer, with the full context a reviewer needs.

    Returns the ids of the feedback rows written (none, one or two).
    """
    correction = (correction or "").strip()
    if len(correction) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"Please keep the correction under {MAX_QUESTION_CHARS:,} characters.")
    context = {
        "question": answer.question,
        "answer": answer.answer,
        "answered": answer.answered,
        "confidence": answer.confidence,
        "citations": [
            {"source": c.source, "title": c.title, "heading": c.heading, "score": c.score, "passage": c.passage}
            for c in answer.citations
        ],
    }
    values = []
    if thumbs_up is not None:
        values.append(("thumbs", {**context, "thumbs": "up" if thumbs_up else "down"}))
    if correction:
        values.append(("correction", {**context, "correction": correction}))
    return [
        store.log_feedback(module="support", kind=kind, value=value, request_id=answer.request_id, user=user)
        for kind, value in values
    ]


# -- handoff tickets --------------------------------------------------------------------------------------
def create_ticket(store: Store, answer: Answer, *, user: str | None = None) -> str:
    """Queue a ticket with the question and what the bot found, for staff; returns its id. Never lost."""
    ticket = Ticket(
        ticket_id=new_id(),
        ts=now(),
        user=user or store.settings.user,
        question=answer.question,
        candidates=list(answer.candidates),
        confidence=answer.confidence,
        request_id=answer.request_id,
        status="open",
    )
    queries.insert_ticket(store, ticket)
    return ticket.ticket_id


def list_tickets(store: Store, status: str | None = None) -> list[Ticket]:
    """Tickets, newest first; only those in `status` (one of `STATUSES`) when given."""
    return queries.tickets(store, status)


def set_ticket_status(store: Store, ticket_id: str, status: str) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"Ticket status must be one of {', '.join(STATUSES)}.")
    if not queries.set_ticket_status(store, ticket_id, status):
        raise TicketNotFound(f"No ticket {ticket_id}.")


def daily_outcomes(store: Store, days: int = OUTCOME_DAYS) -> list[DailyOutcome]:
    """Per day: questions answered and questions the bot declined (from the usage log), for the staff chart."""
    return queries.daily_outcomes(store, days)


# -- knowledge base ---------------------------------------------------------------------------------------
def add_articles(
    store: Store, files: list[tuple[str, bytes]], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Add or replace uploaded articles, given as (file name, bytes); files that cannot be used are skipped
    with the reason (the file name is the citation source and the replacement key)."""
    return ingest.ingest_items(store, files, user=user, progress=progress)


def ingest_paths(
    store: Store, paths: list[Path], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Add or replace the articles in files and folders (recursively); unusable files are skipped with a reason."""
    return ingest.ingest_paths(store, paths, user=user, progress=progress)


def remove_document(store: Store, source: str) -> RemovedDocument:
    """Delete a document and its passages from the knowledge base."""
    removed = queries.delete_document(store, source)
    if removed is None:
        raise DocumentNotFound(f"No document called {source!r} is in the knowledge base.")
    return RemovedDocument(source, removed)


def list_documents(store: Store) -> list[Document]:
    """The documents in the knowledge base, by file name."""
    return queries.documents(store)
