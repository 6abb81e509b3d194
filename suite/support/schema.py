"""Tables of the support module: the knowledge base (documents, chunks) and handoff tickets."""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE IF NOT EXISTS support_documents (
        source VARCHAR PRIMARY KEY,
        title VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,
        size_bytes BIGINT,
        n_chunks INTEGER NOT NULL,
        added_at TIMESTAMPTZ NOT NULL,
        added_by VARCHAR
    );
    CREATE TABLE IF NOT EXISTS support_chunks (
        chunk_id VARCHAR PRIMARY KEY,
        source VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        title VARCHAR NOT NULL,
        heading VARCHAR,
        anchor VARCHAR,
        text VARCHAR NOT NULL
    );
    CREATE TABLE IF NOT EXISTS support_tickets (
        ticket_id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        "user" VARCHAR,
        question VARCHAR NOT NULL,
        candidates JSON,
        confidence DOUBLE,
        request_id VARCHAR,
        status VARCHAR NOT NULL DEFAULT 'open'
    );
    """,
    # 2: the file a document was read from, so that two files with the same name in different folders stay apart
    """
    ALTER TABLE support_documents ADD COLUMN IF NOT EXISTS origin VARCHAR;
    """,
]
