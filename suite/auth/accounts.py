"""Local accounts: the first admin, adding and changing accounts (admins), and checking a password with lockout.

Every change is checked against the acting identity's role and recorded in the audit trail.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from suite.auth import queries
from suite.auth.models import Account, Identity, NewPassword, PasswordRejected, PermissionDenied, SignInFailed
from suite.auth.passwords import check_new_password, generate_password, hash_password, needs_rehash, verify_password
from suite.auth.roles import check_role
from suite.auth.trail import audit, guard, system_identity
from suite.errors import InvalidInput, NotFound, message
from suite.settings import Settings
from suite.store import Store, now

MAX_FAILED_ATTEMPTS = 5
INITIAL_ADMIN = "admin"
INITIAL_PASSWORD_FILE = "initial-admin-password"
_NAME = re.compile(r"[a-z0-9][a-z0-9._@+-]{1,63}")


def sign_in_failed_message(settings: Settings) -> str:
    """The one message for every failed sign-in: it never tells whether the account exists or is locked."""
    return message("services.auth.sign_in_failed", attempts=MAX_FAILED_ATTEMPTS, minutes=settings.lockout_minutes)


def check_user_name(user_name: str) -> str:
    """The name as stored (trimmed, lower case).

    Raises:
        InvalidInput: not 2-64 letters, digits or . _ @ + - (an e-mail address is fine).
    """
    name = (user_name or "").strip().lower()
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"{user_name!r} cannot be a user name: use 2-64 letters, digits or . _ @ + - (an e-mail address is fine)."
        )
    return name


def _check_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    address = email.strip().lower()
    if "@" not in address or " " in address:
        raise InvalidInput(f"{email!r} is not an e-mail address.")
    return address


def _account(row: dict[str, Any]) -> Account:
    return Account(
        user_name=row["user_name"],
        role=row["role"],
        email=row["email"],
        has_password=row["password_hash"] is not None,
        must_change_password=bool(row["must_change_password"]),
        disabled=bool(row["disabled"]),
        failed_attempts=int(row["failed_attempts"]),
        locked_until=row["locked_until"],
        created_at=row["created_at"],
        last_sign_in_at=row["last_sign_in_at"],
    )


def get_account(store: Store, user_name: str) -> Account:
    """One account (no permission needed: callers are the sign-in flow and admin functions).

    Raises:
        NotFound: no such account.
    """
    row = queries.user_row(store, check_user_name(user_name))
    if row is None:
        raise NotFound(f"There is no account named {user_name!r}.")
    return _account(row)


# -- the first admin --------------------------------------------------------------------------------------
def ensure_initial_admin(settings: Settings, store: Store) -> str | None:
    """On a store without accounts, create `admin` with a random password; return it (else None).

    The password is also written to `SUITE_HOME/initial-admin-password`, readable only by the owner, and the
    admin must change it on first sign-in (the file is deleted then). Call it before serving the dashboard.
    """
    if queries.user_count(store) > 0:
        return None
    password = generate_password()
    created = queries.insert_user(
        store,
        user_name=INITIAL_ADMIN,
        role="admin",
        email=None,
        password_hash=hash_password(password),
        must_change_password=True,
        created_by="system:setup",
    )
    if not created:
        return None
    path = initial_password_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the file was there already with other bits
        os.write(fd, (password + "\n").encode())
    finally:
        os.close(fd)
    audit(store, system_identity("setup"), "users.add", INITIAL_ADMIN, "ok", {"role": "admin", "initial": True})
    return password


def initial_password_file(settings: Settings) -> Path:
    return settings.home / INITIAL_PASSWORD_FILE


# -- admin actions ------------------------------------------------------------------------------------------
def add_user(
    store: Store,
    identity: Identity | None,
    user_name: str,
    role: str,
    *,
    email: str | None = None,
    password: str | None = None,
    sso_only: bool = False,
) -> NewPassword:
    """Add an account (admin). Without `password` a random one is made; it must be changed at first sign-in.

    `sso_only` accounts have no password: they sign in with the company identity provider (matched on
    `email`, or on the user name when that is the e-mail address).

    Raises:
        PermissionDenied, InvalidInput (bad name, role, e-mail or password; the name is taken).
    """
    name = check_user_name(user_name)
    guard(store, identity, "users.add", name)
    role = check_role(role)
    address = _check_email(email)
    if sso_only:
        secret = None
    else:
        secret = check_new_password(name, password) if password else generate_password()
    created = queries.insert_user(
        store,
        user_name=name,
        role=role,
        email=address,
        password_hash=hash_password(secret) if secret else None,
        must_change_password=secret is not None,
        created_by=identity.user,  # type: ignore[union-attr]  # guard refused None
    )
    if not created:
        audit(store, identity, "users.add", name, "failed", {"error": "name taken"})
        raise InvalidInput(f"There is already an account named {name!r}.")
    audit(store, identity, "users.add", name, "ok", {"role": role, "email": address, "sso_only": sso_only})
    return NewPassword(get_account(store, name), secret)


def list_users(store: Store, identity: Identity | None) -> list[Account]:
    """Every account, by name (admin)."""
    guard(store, identity, "users.list")
    return [_account(row) for row in queries.user_rows(store)]


def set_role(store: Store, identity: Identity | None, user_name: str, role: str) -> Account:
    """Give an account another role (admin); the last enabled admin cannot be demoted."""
    name = check_user_name(user_name)
    guard(store, identity, "users.set_role", name)
    role = check_role(role)
    before = get_account(store, name)
    if before.role == "admin" and role != "admin":
        _keep_an_admin(store, identity, "users.set_role", name)
    queries.set_role(store, name, role)
    audit(store, identity, "users.set_role", name, "ok", {"from": before.role, "to": role})
    return get_account(store, name)


def set_email(store: Store, identity: Identity | None, user_name: str, email: str | None) -> Account:
    """Set or clear the e-mail address that single sign-on matches (admin)."""
    name = check_user_name(user_name)
    guard(store, identity, "users.set_email", name)
    address = _check_email(email)
    get_account(store, name)
    queries.set_email(store, name, address)
    audit(store, identity, "users.set_email", name, "ok", {"email": address})
    return get_account(store, name)


def language_of(store: Store, user_name: str) -> str | None:
    """The dashboard language this account chose (a `suite.i18n.LANGUAGES` code), None when it chose none."""
    return queries.user_language(store, user_name)


def set_language(store: Store, identity: Identity | None, language: str) -> None:
    """Remember the signed-in person's own dashboard language (a preference: nobody else's, no audit row).

    Raises:
        PermissionDenied: nobody is signed in.
        InvalidInput: not one of `suite.i18n.LANGUAGES`.
    """
    from suite.i18n import LANGUAGES

    if identity is None:
        raise PermissionDenied(message("services.auth.language_sign_in"))
    if language not in LANGUAGES:
        raise InvalidInput(f"Unknown language {language!r}; choose one of {', '.join(LANGUAGES)}.")
    queries.set_language(store, identity.user, language)


def reset_password(
    store: Store, identity: Identity | None, user_name: str, *, password: str | None = None
) -> NewPassword:
    """Give an account a new password that must be changed at next sign-in (admin); unlocks it, signs it out."""
    name = check_user_name(user_name)
    guard(store, identity, "users.reset_password", name)
    get_account(store, name)
    secret = check_new_password(name, password) if password else generate_password()
    queries.set_password_hash(store, name, hash_password(secret), must_change=True)
    ended = queries.end_user_sessions(store, name, "password reset")
    audit(store, identity, "users.reset_password", name, "ok", {"sessions_ended": ended})
    return NewPassword(get_account(store, name), secret)


def disable_user(store: Store, identity: Identity | None, user_name: str) -> Account:
    """Stop an account from signing in and end its sessions (admin); not yourself, not the last admin."""
    name = check_user_name(user_name)
    guard(store, identity, "users.disable", name)
    account = get_account(store, name)
    if identity is not None and identity.user == name:
        audit(store, identity, "users.disable", name, "failed", {"error": "own account"})
        raise InvalidInput(message("services.auth.own_account"))
    if account.role == "admin" and not account.disabled:
        _keep_an_admin(store, identity, "users.disable", name)
    queries.set_disabled(store, name, True)
    ended = queries.end_user_sessions(store, name, "account disabled")
    audit(store, identity, "users.disable", name, "ok", {"sessions_ended": ended})
    return get_account(store, name)


def enable_user(store: Store, identity: Identity | None, user_name: str) -> Account:
    """Let a disabled account sign in again (admin)."""
    name = check_user_name(user_name)
    guard(store, identity, "users.enable", name)
    get_account(store, name)
    queries.set_disabled(store, name, False)
    audit(store, identity, "users.enable", name, "ok")
    return get_account(store, name)


def _keep_an_admin(store: Store, identity: Identity | None, action: str, name: str) -> None:
    if [admin for admin in queries.enabled_admins(store) if admin != name]:
        return
    audit(store, identity, action, name, "failed", {"error": "last admin"})
    raise InvalidInput(message("services.auth.last_admin", name=name))


# -- one's own password -------------------------------------------------------------------------------------
def change_password(store: Store, identity: Identity | None, current_password: str, new_password: str) -> Account:
    """Change the signed-in person's own password (any role); clears the must-change flag.

    Raises:
        PermissionDenied: not signed in, or the identity is not a local account.
        PasswordRejected: the current password is wrong, or the new one breaks the rules.
    """
    guard(store, identity, "auth.change_password")
    row = queries.user_row(store, identity.user)  # type: ignore[union-attr]
    if row is None:
        raise PermissionDenied(message("services.auth.password.local_only"))
    if not verify_password(row["password_hash"], current_password):
        audit(store, identity, "auth.change_password", identity.user, "failed", {"error": "wrong current password"})  # type: ignore[union-attr]
        raise PasswordRejected(message("services.auth.password.wrong_current"))
    check_new_password(row["user_name"], new_password)
    if new_password == current_password:
        raise PasswordRejected(message("services.auth.password.same"))
    queries.set_password_hash(store, row["user_name"], hash_password(new_password), must_change=False)
    if row["user_name"] == INITIAL_ADMIN:
        initial_password_file(store.settings).unlink(missing_ok=True)  # it has done its job
    audit(store, identity, "auth.change_password", row["user_name"], "ok")
    return get_account(store, row["user_name"])


# -- checking a password ------------------------------------------------------------------------------------
def check_password(store: Store, user_name: str, password: str, *, client: str | None = None) -> Account:
    """The account, when the name and password match an enabled, unlocked account with a password.

    Five wrong passwords in a row lock the account for `settings.lockout_minutes`. Every outcome is audited.

    Raises:
        SignInFailed: with the same message whatever went wrong (unknown name, wrong password, locked, disabled).
    """
    settings = store.settings
    try:
        name = check_user_name(user_name)
    except InvalidInput:
        name = (user_name or "").strip().lower()[:64]
    row = queries.user_row(store, name) if _NAME.fullmatch(name) else None
    matches = verify_password(row["password_hash"] if row else None, password or "")
    reason = None
    if row is None:
        reason = "unknown user"
    elif row["disabled"]:
        reason = "disabled"
    elif row["locked_until"] is not None and row["locked_until"] > now():
        reason = "locked"
    elif not matches:
        reason = "wrong password"
        until = now() + timedelta(minutes=settings.lockout_minutes)
        if queries.record_failed_sign_in(store, name, max_attempts=MAX_FAILED_ATTEMPTS, lock_until=until):
            audit(store, None, "auth.lockout", name, "ok", {"until": until.isoformat(), "client": client})
    if reason is not None:
        # A name that is no account may be a password typed into the wrong box: keep only a digest of it.
        target = name if row is not None else None
        detail = {"reason": reason, "client": client}
        if row is None:
            detail["name_sha256"] = hashlib.sha256(name.encode()).hexdigest()[:16]
        audit(store, None, "auth.sign_in", target, "failed", detail)
        raise SignInFailed(sign_in_failed_message(settings))
    queries.record_good_sign_in(store, name, hash_password(password) if needs_rehash(row["password_hash"]) else None)
    return get_account(store, name)


def account_for_email(store: Store, email: str) -> Account:
    """The enabled account single sign-on maps `email` to (its e-mail, or a user name that is the address).

    Raises:
        SignInFailed: no enabled account has that address; the message says how an admin adds one.
    """
    address = (email or "").strip().lower()
    row = queries.user_row_by_email(store, address) if address else None
    if row is None or row["disabled"]:
        audit(store, None, "auth.sign_in", address or None, "failed", {"reason": "no account for e-mail", "via": "sso"})
        shown = address or message("services.auth.no_email")
        raise SignInFailed(message("services.auth.no_access", address=shown, email=address or "ADDRESS"))
    return _account(row)
