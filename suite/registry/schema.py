"""Registry, job-lock and review tables (the core `model_versions`, `jobs`, `feedback` live in suite/store)."""

MIGRATIONS: list[str] = [
    # 1: who served when (promotions and rollbacks), the per-module job lock, and every review decision
    """
    CREATE TABLE IF NOT EXISTS model_history (
        history_id VARCHAR PRIMARY KEY,
        module VARCHAR NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        action VARCHAR NOT NULL,
        from_version VARCHAR,
        to_version VARCHAR,
        by_user VARCHAR,
        reason VARCHAR
    );
    CREATE TABLE IF NOT EXISTS job_locks (
        module VARCHAR PRIMARY KEY,
        job_id VARCHAR NOT NULL,
        worker VARCHAR NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL,
        heartbeat_at TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE IF NOT EXISTS review_log (
        decision_id VARCHAR PRIMARY KEY,
        feedback_id VARCHAR NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        reviewer VARCHAR NOT NULL,
        decision VARCHAR NOT NULL,
        note VARCHAR,
        old_value JSON,
        new_value JSON
    );
    """,
    # 2: what a version must hold to serve (its files, written at registration), a gate override's reason, and
    # what each review decision replaced, so that it can be undone
    """
    ALTER TABLE model_versions ADD COLUMN IF NOT EXISTS manifest JSON;
    ALTER TABLE model_versions ADD COLUMN IF NOT EXISTS override_reason VARCHAR;
    ALTER TABLE model_versions ADD COLUMN IF NOT EXISTS override_by VARCHAR;
    ALTER TABLE review_log ADD COLUMN IF NOT EXISTS old_state VARCHAR;
    ALTER TABLE review_log ADD COLUMN IF NOT EXISTS new_state VARCHAR;
    ALTER TABLE review_log ADD COLUMN IF NOT EXISTS old_reviewer VARCHAR;
    ALTER TABLE review_log ADD COLUMN IF NOT EXISTS old_reviewed_at TIMESTAMPTZ;
    ALTER TABLE review_log ADD COLUMN IF NOT EXISTS undone_at TIMESTAMPTZ;
    """,
]
