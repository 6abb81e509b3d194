"""Who acts (`Identity`), the accounts and audit rows the auth functions return, and their typed errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from suite.errors import SuiteError

Role = Literal["viewer", "staff", "reviewer", "admin"]
ROLES: tuple[str, ...] = ("viewer", "staff", "reviewer", "admin")  # each role may do what the ones before it may
Via = Literal["password", "sso", "cli", "token", "system"]
Outcome = Literal["ok", "denied", "failed"]


class PermissionDenied(SuiteError):
    """The acting identity's role is below what the action needs (or nobody is signed in)."""


class SignInFailed(SuiteError):
    """Wrong name or password, a locked or disabled account: one message for all, so it tells nobody which."""


class SessionEnded(SuiteError):
    """A dashboard session is over; `reason` is signed_out, idle, disabled, expired or invalid."""

    def __init__(self, message: str, reason: str = "signed_out") -> None:
        super().__init__(message)
        self.reason = reason


class PasswordRejected(SuiteError):
    """A new password does not meet the rules (length, not the user name, not the old one)."""


@dataclass(frozen=True)
class Identity:
    """The person or process acting: pass it to every domain function that changes state.

    Attributes:
        user: the account name (`alice`), `cli:<os user>` for the command line, `system:<name>` for the worker.
        role: viewer, staff, reviewer or admin.
        session_id: where the action came from (a dashboard session, `cli-<pid>@<host>`), recorded in the audit.
        via: how the identity was established: password, sso, cli, token or system.
    """

    user: str
    role: str
    session_id: str
    via: str = "password"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Account:
    """One local account as shown to admins (never the password hash)."""

    user_name: str
    role: str
    email: str | None
    has_password: bool
    must_change_password: bool
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    last_sign_in_at: datetime | None

    @property
    def locked(self) -> bool:
        from suite.store import now

        return self.locked_until is not None and self.locked_until > now()

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "locked": self.locked}


@dataclass(frozen=True)
class NewPassword:
    """An account whose password was just set by an admin; `password` is shown once and stored nowhere."""

    account: Account
    password: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.account.as_dict(), "password": self.password}


@dataclass(frozen=True)
class SignedIn:
    """A live dashboard session: who it is, the signed token for the browser cookie, and what must happen first."""

    identity: Identity
    token: str
    must_change_password: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"identity": self.identity.as_dict(), "must_change_password": self.must_change_password}


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit trail."""

    audit_id: str
    ts: datetime
    actor: str
    role: str | None
    via: str | None
    session_id: str | None
    action: str
    target: str | None
    outcome: str
    detail: Any

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to list: a time window, and optionally one actor, action prefix or outcome."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None  # "users." matches every user change
    outcome: str | None = None
    limit: int = 10_000
