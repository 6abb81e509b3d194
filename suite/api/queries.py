"""All of the API's SQL: tokens, remembered results, transcription jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from suite.store import Store, now, to_json

_TOKEN_COLUMNS = "token_id, prefix, user_name, label, created_at, created_by, revoked_at, revoked_by"


# -- tokens ----------------------------------------------------------------------------------------------
def insert_token(store: Store, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    store.execute(f"INSERT INTO api_tokens ({columns}) VALUES ({marks})", list(row.values()))


def token_rows(store: Store, user_name: str | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE user_name = ?", [user_name]) if user_name else ("", [])
    return store.query(f"SELECT {_TOKEN_COLUMNS} FROM api_tokens {where} ORDER BY created_at DESC", params)


def token_row(store: Store, token_id: str) -> dict[str, Any] | None:
    rows = store.query(f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_id = ?", [token_id])
    return rows[0] if rows else None


def token_by_hash(store: Store, token_hash: str) -> dict[str, Any] | None:
    rows = store.query(f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?", [token_hash])
    return rows[0] if rows else None


def revoke_token(store: Store, token_id: str, by: str) -> bool:
    """True when the token was active and is revoked now."""
    with store.transaction() as con:
        row = con.execute("SELECT revoked_at FROM api_tokens WHERE token_id = ?", [token_id]).fetchone()
        if row is None or row[0] is not None:
            return False
        con.execute("UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE token_id = ?", [now(), by, token_id])
    return True


# -- results that feedback refers back to ---------------------------------------------------------------
def remember_result(store: Store, request_id: str, module: str, kind: str, owner: str, result: Any) -> None:
    row = {"request_id": request_id, "ts": now().isoformat(), "module": module, "kind": kind, "owner": owner}
    store.journal_row("api_results", {**row, "result": to_json(result)}, durable=False)


def result_row(store: Store, request_id: str, kind: str) -> dict[str, Any] | None:
    rows = store.query("SELECT result FROM api_results WHERE request_id = ? AND kind = ?", [request_id, kind])
    return rows[0] if rows else None


# -- transcription jobs ----------------------------------------------------------------------------------
_JOB_COLUMNS = (
    "job_id, kind, owner, file_name, state, progress, message, created_at, started_at, finished_at, result, error"
)


def insert_job(store: Store, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    store.execute(f"INSERT INTO api_jobs ({columns}) VALUES ({marks})", list(row.values()))


def update_job(store: Store, job_id: str, **values: Any) -> None:
    sets = ", ".join(f"{name} = ?" for name in values)
    store.execute(f"UPDATE api_jobs SET {sets} WHERE job_id = ?", [*values.values(), job_id])


def job_row(store: Store, job_id: str) -> dict[str, Any] | None:
    rows = store.query(f"SELECT {_JOB_COLUMNS} FROM api_jobs WHERE job_id = ?", [job_id])
    return rows[0] if rows else None


def fail_orphaned_jobs(store: Store, worker_prefix: str, alive: set[str], at: datetime) -> int:
    """Jobs left queued or running by a process of this host that is gone (a restart): marked failed."""
    rows = store.query(
        "SELECT job_id, worker FROM api_jobs WHERE state IN ('queued', 'running') AND worker LIKE ?",
        [worker_prefix + "%"],
    )
    orphaned = [r["job_id"] for r in rows if r["worker"] not in alive]
    for job_id in orphaned:
        error = "The API process running this job stopped; send the file again."
        update_job(store, job_id, state="failed", finished_at=at, error=error)
    return len(orphaned)
