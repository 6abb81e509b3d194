"""Journaled rows that cannot be saved are put aside with their reason, never dropped, never retried forever.

One row that breaks a constraint used to block its whole journal file, and because every read flushed
first, every later command failed too. Now a file whose batch fails `QUARANTINE_AFTER` times for a reason
in the data (a constraint, a type, an unknown column) is copied row by row: the good rows land, and the
bad ones go to `spool/quarantine/<journal file name>` as JSON Lines, each with the database's reason.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from suite.store.models import QuarantinedRow

logger = logging.getLogger(__name__)

QUARANTINE_AFTER = 3  # failed attempts (for a reason in the data) before a journal file is split

# Errors that come from the rows themselves; anything else (a lock, a full disk, a damaged file) may pass.
DATA_ERRORS = (
    duckdb.ProgrammingError,  # unknown table or column, bad identifier
    duckdb.IntegrityError,  # NOT NULL, CHECK, foreign key
    duckdb.DataError,  # conversion, out of range, type mismatch
    ValueError,
    TypeError,
    KeyError,
)
try:  # the same kinds of error from PostgreSQL (SUITE_DATABASE_URL)
    from psycopg import errors as _pg

    DATA_ERRORS = (*DATA_ERRORS, _pg.DataError, _pg.IntegrityError, _pg.ProgrammingError)
except ImportError:  # pragma: no cover
    pass
TORN_REASON = "line cut short (the writing process crashed or the disk was full); it cannot be read back"


def is_data_error(err: BaseException) -> bool:
    return isinstance(err, DATA_ERRORS)


def put_aside(folder: Path, source: str, bad: list[tuple[str, dict, str]]) -> Path:
    """Write `(table, row, reason)` records for the journal file `source` (replacing an earlier copy of it)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source
    tmp = target.with_name(target.name + ".tmp")
    stamp = datetime.now(UTC).isoformat()
    with tmp.open("w", encoding="utf-8") as handle:
        for table, row, reason in bad:
            record = {"table": table, "row": row, "reason": reason, "quarantined_at": stamp}
            handle.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(target)
    logger.error("%d row(s) of %s could not be saved; kept in %s", len(bad), source, target)
    return target


def listed(spool: Path) -> list[QuarantinedRow]:
    """Every row put aside under `spool/quarantine/` and every unreadable line under `spool/torn/`, oldest first."""
    entries: list[tuple[float, QuarantinedRow]] = []
    for path in sorted((spool / "quarantine").glob("*.jsonl")):
        mtime = path.stat().st_mtime
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                entry = QuarantinedRow(
                    file=path.name,
                    reason=str(record.get("reason", "")),
                    table=record.get("table"),
                    row=record.get("row"),
                    quarantined_at=record.get("quarantined_at"),
                )
            except (json.JSONDecodeError, AttributeError):
                entry = QuarantinedRow(file=path.name, reason="unreadable quarantine record", raw=line[:2000])
            entries.append((mtime, entry))
    for path in sorted((spool / "torn").glob("*")):
        mtime = path.stat().st_mtime
        stamp = datetime.fromtimestamp(mtime, UTC).isoformat()
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            entry = QuarantinedRow(file=path.name, reason=TORN_REASON, raw=line[:2000], quarantined_at=stamp)
            entries.append((mtime, entry))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]
