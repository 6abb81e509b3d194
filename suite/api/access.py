"""Who may call what: the role check for an API action, with a `denied` audit row for every refusal.

Actions that the dashboard also has use their `suite.auth.POLICY` row (`support.ask`, `models.promote`, ...);
the API's own ones (`api.read`, `api.tokens.create`, ...) name their minimum role here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from suite.auth import POLICY, Identity, PermissionDenied, audit, require
from suite.auth.trail import delegated
from suite.errors import SuiteError
from suite.store import Store

API_ACTIONS: dict[str, str] = {  # the API's own actions -> minimum role
    "api.read": "viewer",
    "api.metrics": "viewer",
    "api.tokens.create": "admin",
    "api.tokens.list": "admin",
    "api.tokens.revoke": "admin",
}


def minimum_role(action: str) -> str:
    """The lowest role that may do `action` (a KeyError for an unknown action is a bug)."""
    return POLICY[action].minimum_role if action in POLICY else API_ACTIONS[action]


def authorize(
    store: Store, identity: Identity | None, action: str, target: str | None = None, detail: dict | None = None
) -> Identity:
    """The identity, when its role may do `action`; otherwise a `denied` audit row and PermissionDenied."""
    try:
        return require(identity, minimum_role(action), action)
    except PermissionDenied as err:
        audit(store, identity, action, target, "denied", {"reason": str(err), **(detail or {})})
        raise


@contextmanager
def audited(
    store: Store, identity: Identity, action: str, target: str | None, detail: dict | None = None
) -> Iterator[dict[str, Any]]:
    """Audit the block's outcome: `ok` (with what the block adds to the yielded dict), or `failed` and re-raise."""
    extra: dict[str, Any] = dict(detail or {})
    try:
        with delegated(identity):  # the domain functions inside do not audit the same action again
            yield extra
    except SuiteError as err:
        audit(store, identity, action, target, "failed", {**extra, "error": str(err)[:500]})
        raise
    except Exception as err:
        audit(store, identity, action, target, "failed", {**extra, "error": f"internal error ({type(err).__name__})"})
        raise
    audit(store, identity, action, target, "ok", extra or None)
