"""Dashboard sessions: signing in and out, and a signed, expiring token that lets a browser refresh keep one.

The token (itsdangerous, HMAC-SHA1 over the session id with a key kept in `SUITE_HOME/secret-key`, mode 0600)
only names a session row; the row decides: it ends on sign-out, after `settings.session_idle_minutes` without
activity, when the account is disabled or its password reset, and at the latest `MAX_SESSION_HOURS` after
sign-in. Role changes apply to live sessions at their next page view.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from suite.auth import queries
from suite.auth.accounts import account_for_email, check_password
from suite.auth.models import Identity, SessionEnded, SignedIn
from suite.auth.trail import audit
from suite.errors import message
from suite.settings import Settings
from suite.store import Store, new_id, now

MAX_SESSION_HOURS = 12
SECRET_KEY_FILE = "secret-key"
TOUCH_EVERY_S = 30  # last-seen is written at most this often per session (one small write, not one per click)
_SALT = "northstar-suite.session"
_TOO_OLD = "services.auth.session.too_old"  # a key of the service catalogue, hours=MAX_SESSION_HOURS
logger = logging.getLogger(__name__)


def secret_key(settings: Settings) -> str:
    """This installation's signing key, made on first use and readable only by the owner."""
    path: Path = settings.home / SECRET_KEY_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="utf-8").strip()
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(settings), salt=_SALT)


def _start(store: Store, user_name: str, role: str, via: str, client: str | None, must_change: bool) -> SignedIn:
    session_id = new_id()
    queries.insert_session(store, session_id=session_id, user_name=user_name, via=via, client=client)
    identity = Identity(user=user_name, role=role, session_id=session_id, via=via)
    audit(store, identity, "auth.sign_in", user_name, "ok", {"client": client})
    token = _serializer(store.settings).dumps({"sid": session_id})
    return SignedIn(identity=identity, token=token, must_change_password=must_change)


def sign_in(store: Store, user_name: str, password: str, *, client: str | None = None) -> SignedIn:
    """Check a local account's password and start a session.

    Raises:
        SignInFailed: one message for every reason (see `check_password`), counted towards the lockout.
    """
    account = check_password(store, user_name, password, client=client)
    return _start(store, account.user_name, account.role, "password", client, account.must_change_password)


def sign_in_sso(store: Store, email: str, *, client: str | None = None) -> SignedIn:
    """Start a session for someone the company identity provider vouched for, with their account's role.

    Raises:
        SignInFailed: no enabled account has that e-mail address.
    """
    account = account_for_email(store, email)
    return _start(store, account.user_name, account.role, "sso", client, False)


def resume(store: Store, token: str) -> SignedIn:
    """The live session a browser's token names (after a refresh), as it is now.

    Raises:
        SessionEnded: the token is forged, too old, or its session is over; the message says why.
    """
    try:
        payload = _serializer(store.settings).loads(token, max_age=MAX_SESSION_HOURS * 3600)
    except SignatureExpired:
        raise SessionEnded(message(_TOO_OLD, hours=MAX_SESSION_HOURS), "expired") from None
    except BadSignature:
        raise SessionEnded(message("services.auth.session.sign_in"), "invalid") from None
    session_id = payload.get("sid") if isinstance(payload, dict) else None
    if not session_id:
        raise SessionEnded(message("services.auth.session.sign_in"), "invalid")
    identity, must_change = _live(store, session_id)
    return SignedIn(identity=identity, token=token, must_change_password=must_change)


def check(store: Store, session_id: str) -> Identity:
    """The identity of a live session, with the account's current role; ends it when idle for too long.

    Raises:
        SessionEnded: signed out, idle past `session_idle_minutes`, account disabled or gone, or too old.
    """
    return _live(store, session_id)[0]


def _live(store: Store, session_id: str) -> tuple[Identity, bool]:
    row = queries.session_row(store, session_id)
    if row is None or row["ended_at"] is not None:
        raise SessionEnded(message("services.auth.session.signed_out"))
    identity = Identity(user=row["user_name"], role=row["role"] or "viewer", session_id=session_id, via=row["via"])
    idle = timedelta(minutes=store.settings.session_idle_minutes)
    stamp = now()
    if row["role"] is None or row["disabled"]:
        _end(store, identity, "account disabled")
        raise SessionEnded(message("services.auth.session.disabled"), "disabled")
    if stamp - row["last_seen_at"] > idle:
        _end(store, identity, "idle")
        raise SessionEnded(message("services.auth.session.idle", minutes=store.settings.session_idle_minutes), "idle")
    if stamp - row["created_at"] > timedelta(hours=MAX_SESSION_HOURS):
        _end(store, identity, "too old")
        raise SessionEnded(message(_TOO_OLD, hours=MAX_SESSION_HOURS), "expired")
    if (stamp - row["last_seen_at"]).total_seconds() > TOUCH_EVERY_S:
        try:
            queries.touch_session(store, session_id)
        except Exception:  # a busy database must not sign anyone out; the next view tries again
            logger.debug("could not record activity of session %s", session_id, exc_info=True)
    return identity, bool(row["must_change_password"])


def sign_out(store: Store, identity: Identity, *, reason: str = "signed out") -> None:
    """End the session (the token stops working at once) and record it."""
    _end(store, identity, reason)


def _end(store: Store, identity: Identity, reason: str) -> None:
    if queries.end_session(store, identity.session_id, reason):
        audit(store, identity, "auth.sign_out", identity.user, "ok", {"reason": reason})
