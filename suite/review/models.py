"""What the review queue takes and hands back: filters, feedback items, counts, decisions, media to show."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

STATES = ("new", "accepted", "rejected")
DECISIONS = {"accept": "accepted", "reject": "rejected", "reopen": "new"}


@dataclass
class Filters:
    """Which feedback to list or decide on in bulk; empty fields match everything."""

    module: str | None = None
    kind: str | None = None
    state: str | None = "new"
    since: datetime | None = None
    text: str | None = None  # case-insensitive substring of the value or the request's input


@dataclass
class FeedbackItem:
    feedback_id: str
    module: str
    kind: str
    value: Any
    review_state: str
    ts: datetime
    user: str | None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    request_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)  # the request it is about: action, input, output

    def summary(self) -> str:
        """One line a reviewer can scan (the module's own `summary` when it wrote one)."""
        if isinstance(self.value, dict) and isinstance(self.value.get("summary"), str):
            return self.value["summary"][:160]
        value = self.value if isinstance(self.value, str) else json.dumps(self.value, ensure_ascii=False)
        return value[:160]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReviewCounts:
    """Feedback items per module and review state."""

    by_module: dict[str, dict[str, int]] = field(default_factory=dict)

    def of(self, module: str, state: str = "new") -> int:
        return self.by_module.get(module, {}).get(state, 0)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {module: dict(states) for module, states in self.by_module.items()}


@dataclass(frozen=True)
class ReviewDecision:
    """One line of the review log: what it changed from and to (an edit also the value), so it can be undone."""

    decision_id: str
    feedback_id: str
    ts: datetime
    reviewer: str
    decision: str  # accept / reject / reopen / edit / undo
    note: str | None = None
    old_value: Any = None
    new_value: Any = None
    old_state: str | None = None  # None: logged before decisions kept what they replaced (cannot be undone)
    new_state: str | None = None
    old_reviewer: str | None = None
    old_reviewed_at: datetime | None = None
    undone_at: datetime | None = None  # set when a later `undo` reverted this decision

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Media:
    """An image or a recording named in a feedback value, to show beside it."""

    kind: str  # image / audio
    path: Path
    box: list[float] | None = None  # image: the reviewed box (x1, y1, x2, y2)
    start: float = 0.0  # audio: where the feedback is about, in seconds

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}
