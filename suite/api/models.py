"""What the API's own functions return (tokens, jobs, readiness) and its typed errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from suite.errors import InvalidInput, SuiteError


class Unauthorized(SuiteError):
    """No token, or a token that is unknown, revoked, or whose account is disabled or gone (HTTP 401)."""


class RateLimited(SuiteError):
    """A token made more calls than its rate allows (HTTP 429); `retry_after_s` says when to try again."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PayloadTooLarge(InvalidInput):
    """An upload (or a request body) over the limit (HTTP 413)."""


class Busy(SuiteError):
    """Too many long jobs are waiting already (HTTP 503 with Retry-After)."""


@dataclass(frozen=True)
class ApiToken:
    """One API token as admins see it: never the token itself, only its first characters."""

    token_id: str
    prefix: str
    user_name: str
    label: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "active": self.active}


@dataclass(frozen=True)
class NewToken:
    """A token just created: `token` is shown once and stored only as its SHA-256."""

    info: ApiToken
    token: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.info.as_dict(), "token": self.token}


@dataclass(frozen=True)
class Job:
    """A long transcription running in the background of one API process."""

    job_id: str
    kind: str
    owner: str
    file_name: str | None
    state: str  # queued / running / succeeded / failed
    progress: float  # 0-1
    message: str | None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: Any = None  # the module's `as_dict()` once it succeeded
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Readiness:
    """Whether each module's model is loaded in this process (the warm-up), and what went wrong where not."""

    ready: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    modules: dict[str, str] = field(default_factory=dict)  # module -> "warm", "waiting" or the reason it is not

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
