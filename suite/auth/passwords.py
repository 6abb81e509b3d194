"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile) and the password rules.

Passwords live only in the caller's memory: they are hashed here and never logged, stored or put in a message.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from suite.auth.models import PasswordRejected
from suite.errors import message

MIN_LENGTH = 10
_HASHER = PasswordHasher()  # argon2id; its parameters are stored in each hash, so they can be raised later
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))  # verified against for unknown users: same timing


def hash_password(password: str) -> str:
    """An argon2id hash (`$argon2id$v=19$...`) with its own random salt."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; an account without a hash (SSO only) or unknown user costs the same time."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (re-hash after a good sign-in)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def generate_password() -> str:
    """A random 20-character password for a new or reset account (the person changes it on first sign-in)."""
    return secrets.token_urlsafe(15)


def check_new_password(user_name: str, password: str) -> str:
    """The password, when it may be used.

    Raises:
        PasswordRejected: too short, or the same as the user name.
    """
    if len(password or "") < MIN_LENGTH:
        raise PasswordRejected(message("services.auth.password.short", length=MIN_LENGTH))
    if password.strip().lower() == user_name.strip().lower():
        raise PasswordRejected(message("services.auth.password.user_name"))
    return password
