"""Check, back up and restore the database file (`suite store check|backup|restore`).

A backup is a copy of the file taken while this process holds it (so no other process writes meanwhile),
after a `CHECKPOINT` has moved everything from DuckDB's write-ahead log into the file. Restoring verifies
the backup first, refuses to replace an existing database unless forced, and keeps the replaced file (and
its write-ahead log) aside as `suite.duckdb.before-restore-<time>`; rows still waiting in the journal
land in the restored database as usual.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from suite.errors import InvalidInput, StoreBusy, StoreCorrupt, SuiteError
from suite.store.database import CORRUPT_MARKS, DB_ERRORS, translate
from suite.store.models import BackupReport, StoreCheck
from suite.store.store import Store

logger = logging.getLogger(__name__)

RESTORE_ADVICE = (
    "Restore the latest backup with `suite store restore BACKUP --force` (the damaged file is kept aside). "
    "Rows that were still waiting in the journal are copied in once the database opens again."
)
LOW_DISK_BYTES = 64 * 2**20
REPLAY_MARGIN_S = 5.0  # replay journal files copied a little before the backup too (they land once anyway)
_TABLES_SQL = "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1, 2"
_PG_TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' ORDER BY 1"
)


def _refuse_on_postgres(store: Store) -> None:
    if store.settings.database_url:
        raise InvalidInput(
            "The store is on PostgreSQL (SUITE_DATABASE_URL): back it up with pg_dump and restore it with "
            "pg_restore; `suite store backup` and `restore` copy the DuckDB file only."
        )


def _scan(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of every table, reading every value (DuckDB checks each block's checksum as it reads)."""
    if getattr(cursor, "dialect", None) == "postgres":  # SUITE_DATABASE_URL: the server checks its own pages
        names = cursor.execute(_PG_TABLES_SQL).fetchall()
        return {name: int(cursor.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for (name,) in names}
    counts = {}
    for schema, table in cursor.execute(_TABLES_SQL).fetchall():
        name = table if schema == "main" else f"{schema}.{table}"
        ref = f'"{schema}"."{table}"'
        counts[name] = int(cursor.execute(f"SELECT count(*) FROM {ref}").fetchone()[0])
        cursor.execute(f"SELECT max(hash(COLUMNS(*))) FROM {ref}").fetchall()
    return counts


def check(store: Store) -> StoreCheck:
    """Is the database readable end to end, what is in it, what waits in the journal, what was put aside."""
    path = store.path
    problems: list[str] = []
    tables: dict[str, int] = {}
    try:
        with store.connect() as cursor:
            tables = _scan(cursor)
    except StoreCorrupt as err:
        problems.append(str(err).split(". Run")[0] + ".")
    except StoreBusy as err:
        problems.append(str(err))
    except DB_ERRORS as err:
        problems.append(f"The database could not be read: {str(err).splitlines()[0][:200]}")
    files, rows = store.journal.backlog()
    aside = store.quarantined()
    quarantined = [entry for entry in aside if entry.table is not None]
    if quarantined:
        problems.append(
            f"{len(quarantined)} journaled row(s) could not be saved and were put aside in "
            f"{store.journal.folder / 'quarantine'} (listed on the Operations page with the reason)."
        )
    if store.unsaved_events:
        problems.append(f"{store.unsaved_events} usage event(s) could not be saved (full disk) in this process.")
    free = shutil.disk_usage(path.parent).free if path.parent.exists() else 0
    if free < LOW_DISK_BYTES:
        problems.append(
            f"The disk holding {path.parent} has only {free // 2**20} MB free; free some space before it fills up."
        )
    damaged = any("damaged" in p or "could not be read" in p for p in problems)
    return StoreCheck(
        ok=not problems,
        database=str(path) if not store.settings.database_url else str(store._db.path),
        size_bytes=path.stat().st_size if path.exists() else 0,
        tables=tables,
        journal_files=files,
        journal_rows=rows,
        quarantined=len(quarantined),
        torn_lines=len(aside) - len(quarantined),
        unsaved_events=store.unsaved_events,
        free_bytes=free,
        kept_aside=sorted(str(p) for p in path.parent.glob(f"{path.name}.before-restore-*")),
        problems=problems,
        advice=RESTORE_ADVICE if damaged else ("" if not problems else "See the problems listed."),
    )


def backup(store: Store, target: Path, *, force: bool = False) -> BackupReport:
    """Copy the database to `target` (a file), consistent and verified; journaled rows are copied in first."""
    _refuse_on_postgres(store)
    target = Path(target).expanduser()
    if target.is_dir():
        raise InvalidInput(f"{target} is a folder; give the backup's file name, e.g. {target / 'suite-backup.duckdb'}")
    if target.exists() and not force:
        raise InvalidInput(f"{target} already exists; pass --force to replace it, or choose another name.")
    if not target.parent.is_dir():
        raise InvalidInput(f"The folder {target.parent} does not exist; create it first.")
    if target.resolve() == store.path.resolve():
        raise InvalidInput("The backup cannot replace the database itself; choose another file name.")
    store.flush(wait_s=store.wait_s)
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with store.holding() as cursor:  # no other process holds the file, and none of ours writes
            cursor.execute("INSERT INTO store_backups (taken_at, path) VALUES (now(), ?)", [str(target)])
            cursor.execute("CHECKPOINT")
            _copy(store.path, tmp)
        tables = _verify(tmp)
        taken_at = _taken_at(tmp)
        tmp.replace(target)
    except OSError as err:
        raise _disk_error(err, target) from err
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("backed up %s to %s", store.path, target)
    return BackupReport(
        path=str(target),
        size_bytes=target.stat().st_size,
        tables=tables,
        taken_at=None if taken_at is None else taken_at.isoformat(),
    )


def restore(store: Store, source: Path, *, force: bool = False) -> BackupReport:
    """Put the backup `source` in place of the database, keeping the replaced file aside."""
    _refuse_on_postgres(store)
    source = Path(source).expanduser()
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file; give the path of a backup made by `suite store backup`.")
    path = store.path
    if path.exists() and not force:
        raise InvalidInput(
            f"{path} already exists; pass --force to replace it with {source.name} (the current file is kept aside)."
        )
    tables = _verify(source)
    taken_at = _taken_at(source)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    tmp = path.with_name(f".{path.name}.restoring-{os.getpid()}")
    kept: list[str] = []
    try:
        _copy(source, tmp)
        with store.offline(), _no_other_process(path):
            for current in (path, path.with_name(path.name + ".wal")):
                if current.exists():
                    aside = current.with_name(current.name.replace(path.name, f"{path.name}.before-restore-{stamp}"))
                    current.rename(aside)
                    kept.append(str(aside))
            tmp.replace(path)
    except OSError as err:
        raise _disk_error(err, path) from err
    finally:
        tmp.unlink(missing_ok=True)
    # Rows journaled since the backup was taken are in line again: they land exactly once (INSERT OR IGNORE).
    since = None if taken_at is None else taken_at.timestamp() - REPLAY_MARGIN_S
    files, rows = store.journal.requeue_retired(since)
    store.flush(wait_s=store.wait_s)  # also opens the restored file and applies any newer migrations
    logger.warning("restored %s from %s; the replaced file is kept as %s", path, source, kept)
    return BackupReport(
        path=str(path),
        size_bytes=path.stat().st_size,
        tables=tables,
        kept_aside=kept,
        restored_from=str(source),
        taken_at=None if taken_at is None else taken_at.isoformat(),
        replayed_rows=rows,
    )


def _taken_at(path: Path) -> datetime | None:
    """When the backup was taken, from the row it carries; None for a copy made some other way."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT max(taken_at) FROM store_backups").fetchone()[0]
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def _verify(path: Path) -> dict[str, int]:
    """Open a copy of the database read-only and read all of it; raise if it is not a usable backup."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        raise InvalidInput(f"{path} is not a usable backup: {str(err).splitlines()[0][:200]}") from err
    try:
        return _scan(con)
    except duckdb.Error as err:
        if any(mark in str(err).lower() for mark in CORRUPT_MARKS):
            raise InvalidInput(f"{path} is not a usable backup: it is damaged ({str(err)[:200]}).") from err
        raise
    finally:
        con.close()


def _copy(source: Path, target: Path) -> None:
    with source.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, 4 * 2**20)
        dst.flush()
        os.fsync(dst.fileno())


class _no_other_process:  # noqa: N801 - used as a context manager, like contextlib's helpers
    """Hold DuckDB's own lock on the file (POSIX record lock) so no other process opens it meanwhile."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> None:
        if not self.path.exists():
            return
        self.fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(self.fd)
            self.fd = None
            raise StoreBusy(
                "Another process (the dashboard or the worker) is using the database; stop it, then restore."
            ) from err

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)


def _disk_error(err: OSError, path: Path) -> SuiteError:
    mine = translate(err, path)
    if mine is not None:
        return mine  # type: ignore[return-value]
    return InvalidInput(f"Could not write {path}: {err.strerror or err}.")
