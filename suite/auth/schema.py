"""Sign-in tables: local accounts, dashboard sessions, and the append-only audit trail.

`audit` rows arrive through the store's journal (like events) and nothing in the product updates or deletes
them: `suite/auth/queries.py` only inserts and selects, and a test checks that no source file does otherwise.
"""

MIGRATIONS: list[str] = [
    # 1: accounts (argon2id hashes only), sessions (the cookie carries a signed session id), audit
    """
    CREATE TABLE IF NOT EXISTS users (
        user_name VARCHAR PRIMARY KEY,
        role VARCHAR NOT NULL,
        email VARCHAR,
        password_hash VARCHAR,
        must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL,
        created_by VARCHAR,
        updated_at TIMESTAMPTZ,
        last_sign_in_at TIMESTAMPTZ
    );
    CREATE TABLE IF NOT EXISTS auth_sessions (
        session_id VARCHAR PRIMARY KEY,
        user_name VARCHAR NOT NULL,
        via VARCHAR NOT NULL,
        client VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        ended_at TIMESTAMPTZ,
        end_reason VARCHAR
    );
    CREATE TABLE IF NOT EXISTS audit (
        audit_id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        actor VARCHAR NOT NULL,
        role VARCHAR,
        via VARCHAR,
        session_id VARCHAR,
        action VARCHAR NOT NULL,
        target VARCHAR,
        outcome VARCHAR NOT NULL,
        detail JSON
    );
    """,
    # 2: each account's dashboard language (suite.i18n code; NULL = the default)
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS language VARCHAR;",
]
