"""Types of the support module: what its service returns (each with `as_dict()` for JSON) and its errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from suite.errors import InvalidInput, NotFound

STATUSES = ("open", "answered", "closed")  # a handoff ticket's states, in order
UNCHANGED = "unchanged since the last ingest"  # the reason given for a file skipped because it is already in
MULTILINGUAL_CHARS = 160  # how much of a passage the multilingual model reads (its cost grows with length)


class InvalidQuestion(InvalidInput):
    """A question (or a correction) that is empty or too long."""


class UnusableFile(InvalidInput):
    """A help article that cannot be added (wrong type, too big, damaged, no text); the message names the file."""


class KnowledgeBaseEmpty(NotFound):
    """There are no help articles to answer from."""


class DocumentNotFound(NotFound):
    """No document of that name is in the knowledge base."""


class TicketNotFound(NotFound):
    """No handoff ticket has that id."""


class AnswerNotFound(NotFound):
    """Feedback or a ticket names an answer (request id) that the bot never gave."""


@dataclass(frozen=True)
class Chunk:
    """One cited passage of a help article, as stored in `support_chunks`."""

    chunk_id: str
    source: str
    position: int
    title: str
    heading: str
    anchor: str
    text: str

    @property
    def indexed_text(self) -> str:
        """What the indexes see: the article title and heading give short sections their context."""
        heading = f" — {self.heading}" if self.heading and self.heading != self.title else ""
        return f"{self.title}{heading}: {self.text}"

    @property
    def short_text(self) -> str:
        """Title, heading and opening words: the multilingual model is slow on long inputs (cost grows with length)."""
        heading = f" — {self.heading}" if self.heading and self.heading != self.title else ""
        return f"{self.title}{heading}: {self.text[:MULTILINGUAL_CHARS]}"


@dataclass(frozen=True)
class Passage:
    """A passage the bot looked at for a question (kept on a handoff ticket for staff)."""

    source: str
    title: str
    score: float
    passage: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: `[n]` in the answer text points here."""

    number: int
    source: str
    title: str
    heading: str
    anchor: str
    score: float
    passage: str

    @property
    def link(self) -> str:
        return f"{self.source}#{self.anchor}" if self.anchor else self.source

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "link": self.link}


@dataclass
class Answer:
    """The bot's reply to one question; `request_id` links feedback and tickets to its usage-log event."""

    question: str
    answer: str
    answered: bool  # False: the bot is not sure, says so and offers a person
    confidence: float
    citations: list[Citation]
    language: str
    model_name: str
    model_version: str
    device: str
    written_by: str = "extractive"  # or "llm"
    note: str = ""
    request_id: str | None = None
    candidates: list[Passage] = field(default_factory=list)

    def as_dict(self, *, brief: bool = False) -> dict[str, Any]:
        """Everything, or (`brief`) what a script needs: the answer, its confidence and the articles it cites."""
        if brief:
            keys = ("question", "answer", "answered", "confidence", "language", "note", "request_id")
            out: dict[str, Any] = {k: getattr(self, k) for k in keys}
            out["citations"] = [{"source": c.source, "title": c.title, "score": c.score} for c in self.citations]
            return out
        out = asdict(self)
        out["citations"] = [c.as_dict() for c in self.citations]
        return out

    def usage_summary(self) -> dict[str, Any]:
        """What the usage log keeps of an answer (`output_summary` of the `ask` event; drift reads it)."""
        return {
            "answered": self.answered,
            "confidence": self.confidence,
            "citations": [c.source for c in self.citations],
            "written_by": self.written_by,
        }


@dataclass(frozen=True)
class SkippedFile:
    source: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LeftOut:
    """A part of an added file that was left out (a FAQ row), with why."""

    source: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    """What adding files did: new articles, replaced ones, files skipped (with why) and passages stored.

    One batch is one transaction: the articles listed as added or replaced are all in, with their passages.
    """

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    chunks: int = 0
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def refused(self) -> list[SkippedFile]:
        """The skipped files that could not be used (not those skipped because they were unchanged)."""
        return [s for s in self.skipped if s.reason != UNCHANGED]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Document:
    """A help article in the knowledge base."""

    source: str  # the citation and the replacement key: the file's path inside the folder ingested, or its name
    title: str
    kind: str
    n_chunks: int
    size_bytes: int | None
    added_at: datetime
    added_by: str | None
    origin: str | None = None  # the file it was read from (None: uploaded)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RemovedDocument:
    source: str
    chunks: int  # how many passages went with it

    def as_dict(self) -> dict[str, Any]:
        return {"removed": self.source, "chunks": self.chunks}


@dataclass(frozen=True)
class Ticket:
    """A question handed to staff, with what the bot found for it."""

    ticket_id: str
    ts: datetime
    user: str | None
    question: str
    candidates: list[Passage]
    confidence: float | None
    request_id: str | None
    status: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DailyOutcome:
    """Questions of one day: answered by the bot, and declined (offered to a person)."""

    day: date
    answered: int
    declined: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
