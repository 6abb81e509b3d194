"""The DuckDB store: one file under SUITE_HOME, opened briefly per operation so two processes can share it."""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from suite.errors import InvalidInput, StoreBusy
from suite.settings import Settings
from suite.store.journal import Journal
from suite.store.schema import migrate

logger = logging.getLogger(__name__)

FEEDBACK_KINDS = ("thumbs", "rating", "correction", "label", "click", "dismiss", "confirm", "missed", "false_alarm")
MAX_SUMMARY_CHARS = 500
MAX_JSON_CHARS = 20_000


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def to_json(value: Any) -> str:
    """JSON for a JSON column; oversized values are replaced by a marked preview instead of failing."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > MAX_JSON_CHARS:
        text = json.dumps({"truncated": True, "preview": text[:2000]})
    return text


_flush_locks: dict[str, threading.Lock] = {}
_flush_locks_guard = threading.Lock()


def _flush_lock_for(folder) -> threading.Lock:
    """One flush at a time per journal folder in this process, however many Store objects share it."""
    with _flush_locks_guard:
        return _flush_locks.setdefault(str(folder), threading.Lock())


def from_json(value: Any) -> Any:
    """A JSON column's value as Python (DuckDB returns JSON as text); text that is not JSON comes back as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _is_lock_error(err: Exception) -> bool:
    return isinstance(err, duckdb.IOException) and "lock" in str(err).lower()


class Store:
    """Access to the suite's DuckDB file.

    Writes that must never be lost go through `log_event`, `log_feedback` or `journal`: they return at
    once and reach the database within about a second, or as soon as another process lets go of it.
    Everything else opens the file for the length of one operation and waits (up to `wait_s`) if it is busy.

    Example:
        >>> store = Store(Settings.from_env(home=tmp_path))
        >>> request_id = store.log_event(module="support", action="ask", latency_ms=12.5)
        >>> store.flush()
        True
    """

    def __init__(self, settings: Settings, *, wait_s: float = 10.0, flush_interval_s: float = 1.0) -> None:
        self.settings = settings
        self.path = settings.db_path
        self.wait_s = wait_s
        self.journal = Journal(settings.spool_dir)
        self._migrated = False
        self._flush_lock = _flush_lock_for(settings.spool_dir.resolve())
        self._flush_interval_s = flush_interval_s
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        settings.home.mkdir(parents=True, exist_ok=True)
        atexit.register(self.close)

    # -- connections -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the database for one operation, waiting while another process holds it."""
        deadline = time.monotonic() + (self.wait_s if wait_s is None else wait_s)
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except duckdb.Error as err:
                if not _is_lock_error(err):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        "The database is busy (another suite process, probably a retraining job, is using "
                        "it). Please try again in a minute."
                    ) from err
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        try:
            if not self._migrated:
                migrate(con)
                self._migrated = True
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def transaction(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside BEGIN/COMMIT; any exception rolls back and leaves the data as it was."""
        with self.connect(wait_s=wait_s) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> None:
        with self.connect() as con:
            con.execute(sql, params or [])

    def query(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, after copying any journaled writes in (so a page sees what was just logged)."""
        self.flush()
        with self.connect() as con:
            cursor = con.execute(sql, params or [])
            columns = [d[0] for d in cursor.description or []]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def query_df(self, sql: str, params: Sequence[Any] | dict | None = None) -> pd.DataFrame:
        self.flush()
        with self.connect() as con:
            return con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
        rows = self.query(sql, params)
        return next(iter(rows[0].values())) if rows else None

    # -- never-lose writes ---------------------------------------------------------------------------
    def journal_row(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row (with its primary key) for `table`; it lands exactly once, whatever the lock does."""
        self.journal.append(table, row)
        self._ensure_flusher()

    def log_event(
        self,
        *,
        module: str,
        action: str,
        status: str = "ok",
        user: str | None = None,
        model_name: str | None = None,
        model_version: str | None = None,
        device: str | None = None,
        latency_ms: float | None = None,
        error: str | None = None,
        input_summary: str | None = None,
        output_summary: Any = None,
        request_id: str | None = None,
    ) -> str:
        """Record one inference or user action; returns its request_id. Never raises for the caller."""
        request_id = request_id or new_id()
        row = {
            "request_id": request_id,
            "ts": now().isoformat(),
            "user": user or self.settings.user,
            "module": module,
            "action": action,
            "model_name": model_name,
            "model_version": model_version,
            "device": device,
            "latency_ms": latency_ms,
            "status": status,
            "error": (error or None) and error[:2000],
            "input_summary": (input_summary or None) and input_summary[:MAX_SUMMARY_CHARS],
            "output_summary": None if output_summary is None else to_json(output_summary),
        }
        try:
            self.journal_row("events", row)
        except OSError:  # a full disk must not fail the user's request; say so loudly instead
            logger.exception("could not journal event %s", request_id)
        return request_id

    def log_feedback(
        self,
        *,
        module: str,
        kind: str,
        value: Any,
        request_id: str | None = None,
        user: str | None = None,
    ) -> str:
        """Record one piece of user feedback (state 'new' until a person reviews it); returns feedback_id."""
        if kind not in FEEDBACK_KINDS:
            raise InvalidInput(f"Unknown feedback kind {kind!r}; expected one of {', '.join(FEEDBACK_KINDS)}.")
        feedback_id = new_id()
        self.journal_row(
            "feedback",
            {
                "feedback_id": feedback_id,
                "request_id": request_id,
                "ts": now().isoformat(),
                "user": user or self.settings.user,
                "module": module,
                "kind": kind,
                "value": to_json(value),
                "review_state": "new",
                "reviewer": None,
                "reviewed_at": None,
            },
        )
        return feedback_id

    def flush(self, *, wait_s: float = 0.0) -> bool:
        """Copy journaled rows into DuckDB. True when nothing is left waiting; False if the file is busy."""
        with self._flush_lock:
            if self.journal.pending:
                self.journal.seal()
            files = self.journal.ready_files()
            if not files:
                return True
            try:
                with self.connect(wait_s=wait_s) as con:
                    for path in files:
                        self._copy_file(con, path)
            except StoreBusy:
                logger.debug("store busy; %d journal file(s) wait for the next flush", len(files))
                return False
            return True

    def _copy_file(self, con: duckdb.DuckDBPyConnection, path) -> None:
        try:
            by_table = self.journal.read(path)
        except FileNotFoundError:
            return  # another process copied and deleted it
        con.execute("BEGIN TRANSACTION")
        try:
            for table, rows in by_table.items():
                frame = pd.DataFrame(rows)
                columns = ", ".join(f'"{c}"' for c in frame.columns)
                con.register("journal_batch", frame)
                con.execute(f"INSERT OR IGNORE INTO {table} ({columns}) SELECT {columns} FROM journal_batch")
                con.unregister("journal_batch")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        path.unlink(missing_ok=True)

    def _ensure_flusher(self) -> None:
        if self._flusher is None or not self._flusher.is_alive():
            self._flusher = threading.Thread(target=self._flush_loop, name="suite-journal-flusher", daemon=True)
            self._flusher.start()

    def _flush_loop(self) -> None:
        while not self._stop.wait(self._flush_interval_s):
            try:
                self.flush()
            except Exception:  # keep the rows in the journal and try again later
                logger.exception("journal flush failed; rows stay in %s", self.journal.folder)

    def close(self, *, wait_s: float = 2.0) -> None:
        """Stop the background flusher and make a last attempt to copy what is waiting."""
        self._stop.set()
        try:
            self.flush(wait_s=wait_s)
        except Exception:
            logger.exception("final journal flush failed; rows stay in %s", self.journal.folder)

    # -- small shared queries --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Row counts of the core tables (for the home page and `suite status`)."""
        tables = ("events", "feedback", "model_versions", "jobs")
        sql = " UNION ALL ".join(f"SELECT '{t}' AS name, count(*) AS n FROM {t}" for t in tables)
        return {row["name"]: int(row["n"]) for row in self.query(sql)}
