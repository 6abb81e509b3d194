"""The API's own tables: tokens (hashes only), the results feedback refers back to, and transcription jobs."""

MIGRATIONS: list[str] = [
    # 1: tokens carry an account (whose role applies at each call); results and jobs are per request
    """
    CREATE TABLE IF NOT EXISTS api_tokens (
        token_id VARCHAR PRIMARY KEY,
        token_hash VARCHAR NOT NULL UNIQUE,
        prefix VARCHAR NOT NULL,
        user_name VARCHAR NOT NULL,
        label VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        created_by VARCHAR NOT NULL,
        revoked_at TIMESTAMPTZ,
        revoked_by VARCHAR
    );
    CREATE TABLE IF NOT EXISTS api_results (
        request_id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        module VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        owner VARCHAR,
        result JSON NOT NULL
    );
    CREATE TABLE IF NOT EXISTS api_jobs (
        job_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        file_name VARCHAR,
        state VARCHAR NOT NULL,
        progress DOUBLE NOT NULL DEFAULT 0,
        message VARCHAR,
        worker VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        result JSON,
        error VARCHAR
    );
    """,
]
