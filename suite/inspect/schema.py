"""Tables of the inspection module (version = position + 1; append, never edit).

`inspect_training_runs` holds the trainings on uploaded data made before they became jobs; newer ones are
rows of the `jobs` table (kind 'train'); the page lists both.
"""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE IF NOT EXISTS inspect_results (
        result_id VARCHAR PRIMARY KEY,
        request_id VARCHAR,
        ts TIMESTAMPTZ NOT NULL,
        "user" VARCHAR,
        image_name VARCHAR,
        image_path VARCHAR,
        width INTEGER,
        height INTEGER,
        verdict VARCHAR NOT NULL,
        defects JSON,
        thresholds JSON,
        model_version VARCHAR,
        tiled BOOLEAN
    );
    CREATE TABLE IF NOT EXISTS inspect_training_runs (
        run_id VARCHAR PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        "user" VARCHAR,
        state VARCHAR NOT NULL,
        data_path VARCHAR,
        epochs INTEGER,
        imgsz INTEGER,
        version VARCHAR,
        metrics JSON,
        history JSON,
        error VARCHAR
    );
    """,
]
