"""Personal data over time: the retention purge of original audio and images, and erasing everything of one user.

- `purge_expired(store, settings)`: original recordings (kept for the transcript history) and inspected images
  older than `SUITE_RETENTION_DAYS` (default 90) are deleted; the worker calls it on its housekeeping loop.
  Transcripts, results and feedback stay; the history then says the recording is no longer kept.
- `erase_user(store, identity, name)`: an admin erases one person: their account, sessions and API tokens,
  usage events, feedback, transcripts (and their audio), corrections, inspections (and their images),
  tickets and imports are deleted; where their name only attributes a shared object (the reviewer of someone
  else's feedback, who acknowledged an alert, who promoted a model) it is replaced by `ERASED`. The audit
  trail is append-only by design (nothing in the product can change it), so its rows keep the name: they are
  the record of who did what, and of the erasure itself (`users.erase`). The journal's archive of copied rows
  is scrubbed too; store backups made before the erasure still hold the person's data (restore one, erase again).

Text is masked before it is stored by `suite.redaction` (transcripts and support questions).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from suite.auth.models import Identity
from suite.auth.trail import OWNER, audit, guard
from suite.errors import InvalidInput
from suite.settings import Settings
from suite.store import Store

logger = logging.getLogger(__name__)

ERASED = "(erased user)"
# Folders under SUITE_HOME/<module>/ holding original recordings and photos (the modules' own copies)
ORIGINALS = (("transcribe", "audio"), ("inspect", "images"))
OWNER_COLUMNS = ("user", "user_name")  # a row with the person here is theirs: deleted
ATTRIBUTION_COLUMNS = (  # the person only names who acted on a shared row: replaced by ERASED
    "reviewer",
    "old_reviewer",
    "state_by",
    "by_user",
    "added_by",
    "requested_by",
    "created_by",
    "revoked_by",
    "override_by",
)
FILE_COLUMNS = ("audio_path", "image_path")  # files a deleted row points to are deleted with it
KEPT_TABLES = ("audit",)  # append-only: the record of who did what, including this erasure


@dataclass
class PurgeReport:
    """What one retention purge removed."""

    retention_days: int
    files_removed: int = 0
    bytes_removed: int = 0
    folders: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ErasureReport:
    """What erasing one user deleted (rows per table), replaced (attributions per table.column) and left."""

    user: str
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    files_removed: int = 0
    journal_lines_removed: int = 0  # copies of their rows in the journal's week-long archive (`spool/copied/`)
    left: dict[str, int] = field(default_factory=dict)  # rows (outside the audit trail) still mentioning the name

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- retention -------------------------------------------------------------------------------------------
def purge_expired(store: Store, settings: Settings, *, identity: Identity | None = OWNER) -> PurgeReport:
    """Delete original audio and images older than `settings.retention_days`; audited when anything went.

    Called by the worker (as the process owner) on its housekeeping loop; an admin may call it too.

    Raises:
        PermissionDenied: the identity is not an admin.
    """
    guard(store, identity, "data.purge")
    report = PurgeReport(settings.retention_days)
    cutoff = time.time() - settings.retention_days * 86_400
    for module, folder in ORIGINALS:
        where = settings.module_dir(module) / folder
        if not where.is_dir():
            continue
        report.folders.append(str(where))
        for path in where.iterdir():
            try:
                info = path.stat()
                if path.is_file() and info.st_mtime < cutoff:
                    path.unlink()
                    report.files_removed += 1
                    report.bytes_removed += info.st_size
            except OSError as err:  # one file that cannot go (permissions) never stops the rest
                logger.warning("retention purge could not remove %s: %s", path, err)
    if report.files_removed:
        detail = {"files": report.files_removed, "bytes": report.bytes_removed, "days": report.retention_days}
        audit(store, identity, "data.purge", "originals", "ok", detail)
        logger.info("retention purge removed %d file(s), %d bytes", report.files_removed, report.bytes_removed)
    return report


# -- erasure ---------------------------------------------------------------------------------------------
def erase_user(store: Store, identity: Identity | None, user_name: str) -> ErasureReport:
    """Erase everything stored for one person (admin): see the module docstring for what goes and what stays.

    Works for a name with no account too (names typed before sign-in existed). Not one's own account, not
    the last enabled admin.

    Raises:
        PermissionDenied: not an admin. InvalidInput: an empty name, oneself, or the last enabled admin.
    """
    name = (user_name or "").strip()
    if not name:
        raise InvalidInput("Say whose data to erase: suite users erase NAME.")
    who = guard(store, identity, "users.erase", name)
    if who.user == name:
        audit(store, who, "users.erase", name, "failed", {"error": "own account"})
        raise InvalidInput("You cannot erase your own account; ask another admin.")
    _keep_an_admin(store, who, name)
    store.flush(wait_s=store.wait_s)  # rows still in the journal are in the database before they are looked for
    report = ErasureReport(name)
    files: list[str] = []
    with store.transaction() as con:
        for table, columns in _tables(con).items():
            if table in KEPT_TABLES:
                continue
            owner = [c for c in OWNER_COLUMNS if c in columns]
            for column in owner:
                for file_column in (c for c in FILE_COLUMNS if c in columns):
                    found = con.execute(f'SELECT "{file_column}" FROM "{table}" WHERE "{column}" = ?', [name])
                    files += [row[0] for row in found.fetchall() if row[0]]
                count = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" = ?', [name]).fetchone()[0]
                if count:
                    con.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', [name])
                    report.deleted[table] = report.deleted.get(table, 0) + count
            for column in (c for c in ATTRIBUTION_COLUMNS if c in columns):
                count = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" = ?', [name]).fetchone()[0]
                if count:
                    con.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?', [ERASED, name])
                    report.anonymised[f"{table}.{column}"] = count
    report.files_removed = _remove_files(store.settings, files)
    report.journal_lines_removed = _scrub_journal_archive(store, name)
    report.left = mentions(store, name)
    store.execute("CHECKPOINT")  # deleted rows leave the database file's live blocks now, not at some later time
    audit(
        store,
        who,
        "users.erase",
        name,
        "ok",
        {"deleted": report.deleted, "anonymised": report.anonymised, "files": report.files_removed},
    )
    return report


def mentions(store: Store, text: str) -> dict[str, int]:
    """Rows outside the audit trail that still contain `text` in any text column, per table.column."""
    found: dict[str, int] = {}
    with store.connect() as con:
        for table, columns in _tables(con, text_only=True).items():
            if table in KEPT_TABLES:
                continue
            for column in columns:
                sql = f'SELECT count(*) FROM "{table}" WHERE contains(CAST("{column}" AS VARCHAR), ?)'
                count = con.execute(sql, [text]).fetchone()[0]
                if count:
                    found[f"{table}.{column}"] = count
    return found


def _tables(con: Any, *, text_only: bool = False) -> dict[str, list[str]]:
    """The store's tables (main schema) and their columns (only text and JSON ones with `text_only`)."""
    sql = """SELECT table_name, column_name, data_type FROM information_schema.columns
             WHERE table_schema = 'main' AND table_name IN
                 (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')
             ORDER BY table_name, ordinal_position"""
    tables: dict[str, list[str]] = {}
    for table, column, kind in con.execute(sql).fetchall():
        if not text_only or kind.upper().startswith(("VARCHAR", "JSON")) or kind.upper().endswith("[]"):
            tables.setdefault(table, []).append(column)
    return tables


def _keep_an_admin(store: Store, who: Identity, name: str) -> None:
    from suite.auth import queries

    row = queries.user_row(store, name)
    if row is None or row["role"] != "admin" or row["disabled"]:
        return
    if not [admin for admin in queries.enabled_admins(store) if admin != name]:
        audit(store, who, "users.erase", name, "failed", {"error": "last admin"})
        raise InvalidInput(f"{name} is the last enabled admin; make another account admin first.")


def _scrub_journal_archive(store: Store, name: str) -> int:
    """Drop the person's rows from the journal's archive of copied rows (kept a week to bring a restored backup up
    to date); audit rows stay. Each file keeps its modification time, which a restore compares with a backup's."""
    folder = store.journal.retired_folder
    removed = 0
    needle = json.dumps(name)[1:-1]  # as the name is written inside a JSON line
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        try:
            info = path.stat()
            lines = path.read_bytes().splitlines(keepends=True)
        except OSError:
            continue
        kept = [line for line in lines if needle.encode() not in line or _table(line) in KEPT_TABLES]
        if len(kept) == len(lines):
            continue
        scratch = path.with_suffix(".scrub")
        scratch.write_bytes(b"".join(kept))
        os.replace(scratch, path)
        os.utime(path, (info.st_atime, info.st_mtime))
        removed += len(lines) - len(kept)
    return removed


def _table(line: bytes) -> str | None:
    try:
        return json.loads(line).get("table")
    except ValueError:
        return None


def _remove_files(settings: Settings, paths: list[str]) -> int:
    """Delete the files (only those inside SUITE_HOME: a path in a row is never trusted to point elsewhere)."""
    home = settings.home.resolve()
    removed = 0
    for text in set(paths):
        try:
            path = Path(text).resolve()
            if path.is_relative_to(home) and path.is_file():
                path.unlink()
                removed += 1
        except (OSError, ValueError) as err:
            logger.warning("erasure could not remove %s: %s", text, err)
    return removed
