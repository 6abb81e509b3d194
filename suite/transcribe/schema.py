"""Tables of the transcription module (version = position + 1; append, never edit)."""

MIGRATIONS: list[str] = [
    # 1: every transcript, and each correction kept beside the original
    """
    CREATE TABLE IF NOT EXISTS transcripts (
        transcript_id VARCHAR PRIMARY KEY,
        request_id VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        "user" VARCHAR,
        source VARCHAR,
        file_name VARCHAR NOT NULL,
        audio_path VARCHAR,
        language VARCHAR,
        duration_s DOUBLE,
        engine VARCHAR,
        model_name VARCHAR,
        model_version VARCHAR,
        device VARCHAR,
        elapsed_s DOUBLE,
        text VARCHAR NOT NULL,
        segments JSON,
        redacted BOOLEAN,
        vocabulary JSON
    );
    CREATE TABLE IF NOT EXISTS transcript_corrections (
        correction_id VARCHAR PRIMARY KEY,
        transcript_id VARCHAR NOT NULL,
        feedback_id VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        "user" VARCHAR,
        original_text VARCHAR NOT NULL,
        corrected_text VARCHAR NOT NULL
    );
    """,
]
