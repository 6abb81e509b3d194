"""Columns the job queue adds to the core `jobs` table (version = position + 1; append, never edit).

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
]
