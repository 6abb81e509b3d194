"""What pages, the CLI and the API call on the support module: ask, feedback, handoff tickets, the knowledge base.

Results are the dataclasses of `suite.support.models`; expected failures are `SuiteError`s with messages
that say what to do.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.multilingual_embedder import load_multilingual_embedder
from suite.auth.trail import audited
from suite.errors import InvalidInput
from suite.progress import Progress, no_progress
from suite.redaction import for_storage
from suite.settings import Settings
from suite.store import Store, new_id, now
from suite.support import ingest, queries
from suite.support.answers import MAX_QUESTION_CHARS, answer_question, clean_question, clean_text
from suite.support.local_llm import AnswerStream
from suite.support.models import (
    STATUSES,
    Answer,
    AnswerNotFound,
    DailyOutcome,
    Document,
    DocumentNotFound,
    IngestReport,
    InvalidQuestion,
    KnowledgeBaseEmpty,
    RemovedDocument,
    Ticket,
    TicketNotFound,
)
from suite.support.parsing import MAX_FILE_MB, SUPPORTED, decode_text
from suite.support.retrieval import MODES, get_index, serving_embedder
from suite.tracking import track
from suite.uploads import check_size

OUTCOME_DAYS = 14  # how far back the staff chart of answered vs declined questions looks
MAX_BATCH_MB = 5  # a batch file of questions
MAX_BATCH_QUESTIONS = 10_000

__all__ = [
    "MAX_BATCH_MB",
    "MAX_BATCH_QUESTIONS",
    "MAX_FILE_MB",
    "MAX_QUESTION_CHARS",
    "MODES",
    "OUTCOME_DAYS",
    "STATUSES",
    "SUPPORTED",
    "add_articles",
    "ask",
    "ask_streaming",
    "create_ticket",
    "daily_outcomes",
    "ingest_paths",
    "list_documents",
    "list_tickets",
    "read_batch",
    "record_feedback",
    "remove_document",
    "set_ticket_status",
]


# -- answers ----------------------------------------------------------------------------------------------
@audited("support.ask")
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
    stored = for_storage(store.settings, text, kind="questions")  # personal data masked in the usage log
    with track(store, module="support", action="ask", user=user, input_summary=stored) as call:
        index = get_index(store, progress=progress)
        result = answer_question(index, text, store.settings, mode=mode)
        result.request_id = call.request_id
        call.record(result)
        call.output = result.usage_summary()
    return result


def ask_streaming(store: Store, question: str | None, **kwargs) -> AnswerStream:
    """`ask(store, question, **kwargs)` in a worker thread; iterate for the local model's pieces as it writes
    them, then take the logged `Answer` from `result()` (which raises what `ask` raised)."""
    return AnswerStream(lambda: ask(store, question, **kwargs))


def read_batch(path: Path) -> list[str]:
    """The questions of a batch file, one a line (any common text encoding).

    Raises:
        InvalidInput: not a file, too big, not text, or more than `MAX_BATCH_QUESTIONS` questions.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file.")
    check_size(path.name, path.stat().st_size, max_mb=MAX_BATCH_MB)
    with path.open("rb") as handle:
        data = handle.read(MAX_BATCH_MB * 2**20 + 1)
    check_size(path.name, len(data), max_mb=MAX_BATCH_MB)
    questions = [line for line in decode_text(data, path.name).splitlines() if line.strip()]
    if len(questions) > MAX_BATCH_QUESTIONS:
        raise InvalidInput(
            f"{path.name} has {len(questions):,} questions; the limit is {MAX_BATCH_QUESTIONS:,} a batch. Split it."
        )
    return questions


@audited("support.feedback", target=lambda a: a["answer"].request_id)
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

    Raises:
        InvalidQuestion: the correction is too long.
        AnswerNotFound: the answer was never given by the bot (no `ask` event has its request id).
    """
    correction = clean_text(correction or "")
    if len(correction) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"That correction is {len(correction):,} characters long; please keep it under {MAX_QUESTION_CHARS:,}."
        )
    if thumbs_up is None and not correction:
        return []
    _require_logged(store, answer)
    correction = for_storage(store.settings, correction, kind="questions") or ""
    context = {
        "question": for_storage(store.settings, answer.question, kind="questions"),
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
@audited("support.ticket_open", target=lambda a: a["answer"].request_id)
def create_ticket(store: Store, answer: Answer, *, user: str | None = None) -> str:
    """Queue a ticket with the question and what the bot found, for staff; returns its id. Never lost.

    Raises:
        AnswerNotFound: the answer was never given by the bot (no `ask` event has its request id).
    """
    _require_logged(store, answer)
    ticket = Ticket(
        ticket_id=new_id(),
        ts=now(),
        user=user or store.settings.user,
        question=for_storage(store.settings, answer.question, kind="questions"),
        candidates=list(answer.candidates),
        confidence=answer.confidence,
        request_id=answer.request_id,
        status="open",
    )
    queries.insert_ticket(store, ticket)
    return ticket.ticket_id


def list_tickets(store: Store, status: str | None = None) -> list[Ticket]:
    """Tickets, newest first; only those in `status` (one of `STATUSES`) when given."""
    if status is not None:
        _check_status(status)
    return queries.tickets(store, status)


@audited("support.ticket_answer", target="ticket_id", detail=lambda _: None)
def set_ticket_status(store: Store, ticket_id: str, status: str) -> None:
    """Move a ticket to `status` (one of `STATUSES`)."""
    _check_status(status)
    if not queries.set_ticket_status(store, ticket_id, status):
        raise TicketNotFound(f"No ticket {ticket_id}.")


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"Ticket status must be one of {', '.join(STATUSES)} (not {clean_text(status)[:40]!r}).")


def _require_logged(store: Store, answer: Answer) -> None:
    """Feedback and tickets hang off an answer the bot gave; an unknown request id is refused (unless the
    usage log cannot be read right now: then the row is kept rather than lost)."""
    if not answer.request_id or queries.answer_logged(store, answer.request_id) is False:
        shown = clean_text(answer.request_id or "")[:40] or "without an id"
        raise AnswerNotFound(f"No answer {shown} was given by the assistant; ask the question again.")


def daily_outcomes(store: Store, days: int = OUTCOME_DAYS) -> list[DailyOutcome]:
    """Per day: questions answered and questions the bot declined (from the usage log), for the staff chart."""
    return queries.daily_outcomes(store, days)


# -- knowledge base ---------------------------------------------------------------------------------------
def _ingest_detail(report: IngestReport) -> dict:
    return {"added": len(report.added), "replaced": len(report.replaced), "skipped": len(report.skipped)}


@audited("kb.add", target=lambda a: ", ".join(name for name, _ in a["files"]), detail=_ingest_detail)
def add_articles(
    store: Store, files: list[tuple[str, bytes]], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Add or replace uploaded articles, given as (file name, bytes), in one transaction; files that cannot be
    used are skipped with the reason (the file name is the citation source and the replacement key; two files
    of one batch with the same name are kept apart as `faq.md` and `faq (2).md`)."""
    return ingest.ingest_items(store, files, user=user, progress=progress)


@audited("kb.add", target=lambda a: ", ".join(str(p) for p in a["paths"]), detail=_ingest_detail)
def ingest_paths(
    store: Store, paths: list[Path], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Add or replace the articles in files and folders (recursively), in one transaction; unusable files are
    skipped with a reason. A file's source is its path inside the folder given (see `suite.support.ingest`).

    Raises:
        NotFound: a path does not exist (nothing is added).
        InvalidInput: a path is not a file or folder, or a folder is empty (nothing is added).
    """
    return ingest.ingest_paths(store, paths, user=user, progress=progress)


@audited("kb.remove", target="source", detail=lambda r: {"passages": r.chunks})
def remove_document(store: Store, source: str) -> RemovedDocument:
    """Delete a document and its passages from the knowledge base (`source` as `list_documents` shows it)."""
    removed = queries.delete_document(store, source)
    if removed is None:
        shown = clean_text(source)
        shown = shown if len(shown) <= 200 else shown[:200] + "..."
        raise DocumentNotFound(f"No document called {shown!r} is in the knowledge base.")
    return RemovedDocument(source, removed)


def list_documents(store: Store) -> list[Document]:
    """The documents in the knowledge base, by file name."""
    return queries.documents(store)


# -- warm-up (suite.warmup) -------------------------------------------------------------------------------
WARM_QUESTIONS = ("How do I reset my password?", "如何重置密码？")  # one per embedder (English, multilingual)


def warm_up(settings: Settings, store: Store) -> str | None:
    """Load the embedders and build (or reload) the knowledge-base index, then search it once per language, so
    the first question after start is answered at once; nothing is logged. Returns a note when there is no
    knowledge base yet (the embedders are loaded anyway: the first article is then indexed without waiting)."""
    try:
        index = get_index(store)
    except KnowledgeBaseEmpty:
        serving_embedder(settings).embed([WARM_QUESTIONS[0]])
        load_multilingual_embedder().embed([WARM_QUESTIONS[1]])
        return "no help articles yet"
    for question in WARM_QUESTIONS:
        index.search(question)
    return None
