"""The recommender's own tables: the catalog, the interaction log and one row per import."""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE IF NOT EXISTS rec_items (
        item_id VARCHAR PRIMARY KEY,
        title VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        description VARCHAR,
        price DOUBLE,
        in_stock BOOLEAN NOT NULL DEFAULT true,
        consumable BOOLEAN NOT NULL DEFAULT false,
        updated_at TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE IF NOT EXISTS rec_interactions (
        user_id VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        event VARCHAR NOT NULL,
        value DOUBLE,
        source VARCHAR,
        imported_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (user_id, item_id, ts, event)
    );
    CREATE TABLE IF NOT EXISTS rec_imports (
        import_id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        kind VARCHAR NOT NULL,
        file VARCHAR,
        rows_read BIGINT,
        rows_added BIGINT,
        duplicates BIGINT,
        bad_rows BIGINT,
        report JSON
    );
    """,
]
