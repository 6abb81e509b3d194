"""The audit trail: who did what, on which object, from which session, with what outcome. Append-only.

Domain functions use one line, either the decorator (checks the role, then records ok / failed / denied)::

    @audited("models.promote", target=lambda a: f"{a['module']}:{a['version']}")
    def promote(store: Store, identity: Identity, module: str, version: str) -> None: ...

or, when the target is only known inside the function, `guard(store, identity, "kb.remove", source)` first
and `audit(store, identity, "kb.remove", source, "ok")` once it worked.
"""

from __future__ import annotations

import csv
import functools
import getpass
import inspect
import io
import os
import socket
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from suite.auth import queries
from suite.auth.models import AuditEntry, AuditFilter, Identity, PermissionDenied
from suite.auth.roles import minimum_role, require
from suite.errors import SuiteError
from suite.store import Store, from_json, new_id, now, to_json

F = TypeVar("F", bound=Callable[..., Any])
ANONYMOUS = "anonymous"
MAX_TARGET_CHARS = 200


def audit(
    store: Store,
    identity: Identity | None,
    action: str,
    target: str | None,
    outcome: str,
    detail: Any = None,
) -> str:
    """Append one row to the audit trail (through the journal, so a busy database never loses it).

    Never put a password or a token in `target` or `detail`. Returns the row's id.

    Raises:
        StoreFull (or OSError): the row could not be saved; the caller's error handling shows it.
    """
    audit_id = new_id()
    row = {
        "audit_id": audit_id,
        "ts": now().isoformat(),
        "actor": identity.user if identity else ANONYMOUS,
        "role": identity.role if identity else None,
        "via": identity.via if identity else None,
        "session_id": identity.session_id if identity else None,
        "action": action,
        "target": None if target is None else str(target)[:MAX_TARGET_CHARS],
        "outcome": outcome,
        "detail": None if detail is None else to_json(detail),
    }
    # No try/except: a row that cannot be saved (a full disk) must fail loudly, never vanish from the trail.
    store.journal_row("audit", row)
    return audit_id


def guard(store: Store, identity: Identity | None, action: str, target: str | None = None) -> Identity:
    """Refuse (and record the refusal) unless `identity`'s role may do `action`; returns the identity.

    Raises:
        PermissionDenied: the role is below POLICY[action]; a `denied` row is in the audit trail.
    """
    try:
        return require(identity, minimum_role(action), action)
    except PermissionDenied as err:
        audit(store, identity, action, target, "denied", {"reason": str(err)})
        raise


def audited(
    action: str,
    *,
    target: str | Callable[[Mapping[str, Any]], Any] | None = None,
    detail: Callable[[Any], Any] | None = None,
) -> Callable[[F], F]:
    """Decorate a domain function taking `store` and `identity`: check the role, then audit the outcome.

    Args:
        action: the POLICY key, also the audit event name ("feedback.accept").
        target: the name of the parameter that names the object, or a function of the bound arguments.
        detail: a function of the result giving what to record with a success (counts, versions; no secrets).
    """
    minimum_role(action)  # a misspelt action fails at import, not at the first call

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        missing = {"store", "identity"} - set(signature.parameters)
        if missing:
            raise TypeError(f"@audited needs parameters {sorted(missing)} on {func.__qualname__}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            store, identity = arguments["store"], arguments["identity"]
            what = _target(target, arguments)
            guard(store, identity, action, what)
            try:
                result = func(*args, **kwargs)
            except SuiteError as err:
                audit(store, identity, action, what, "failed", {"error": str(err)[:500]})
                raise
            except Exception as err:
                audit(store, identity, action, what, "failed", {"error": f"internal error ({type(err).__name__})"})
                raise
            audit(store, identity, action, what, "ok", detail(result) if detail else None)
            return result

        return wrapper  # type: ignore[return-value]

    return decorate


def _target(target: str | Callable[[Mapping[str, Any]], Any] | None, arguments: Mapping[str, Any]) -> str | None:
    if target is None:
        return None
    value = target(arguments) if callable(target) else arguments.get(target)
    return None if value is None else str(value)


# -- identities that do not sign in ---------------------------------------------------------------------
def cli_identity() -> Identity:
    """The command line acts for the shell user, who owns the machine: `cli:<os user>`, admin."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry
        user = f"uid{os.getuid()}"
    return Identity(user=f"cli:{user}", role="admin", session_id=f"cli-{os.getpid()}@{socket.gethostname()}", via="cli")


def system_identity(name: str) -> Identity:
    """A process acting on its own (the retraining worker's automatic promotion): `system:<name>`, admin."""
    session_id = f"{name}-{os.getpid()}@{socket.gethostname()}"
    return Identity(user=f"system:{name}", role="admin", session_id=session_id, via="system")


# -- reading (admins only; exporting is itself recorded) ------------------------------------------------
def list_audit(store: Store, identity: Identity | None, filters: AuditFilter | None = None) -> list[AuditEntry]:
    """Audit rows, newest first (admin only).

    Raises:
        PermissionDenied: the identity is not an admin.
    """
    guard(store, identity, "audit.view")
    return _entries(store, filters or AuditFilter())


def export_audit(store: Store, identity: Identity | None, filters: AuditFilter | None = None) -> list[AuditEntry]:
    """Audit rows for an export (admin only); the export itself is recorded as `audit.export`."""
    filters = filters or AuditFilter()
    guard(store, identity, "audit.export")
    entries = _entries(store, filters)
    audit(store, identity, "audit.export", None, "ok", {"rows": len(entries), **_filter_detail(filters)})
    return entries


def export_audit_csv(store: Store, identity: Identity | None, filters: AuditFilter | None = None) -> bytes:
    """`export_audit` as CSV bytes (UTF-8, one header row), for a download button."""
    entries = export_audit(store, identity, filters)
    out = io.StringIO()
    columns = list(AuditEntry.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for entry in entries:
        row = entry.as_dict()
        row["detail"] = "" if row["detail"] is None else to_json(row["detail"])
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _entries(store: Store, filters: AuditFilter) -> list[AuditEntry]:
    return [AuditEntry(**{**row, "detail": from_json(row["detail"])}) for row in queries.audit_rows(store, filters)]


def _filter_detail(filters: AuditFilter) -> dict[str, Any]:
    return {k: str(v) for k, v in vars(filters).items() if v is not None and k != "limit"}
