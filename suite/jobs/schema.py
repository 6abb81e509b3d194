"""Columns the job queue adds to the core `jobs` table, and the workers' heartbeats (version = position + 1;
append, never edit).

Rows written before a migration keep working: new columns are NULL or false for them, and readers treat a
missing `params` as no parameters.
"""

MIGRATIONS: list[str] = [
    # 1: what a job of another kind than 'retrain' needs (its parameters), its live progress, and a cancel switch
    """
    ALTER TABLE jobs ADD COLUMN IF NOT EXISTS params JSON;
    ALTER TABLE jobs ADD COLUMN IF NOT EXISTS stage VARCHAR;
    ALTER TABLE jobs ADD COLUMN IF NOT EXISTS epoch INTEGER;
    ALTER TABLE jobs ADD COLUMN IF NOT EXISTS epochs INTEGER;
    ALTER TABLE jobs ADD COLUMN IF NOT EXISTS metrics JSON;
    ALTER TABLE jobs ADD COLUMN IF NOT EXISTS history JSON;
    ALTER TABLE jobs ADD COLUMN IF NOT EXISTS cancel_requested BOOLEAN DEFAULT false;
    """,
    # 2: the retraining workers' heartbeats (who, pid, when, last job, next scheduled run), for the Operations page
    """
    CREATE TABLE IF NOT EXISTS job_workers (
        worker VARCHAR PRIMARY KEY,
        host VARCHAR NOT NULL,
        pid INTEGER NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        beat_at TIMESTAMPTZ NOT NULL,
        stopped_at TIMESTAMPTZ,
        current_job VARCHAR,
        last_job VARCHAR,
        next_run_at TIMESTAMPTZ,
        next_run VARCHAR
    );
    """,
]
