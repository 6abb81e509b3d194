"""The risk module's tables (version = position + 1; append, never edit an applied script)."""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE IF NOT EXISTS risk_watchlist (
        ticker VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        aliases VARCHAR[] NOT NULL,
        sector VARCHAR,
        added_at TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE IF NOT EXISTS risk_headlines (
        headline_id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        day DATE NOT NULL,
        source VARCHAR,
        sources VARCHAR[],
        headline VARCHAR NOT NULL,
        url VARCHAR,
        label VARCHAR NOT NULL,
        confidence DOUBLE NOT NULL,
        score DOUBLE NOT NULL,
        p_negative DOUBLE,
        p_neutral DOUBLE,
        p_positive DOUBLE,
        low_confidence BOOLEAN NOT NULL,
        model_version VARCHAR,
        corrected_label VARCHAR,
        batch_id VARCHAR,
        ingested_at TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE IF NOT EXISTS risk_mentions (
        headline_id VARCHAR NOT NULL,
        ticker VARCHAR NOT NULL,
        PRIMARY KEY (headline_id, ticker)
    );
    CREATE TABLE IF NOT EXISTS risk_prices (
        ticker VARCHAR NOT NULL,
        day DATE NOT NULL,
        close DOUBLE NOT NULL,
        PRIMARY KEY (ticker, day)
    );
    CREATE TABLE IF NOT EXISTS risk_alerts (
        alert_id VARCHAR PRIMARY KEY,
        ticker VARCHAR NOT NULL,
        day DATE NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        severity VARCHAR NOT NULL,
        trigger VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        tone DOUBLE,
        baseline DOUBLE,
        z DOUBLE,
        volume INTEGER,
        headline_ids VARCHAR[],
        state VARCHAR NOT NULL DEFAULT 'open',
        state_by VARCHAR,
        state_at TIMESTAMPTZ,
        snoozed_until TIMESTAMPTZ,
        model_version VARCHAR
    );
    CREATE TABLE IF NOT EXISTS risk_rejects (
        reject_id VARCHAR PRIMARY KEY,
        batch_id VARCHAR NOT NULL,
        file_name VARCHAR,
        line INTEGER,
        raw VARCHAR,
        reason VARCHAR NOT NULL,
        ts TIMESTAMPTZ NOT NULL
    );
    """,
    # 2: every import leaves one record (in the transaction of its rows); the outbox of webhook messages
    """
    CREATE TABLE IF NOT EXISTS risk_imports (
        batch_id VARCHAR PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        "user" VARCHAR,
        imported_at TIMESTAMPTZ NOT NULL,
        encoding VARCHAR,
        rows_read INTEGER NOT NULL,
        added INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        error VARCHAR,
        summary VARCHAR NOT NULL
    );
    CREATE TABLE IF NOT EXISTS risk_outbox (
        delivery_id VARCHAR PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL,
        alert_ids VARCHAR[] NOT NULL,
        url VARCHAR NOT NULL,
        payload VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        claimed_until TIMESTAMPTZ,
        last_error VARCHAR,
        delivered_at TIMESTAMPTZ
    );
    """,
]
