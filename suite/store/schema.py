"""Versioned schema migrations, applied in order when a store is opened.

Core tables live here. Each business module may add its own tables in `suite/<module>/schema.py`
as `MIGRATIONS: list[str]` (version = position + 1); they are applied under the module's name.
"""

from __future__ import annotations

import importlib
import logging

import duckdb

logger = logging.getLogger(__name__)

CORE_MIGRATIONS: list[str] = [
    # 1: the four tables every module shares
    """
    CREATE TABLE IF NOT EXISTS events (
        request_id VARCHAR PRIMARY KEY,
        ts TIMESTAMPTZ NOT NULL,
        "user" VARCHAR,
        module VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        model_name VARCHAR,
        model_version VARCHAR,
        device VARCHAR,
        latency_ms DOUBLE,
        status VARCHAR NOT NULL,
        error VARCHAR,
        input_summary VARCHAR,
        output_summary JSON
    );
    CREATE TABLE IF NOT EXISTS feedback (
        feedback_id VARCHAR PRIMARY KEY,
        request_id VARCHAR,
        ts TIMESTAMPTZ NOT NULL,
        "user" VARCHAR,
        module VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        value JSON,
        review_state VARCHAR NOT NULL DEFAULT 'new',
        reviewer VARCHAR,
        reviewed_at TIMESTAMPTZ
    );
    CREATE TABLE IF NOT EXISTS model_versions (
        module VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        trained_on JSON,
        metrics JSON,
        status VARCHAR NOT NULL,
        artifact_path VARCHAR,
        PRIMARY KEY (module, version)
    );
    CREATE TABLE IF NOT EXISTS jobs (
        job_id VARCHAR PRIMARY KEY,
        module VARCHAR NOT NULL,
        kind VARCHAR NOT NULL DEFAULT 'retrain',
        state VARCHAR NOT NULL,
        requested_by VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        worker VARCHAR,
        progress DOUBLE,
        outcome JSON,
        log VARCHAR
    );
    """,
    # 2: when each backup was taken (a backup carries its own row, so a restore knows which journal rows are newer)
    """
    CREATE TABLE IF NOT EXISTS store_backups (
        taken_at TIMESTAMPTZ NOT NULL,
        path VARCHAR
    );
    """,
]

# Components that may ship `suite/<name>/schema.py` (business modules, the registry, sign-in); a missing one is skipped.
MODULES = ("support", "recommend", "inspect", "transcribe", "risk", "registry", "auth", "jobs", "api", "demo")


def _component_migrations() -> list[tuple[str, list[str]]]:
    components = [("core", CORE_MIGRATIONS)]
    for name in MODULES:
        try:
            module = importlib.import_module(f"suite.{name}.schema")
        except ModuleNotFoundError as err:
            if err.name not in (f"suite.{name}", f"suite.{name}.schema"):
                raise
            continue
        components.append((name, list(module.MIGRATIONS)))
    return components


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every pending migration; return what was applied as "component:version"."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               component VARCHAR, version INTEGER, applied_at TIMESTAMPTZ DEFAULT now(),
               PRIMARY KEY (component, version))"""
    )
    applied = []
    for component, migrations in _component_migrations():
        row = con.execute(
            "SELECT coalesce(max(version), 0) FROM schema_migrations WHERE component = ?", [component]
        ).fetchone()
        current = row[0] if row else 0
        for version, sql in enumerate(migrations, start=1):
            if version <= current:
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations (component, version) VALUES (?, ?)", [component, version])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            applied.append(f"{component}:{version}")
    if applied:
        logger.info("applied migrations %s", applied)
    return applied
