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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
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
    identity = acting(identity)
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

    `OWNER` (the default identity of domain functions) stands for the process owner, `cli_identity()`.

    Raises:
        PermissionDenied: the role is below POLICY[action]; a `denied` row is in the audit trail.
    """
    identity = acting(identity)
    try:
        return require(identity, minimum_role(action), action)
    except PermissionDenied as err:
        audit(store, identity, action, target, "denied", {"reason": str(err)})
        raise


# The default of every domain function's `identity`: "not said", i.e. the operating-system user who runs this
# process and owns the store (scripts, tests, the CLI), recorded as `cli:<os user>` (admin). A signed-out
# dashboard or API caller passes `identity=None` explicitly and is refused; `tests/auth/test_identity_passed.py`
# fails when a page or API route calls a guarded function without `identity=`.
OWNER = Identity(user="(process owner)", role="admin", session_id="", via="cli")
ACTOR_PARAMETERS = ("user", "by", "reviewer", "requested_by")  # the typed-name parameters identity fills in
_inside: ContextVar[Identity | None] = ContextVar("suite_audited_call", default=None)


def acting(identity: Identity | None) -> Identity | None:
    """`identity`, with the `OWNER` default replaced by the process owner's `cli_identity()`."""
    return cli_identity() if identity is OWNER else identity


def audited(
    action: str | Callable[[Mapping[str, Any]], str],
    *,
    target: str | Callable[[Mapping[str, Any]], Any] | None = None,
    detail: Callable[[Any], Any] | None = None,
    store: Callable[[Mapping[str, Any]], Store] | None = None,
    actor: str | None = None,
) -> Callable[[F], F]:
    """Decorate a domain function: it gains a keyword `identity`, checks the role, then audits the outcome.

    The wrapped function may declare `identity` itself (it then receives it) or not (it is taken off). When a
    signed-in identity is given, an empty typed-name parameter (`user`, `by`, `reviewer`, `requested_by`) is
    filled with `identity.user`, so events, feedback and the audit trail name the same person. A guarded call
    made inside another (an import that calls another import) is neither checked nor audited again.

    Args:
        action: the POLICY key, also the audit event name ("feedback.accept"), or a function of the bound
            arguments giving it (an alert's acknowledge vs dismiss).
        target: the name of the parameter that names the object, or a function of the bound arguments.
        detail: a function of the result giving what to record with a success (counts, versions; no secrets).
        store: a function of the bound arguments giving the Store, for functions without a `store` parameter.
        actor: the typed-name parameter to fill, where it hides in `**options`.
    """
    if isinstance(action, str):
        minimum_role(action)  # a misspelt action fails at import, not at the first call

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        parameters = signature.parameters
        if "store" not in parameters and store is None:
            raise TypeError(f"@audited needs a `store` parameter (or store=) on {func.__qualname__}")
        takes_identity = "identity" in parameters
        filled = actor or next((name for name in ACTOR_PARAMETERS if name in parameters), None)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if takes_identity:  # the function's own parameter (positional or keyword)
                identity = signature.bind_partial(*args, **kwargs).arguments.get("identity", OWNER)
            else:
                identity = kwargs.pop("identity", OWNER)
            if _inside.get() is not None:
                return func(*args, **kwargs)
            who = acting(identity)
            if filled and identity is not OWNER and who is not None and kwargs.get(filled) is None:
                if not _given_positionally(signature, filled, args):
                    kwargs[filled] = who.user
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            the_store = store(arguments) if store else arguments["store"]
            name = action(arguments) if callable(action) else action
            what = _target(target, arguments)
            try:
                guard(the_store, who, name, what)
                token = _inside.set(who)
                try:
                    result = func(*args, **kwargs)
                except SuiteError as err:
                    audit(the_store, who, name, what, "failed", {"error": str(err)[:500]})
                    raise
                except Exception as err:
                    audit(the_store, who, name, what, "failed", {"error": f"internal error ({type(err).__name__})"})
                    raise
                finally:
                    _inside.reset(token)
                audit(the_store, who, name, what, "ok", detail(result) if detail else None)
                return result
            finally:
                if store is not None:  # a Store of `store_for`: its row goes in now, not at its flusher's next turn
                    the_store.flush(wait_s=the_store.wait_s)

        if not takes_identity:  # help() and the API's introspection show the added parameter
            extra = inspect.Parameter(
                "identity", inspect.Parameter.KEYWORD_ONLY, default=OWNER, annotation="Identity | None"
            )
            params = list(parameters.values())
            at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD), len(params))
            wrapper.__signature__ = signature.replace(parameters=[*params[:at], extra, *params[at:]])  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


@contextmanager
def delegated(identity: Identity | None) -> Iterator[None]:
    """For a caller that has checked the role itself and audits the outcome itself (the REST API's routes):
    guarded calls made inside the block are neither checked nor audited again."""
    token = _inside.set(acting(identity))
    try:
        yield
    finally:
        _inside.reset(token)


def _given_positionally(signature: inspect.Signature, name: str, args: tuple) -> bool:
    positional = [
        p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return name in positional and positional.index(name) < len(args)


def _target(target: str | Callable[[Mapping[str, Any]], Any] | None, arguments: Mapping[str, Any]) -> str | None:
    if target is None:
        return None
    value = target(arguments) if callable(target) else arguments.get(target)
    return None if value is None else str(value)


_stores: dict[str, Store] = {}


def store_for(settings: Any) -> Store:
    """The Store that audits a function given only Settings (one per store file and process)."""
    key = str(settings.db_path)
    if key not in _stores:
        _stores[key] = Store(settings)
    return _stores[key]


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
