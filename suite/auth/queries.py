"""All of sign-in's SQL. The audit table is only ever inserted into (through the journal) and selected from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from suite.auth.models import AuditFilter
from suite.store import Store, now

_USER_COLUMNS = (
    "user_name, role, email, password_hash, must_change_password, disabled, failed_attempts, locked_until, "
    "created_at, last_sign_in_at"
)


# -- accounts ------------------------------------------------------------------------------------------
def user_row(store: Store, user_name: str) -> dict[str, Any] | None:
    rows = store.query(f"SELECT {_USER_COLUMNS} FROM users WHERE user_name = ?", [user_name])
    return rows[0] if rows else None


def user_row_by_email(store: Store, email: str) -> dict[str, Any] | None:
    rows = store.query(
        f"SELECT {_USER_COLUMNS} FROM users WHERE lower(email) = ? OR user_name = ? ORDER BY user_name LIMIT 1",
        [email, email],
    )
    return rows[0] if rows else None


def user_rows(store: Store) -> list[dict[str, Any]]:
    return store.query(f"SELECT {_USER_COLUMNS} FROM users ORDER BY user_name")


def user_language(store: Store, user_name: str) -> str | None:
    return store.scalar("SELECT language FROM users WHERE user_name = ?", [user_name])


def set_language(store: Store, user_name: str, language: str) -> bool:
    with store.connect() as con:
        row = con.execute(
            "UPDATE users SET language = ?, updated_at = ? WHERE user_name = ? RETURNING user_name",
            [language, now(), user_name],
        ).fetchone()
    return row is not None


def user_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM users") or 0)


def enabled_admins(store: Store) -> list[str]:
    rows = store.query("SELECT user_name FROM users WHERE role = 'admin' AND NOT disabled ORDER BY user_name")
    return [row["user_name"] for row in rows]


def insert_user(
    store: Store,
    *,
    user_name: str,
    role: str,
    email: str | None,
    password_hash: str | None,
    must_change_password: bool,
    created_by: str,
) -> bool:
    """Add an account; False when the name is taken (nothing changes then)."""
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM users WHERE user_name = ?", [user_name]).fetchone():
            return False
        con.execute(
            """INSERT INTO users (user_name, role, email, password_hash, must_change_password,
                   created_at, created_by, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [user_name, role, email, password_hash, must_change_password, now(), created_by, now()],
        )
    return True


def set_role(store: Store, user_name: str, role: str) -> bool:
    with store.connect() as con:
        row = con.execute(
            "UPDATE users SET role = ?, updated_at = ? WHERE user_name = ? RETURNING user_name",
            [role, now(), user_name],
        ).fetchone()
    return row is not None


def set_password_hash(store: Store, user_name: str, password_hash: str, *, must_change: bool) -> bool:
    """A new hash; also clears failed attempts and any lock (a reset is how an admin unlocks an account)."""
    with store.connect() as con:
        row = con.execute(
            """UPDATE users SET password_hash = ?, must_change_password = ?, failed_attempts = 0,
                   locked_until = NULL, updated_at = ?
               WHERE user_name = ? RETURNING user_name""",
            [password_hash, must_change, now(), user_name],
        ).fetchone()
    return row is not None


def set_email(store: Store, user_name: str, email: str | None) -> bool:
    with store.connect() as con:
        row = con.execute(
            "UPDATE users SET email = ?, updated_at = ? WHERE user_name = ? RETURNING user_name",
            [email, now(), user_name],
        ).fetchone()
    return row is not None


def set_disabled(store: Store, user_name: str, disabled: bool) -> bool:
    with store.connect() as con:
        row = con.execute(
            "UPDATE users SET disabled = ?, updated_at = ? WHERE user_name = ? RETURNING user_name",
            [disabled, now(), user_name],
        ).fetchone()
    return row is not None


def record_failed_sign_in(store: Store, user_name: str, *, max_attempts: int, lock_until: datetime) -> bool:
    """Count one wrong password; at `max_attempts` lock the account until `lock_until`. True when it locked now."""
    with store.transaction() as con:
        row = con.execute(
            "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE user_name = ? RETURNING failed_attempts",
            [user_name],
        ).fetchone()
        if row is None or row[0] < max_attempts:
            return False
        con.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = ? WHERE user_name = ?", [lock_until, user_name]
        )
    return True


def record_good_sign_in(store: Store, user_name: str, new_hash: str | None = None) -> None:
    with store.connect() as con:
        con.execute(
            """UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?,
                   password_hash = coalesce(?, password_hash)
               WHERE user_name = ?""",
            [now(), new_hash, user_name],
        )


# -- sessions ------------------------------------------------------------------------------------------
def insert_session(store: Store, *, session_id: str, user_name: str, via: str, client: str | None) -> None:
    stamp = now()
    with store.connect() as con:
        con.execute(
            """INSERT INTO auth_sessions (session_id, user_name, via, client, created_at, last_seen_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [session_id, user_name, via, client, stamp, stamp],
        )


def session_row(store: Store, session_id: str) -> dict[str, Any] | None:
    """The session joined with its account (role, disabled, must-change) as they are now."""
    rows = store.query(
        """SELECT s.session_id, s.user_name, s.via, s.created_at, s.last_seen_at, s.ended_at,
                  u.role, u.disabled, u.must_change_password
           FROM auth_sessions s LEFT JOIN users u ON u.user_name = s.user_name
           WHERE s.session_id = ?""",
        [session_id],
    )
    return rows[0] if rows else None


def touch_session(store: Store, session_id: str) -> None:
    with store.connect(wait_s=0.5) as con:
        con.execute("UPDATE auth_sessions SET last_seen_at = ? WHERE session_id = ?", [now(), session_id])


def end_session(store: Store, session_id: str, reason: str) -> bool:
    with store.connect() as con:
        row = con.execute(
            """UPDATE auth_sessions SET ended_at = ?, end_reason = ?
               WHERE session_id = ? AND ended_at IS NULL RETURNING session_id""",
            [now(), reason, session_id],
        ).fetchone()
    return row is not None


def end_user_sessions(store: Store, user_name: str, reason: str) -> int:
    with store.connect() as con:
        rows = con.execute(
            """UPDATE auth_sessions SET ended_at = ?, end_reason = ?
               WHERE user_name = ? AND ended_at IS NULL RETURNING session_id""",
            [now(), reason, user_name],
        ).fetchall()
    return len(rows)


# -- audit (read only: rows are written through the journal by suite.auth.trail.audit) -----------------
def audit_rows(store: Store, filters: AuditFilter) -> list[dict[str, Any]]:
    where, params = ["TRUE"], []
    if filters.since is not None:
        where.append("ts >= ?")
        params.append(filters.since)
    if filters.until is not None:
        where.append("ts < ?")
        params.append(filters.until)
    if filters.actor:
        where.append("actor = ?")
        params.append(filters.actor)
    if filters.action:
        where.append("starts_with(action, ?)")
        params.append(filters.action)
    if filters.outcome:
        where.append("outcome = ?")
        params.append(filters.outcome)
    params.append(int(filters.limit))
    return store.query(
        f"""SELECT audit_id, ts, actor, role, via, session_id, action, target, outcome, detail
            FROM audit WHERE {" AND ".join(where)} ORDER BY ts DESC, audit_id LIMIT ?""",
        params,
    )
