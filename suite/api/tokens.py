"""API tokens: created by an admin for an account, shown once, stored as SHA-256 only, revocable.

A token carries its account: the account's role *now* applies to every call (a role change or a disabled
account takes effect within `CACHE_S`), and the audit trail names the account, with `api-token:<id>` as the
session. Tokens are 32 random bytes, so a plain SHA-256 is enough to store them (no password hashing needed).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from suite.api import queries
from suite.api.access import audited, authorize
from suite.api.models import ApiToken, NewToken, Unauthorized
from suite.auth import Identity, get_account
from suite.errors import InvalidInput, NotFound
from suite.store import Store, new_id, now

TOKEN_PREFIX = "nst_"
CACHE_S = 5.0  # how long a checked token is trusted before the store is asked again
MAX_LABEL_CHARS = 200
_cache: dict[str, tuple[float, Identity]] = {}
_cache_lock = threading.Lock()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _token(row: dict) -> ApiToken:
    return ApiToken(**row)


def create_token(store: Store, identity: Identity | None, user_name: str, *, label: str | None = None) -> NewToken:
    """A new token for `user_name`'s account (admin); the returned `token` is shown once and kept nowhere.

    Raises:
        PermissionDenied: not an admin. NotFound: no such account. InvalidInput: the account is disabled.
    """
    authorize(store, identity, "api.tokens.create", user_name)
    label = (label or "").strip()[:MAX_LABEL_CHARS] or None
    with audited(store, identity, "api.tokens.create", user_name) as detail:
        account = get_account(store, user_name)
        if account.disabled:
            raise InvalidInput(f"{account.user_name} is disabled; enable the account before giving it a token.")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = {
            "token_id": new_id()[:16],
            "prefix": token[: len(TOKEN_PREFIX) + 6],
            "user_name": account.user_name,
            "label": label,
            "created_at": now(),
            "created_by": identity.user,  # type: ignore[union-attr]  # authorize refused None
            "revoked_at": None,
            "revoked_by": None,
        }
        queries.insert_token(store, {**row, "token_hash": token_hash(token)})
        detail.update(token_id=row["token_id"], role=account.role, label=label)
    return NewToken(_token(row), token)


def list_tokens(store: Store, identity: Identity | None, user_name: str | None = None) -> list[ApiToken]:
    """Every token (or one account's), newest first (admin); never the tokens themselves."""
    authorize(store, identity, "api.tokens.list", user_name)
    return [_token(row) for row in queries.token_rows(store, user_name)]


def revoke_token(store: Store, identity: Identity | None, token_id: str) -> ApiToken:
    """Revoke a token (admin): it is refused from now on (within `CACHE_S` in other processes).

    Raises:
        NotFound: no such token. InvalidInput: it is revoked already.
    """
    token_id = (token_id or "").strip()
    authorize(store, identity, "api.tokens.revoke", token_id[:40])
    with audited(store, identity, "api.tokens.revoke", token_id[:40]):
        row = queries.token_row(store, token_id)
        if row is None:
            raise NotFound(f"There is no API token {token_id[:40]!r}; `suite api tokens list` shows them.")
        if not queries.revoke_token(store, token_id, identity.user):  # type: ignore[union-attr]
            raise InvalidInput(f"Token {token_id} was revoked already.")
    with _cache_lock:
        _cache.clear()
    return _token(queries.token_row(store, token_id))


def authenticate(store: Store, token: str | None) -> tuple[Identity, str]:
    """The identity a bearer token acts as, and the token's id.

    Raises:
        Unauthorized: no token, an unknown or revoked one, or its account is disabled or gone.
    """
    if not token:
        raise Unauthorized("This endpoint needs an API token: send the header 'Authorization: Bearer <token>'.")
    digest = token_hash(token)
    with _cache_lock:
        cached = _cache.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        identity = cached[1]
        return identity, identity.session_id.removeprefix("api-token:")
    row = queries.token_by_hash(store, digest)
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized("The API token is not valid (unknown or revoked); ask an admin for a new one.")
    try:
        account = get_account(store, row["user_name"])
    except (NotFound, InvalidInput):
        raise Unauthorized("The API token's account no longer exists; ask an admin for a new token.") from None
    if account.disabled:
        raise Unauthorized("The API token's account is disabled; ask an admin.")
    session = f"api-token:{row['token_id']}"
    identity = Identity(user=account.user_name, role=account.role, session_id=session, via="token")
    with _cache_lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[digest] = (time.monotonic() + CACHE_S, identity)
    return identity, row["token_id"]


def forget_cached() -> None:
    """Drop every cached token check (tests; a revoke in this process does it itself)."""
    with _cache_lock:
        _cache.clear()
