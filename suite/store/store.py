"""The DuckDB store: one file under SUITE_HOME, shared by every thread of a process and taken in turns by processes."""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from suite.errors import InvalidInput, StoreBusy, StoreCorrupt, StoreFull, SuiteError
from suite.settings import Settings
from suite.store import quarantine
from suite.store.database import DB_ERRORS, database_for, is_transient, translate
from suite.store.journal import Journal, JournalBatch
from suite.store.models import QuarantinedRow

logger = logging.getLogger(__name__)
T = TypeVar("T")

FEEDBACK_KINDS = ("thumbs", "rating", "correction", "label", "click", "dismiss", "confirm", "missed", "false_alarm")
MAX_SUMMARY_CHARS = 500
MAX_JSON_CHARS = 20_000
RETAIN_COPIED_S = 7 * 86400  # copied journal files are kept a week, to bring a restored backup up to date
RETRIES = 4  # attempts of one statement when DuckDB reports a passing conflict
SMALL_BATCH_ROWS = 32  # journal rows of one table inserted as parameters, not as a registered frame
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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


def from_json(value: Any) -> Any:
    """A JSON column's value as Python (DuckDB returns JSON as text); text that is not JSON comes back as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class _SpoolState:
    """Per journal folder and process: one flush at a time, and how often each file has failed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures: dict[str, int] = {}
        self.unsaved_events = 0
        self.pruned_at = 0.0
        self.problem: str | None = None  # why the last flush could not reach the database, if it could not


_spools: dict[str, _SpoolState] = {}
_spools_guard = threading.Lock()


def _spool_state(folder: Path) -> _SpoolState:
    with _spools_guard:
        return _spools.setdefault(str(folder.resolve()), _SpoolState())


class Store:
    """Access to the suite's DuckDB file.

    Writes that must never be lost go through `log_event`, `log_feedback` or `journal_row`: they return at
    once and reach the database within about a second, or as soon as another process lets go of it.
    Everything else runs on a cursor of the process's one DuckDB instance (many threads at once) and
    waits (up to `wait_s`) while another process holds the file.

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
        settings.home.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(settings.spool_dir)
        self._db = database_for(self.path) if not settings.database_url else _postgres(settings.database_url)
        self._spool = _spool_state(settings.spool_dir)
        self._flush_interval_s = flush_interval_s
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self._flusher_guard = threading.Lock()
        atexit.register(self.close)

    # -- connections -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one operation (reads, or statements that need no transaction); do not keep it."""
        with self._db.session(self.wait_s if wait_s is None else wait_s) as cursor:
            yield cursor

    @contextlib.contextmanager
    def transaction(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN/COMMIT; any exception rolls back and leaves the data as it was.

        Transactions of one process run one at a time (DuckDB would fail one of two that touch the same rows);
        on PostgreSQL those of all processes do (module code reads, then writes what it read).
        """
        with self.connect(wait_s=wait_s) as cursor, self._db.writing():
            cursor.execute("BEGIN TRANSACTION")
            if getattr(cursor, "dialect", None) == "postgres":
                cursor.take_write_turn(self.wait_s if wait_s is None else wait_s)
            try:
                yield cursor
            except BaseException:
                with contextlib.suppress(*DB_ERRORS):
                    cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    @contextlib.contextmanager
    def holding(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor while this process holds the file and its write lock: nobody writes meanwhile (backups)."""
        with self.connect(wait_s=wait_s) as cursor, self._db.writing():
            yield cursor

    @contextlib.contextmanager
    def offline(self, *, wait_s: float | None = None) -> Iterator[None]:
        """The file closed in this process, its operations waiting, so it can be replaced (restores)."""
        with self._db.exclusive(self.wait_s if wait_s is None else wait_s):
            yield

    def _retrying(self, work: Callable[[duckdb.DuckDBPyConnection], T], *, write: bool = False) -> T:
        """Run one statement, again after a short pause when DuckDB reports a passing conflict."""
        for attempt in range(RETRIES):
            try:
                with self.connect() as cursor:
                    if write:
                        with self._db.writing():
                            return work(cursor)
                    return work(cursor)
            except DB_ERRORS as err:
                if not is_transient(err) or attempt == RETRIES - 1:
                    raise
                logger.info("retrying after a passing database conflict: %s", str(err).splitlines()[0])
                time.sleep(0.02 * 2**attempt)
        raise AssertionError("unreachable")

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> None:
        self._retrying(lambda cursor: cursor.execute(sql, params or []), write=True)

    def query(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, after copying any journaled writes in (so a page sees what was just logged)."""
        self._flush_before_read()

        def rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
            result = cursor.execute(sql, params or [])
            columns = [d[0] for d in result.description or []]
            return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

        return self._retrying(rows)

    def query_df(self, sql: str, params: Sequence[Any] | dict | None = None) -> pd.DataFrame:
        self._flush_before_read()
        return self._retrying(lambda cursor: cursor.execute(sql, params or []).df())

    def scalar(self, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
        rows = self.query(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def _flush_before_read(self) -> None:
        """A read never depends on the journal: if copying fails, the read goes on without the newest rows."""
        if self._db.in_session():
            return  # inside another operation of this thread: its own writes are what it reads
        try:
            self.flush(lock_timeout_s=2.0)
        except SuiteError as err:
            logger.info("journal not copied before a read, rows stay in %s: %s", self.journal.folder, err)
        except Exception:
            logger.exception("journal flush before a read failed; rows stay in %s", self.journal.folder)

    # -- never-lose writes ---------------------------------------------------------------------------
    def journal_row(self, table: str, row: dict[str, Any], *, durable: bool = True) -> None:
        """Queue one row (with its primary key) for `table`; it lands exactly once, whatever the lock does.

        Raises:
            StoreFull: the disk is full; the row was not saved (the caller must tell the user).
        """
        self.journal.append(table, row, durable=durable)
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
        """Record one inference or user action; returns its request_id.

        Never raises for the caller (usage logging must not break a request), but an event that cannot be
        saved is logged as an error and counted (`unsaved_events`, shown by `suite store check`).
        """
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
            self.journal_row("events", row, durable=False)
        except (StoreFull, OSError) as err:
            with self._spool.lock:
                self._spool.unsaved_events += 1
                count = self._spool.unsaved_events
            logger.error("usage event %s (%s/%s) NOT SAVED (%d so far): %s", request_id, module, action, count, err)
        return request_id

    @property
    def unsaved_events(self) -> int:
        """Usage events this process could not save (full disk); each was also logged as an error."""
        return self._spool.unsaved_events

    def log_feedback(
        self,
        *,
        module: str,
        kind: str,
        value: Any,
        request_id: str | None = None,
        user: str | None = None,
    ) -> str:
        """Record one piece of user feedback (state 'new' until a person reviews it); returns feedback_id.

        Raises:
            InvalidInput: unknown `kind`.
            StoreFull: the disk is full and the feedback was not saved.
        """
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

    def flush(self, *, wait_s: float = 0.0, lock_timeout_s: float = -1) -> bool:
        """Copy journaled rows into DuckDB. True when nothing is left waiting; False if the file is busy.

        A file that fails for a reason in its rows is kept and tried again; after `QUARANTINE_AFTER` failures
        its good rows are copied one by one and the bad ones put aside (`quarantined()`), so one bad row never
        blocks the rows behind it. Files that fail for other reasons (a damaged file, a full disk) stay, and
        the result is False: a flush never fails the read or the request that asked for it.
        `lock_timeout_s` bounds the wait for a flush already running in another thread (then: False).
        """
        if self._db.in_session():
            lock_timeout_s = 0  # never wait for another thread's flush while holding the file (it may wait for us)
        if not self._spool.lock.acquire(timeout=lock_timeout_s):
            return False
        try:
            if self.journal.pending:
                self.journal.seal()
            files = self.journal.ready_files()
            if not files:
                return True
            try:
                with self.connect(wait_s=wait_s) as cursor:
                    left = sum(not self._copy_file(cursor, path) for path in files)
            except StoreBusy:
                logger.debug("store busy; %d journal file(s) wait for the next flush", len(files))
                return False
            except (StoreFull, StoreCorrupt) as err:  # nothing wrong with the rows: they wait for the database
                logger.info("journal not copied, %d file(s) stay in %s: %s", len(files), self.journal.folder, err)
                self._spool.problem = str(err)
                return False
            self._spool.problem = None
            if time.monotonic() - self._spool.pruned_at > 600:
                self._spool.pruned_at = time.monotonic()
                self.journal.prune_retired(RETAIN_COPIED_S)
            return left == 0
        finally:
            self._spool.lock.release()

    def _copy_file(self, cursor: duckdb.DuckDBPyConnection, path: Path) -> bool:
        """Copy one sealed file in; True when it is done with (copied, or its bad rows put aside)."""
        try:
            batch = self.journal.read(path)
        except FileNotFoundError:
            return True  # another process copied and deleted it
        try:
            with self._db.writing():
                _insert_batch(cursor, batch, in_transaction=True)
        except Exception as err:
            mine = translate(err, self.path)
            if mine is not None:  # nothing is wrong with the rows: they wait until the database is back
                raise mine from err
            if not quarantine.is_data_error(err):
                logger.warning("journal file %s not copied yet (%s); will retry", path.name, err)
                return False
            failures = self._spool.failures[path.name] = self._spool.failures.get(path.name, 0) + 1
            if failures < quarantine.QUARANTINE_AFTER:
                limit = quarantine.QUARANTINE_AFTER
                logger.warning("journal file %s failed (%d/%d): %s", path.name, failures, limit, err)
                return False
            if not self._split(cursor, path, batch):
                return False
        self.journal.keep_torn(path, batch.torn)
        self.journal.retire(path)
        self._spool.failures.pop(path.name, None)
        return True

    def _split(self, cursor: duckdb.DuckDBPyConnection, path: Path, batch: JournalBatch) -> bool:
        """Insert the rows one by one; put the ones that fail for a reason in the data aside."""
        bad: list[tuple[str, dict, str]] = []
        with self._db.writing():
            for table, rows in batch.rows.items():
                for row in rows:
                    try:
                        _insert_batch(cursor, JournalBatch(rows={table: [row]}), in_transaction=False)
                    except Exception as err:
                        if not quarantine.is_data_error(err):
                            logger.warning("journal file %s: row copy stopped (%s); will retry", path.name, err)
                            return False
                        bad.append((table, row, f"{type(err).__name__}: {str(err).splitlines()[0][:500]}"))
        if bad:
            quarantine.put_aside(self.journal.folder / "quarantine", path.name, bad)
        return True

    def quarantined(self) -> list[QuarantinedRow]:
        """Rows that could not be saved (kept with their reason, for the Operations page), oldest first."""
        return quarantine.listed(self.journal.folder)

    def _ensure_flusher(self) -> None:
        if self._flusher is not None and self._flusher.is_alive():
            return
        with self._flusher_guard:
            if self._flusher is None or not self._flusher.is_alive():
                self._stop.clear()
                self._flusher = threading.Thread(target=self._flush_loop, name="suite-journal-flusher", daemon=True)
                self._flusher.start()

    def _flush_loop(self) -> None:
        said, said_at = None, 0.0
        while not self._stop.wait(self._flush_interval_s):
            self._flush_logged()
            problem = self._spool.problem
            if problem and (problem != said or time.monotonic() - said_at > 60):  # loud, but once a minute
                logger.warning("journaled rows wait in %s: %s", self.journal.folder, problem)
                said, said_at = problem, time.monotonic()

    def _flush_logged(self, wait_s: float = 0.0) -> None:
        """Flush for the background and for exit: failures are logged (once a line for expected ones), rows stay."""
        try:
            self.flush(wait_s=wait_s)
        except SuiteError as err:  # a damaged file or a full disk: the journal keeps the rows until it is fixed
            logger.warning("journal not copied, rows stay in %s: %s", self.journal.folder, err)
        except Exception:
            logger.exception("journal flush failed; rows stay in %s", self.journal.folder)

    def close(self, *, wait_s: float = 2.0) -> None:
        """Stop the background flusher, make a last attempt to copy what is waiting, and let go of the file."""
        self._stop.set()
        self._flush_logged(wait_s)
        self._db.release()

    # -- small shared queries --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Row counts of the core tables (for the home page and `suite status`)."""
        tables = ("events", "feedback", "model_versions", "jobs")
        sql = " UNION ALL ".join(f"SELECT '{t}' AS name, count(*) AS n FROM {t}" for t in tables)
        return {row["name"]: int(row["n"]) for row in self.query(sql)}


def _postgres(url: str) -> Any:
    """The process's PostgreSQL database for `url` (the driver is imported only when one is configured)."""
    from suite.store.postgres import database_for_url

    return database_for_url(url)


def _insert_batch(cursor: duckdb.DuckDBPyConnection, batch: JournalBatch, *, in_transaction: bool) -> None:
    """`INSERT OR IGNORE` every table's rows (one transaction when asked); the frames live on this cursor only."""
    if getattr(cursor, "dialect", None) == "postgres":
        _insert_batch_postgres(cursor, batch, in_transaction=in_transaction)
        return
    registered: list[str] = []
    if in_transaction:
        cursor.execute("BEGIN TRANSACTION")
    try:
        for table, rows in batch.rows.items():
            if not _IDENTIFIER.fullmatch(table):
                raise ValueError(f"not a table name: {table!r}")
            names = list(dict.fromkeys(name for row in rows for name in row))
            if not all(_IDENTIFIER.fullmatch(str(c)) for c in names):
                raise ValueError(f"not a column name among {names[:20]}")
            columns = ", ".join(f'"{c}"' for c in names)
            if _as_parameters(rows):
                marks = ", ".join(["(" + ", ".join("?" * len(names)) + ")"] * len(rows))
                values = [row.get(name) for row in rows for name in names]
                cursor.execute(f'INSERT OR IGNORE INTO "{table}" ({columns}) VALUES {marks}', values)
                continue
            view = f"journal_batch_{len(registered)}"
            cursor.register(view, pd.DataFrame(rows, columns=names))
            registered.append(view)
            cursor.execute(f'INSERT OR IGNORE INTO "{table}" ({columns}) SELECT {columns} FROM {view}')
        if in_transaction:
            cursor.execute("COMMIT")
    except BaseException:
        if in_transaction:
            with contextlib.suppress(duckdb.Error):
                cursor.execute("ROLLBACK")
        raise
    finally:
        for view in registered:  # after COMMIT/ROLLBACK: an aborted transaction refuses even this
            with contextlib.suppress(duckdb.Error):
                cursor.unregister(view)


def _as_parameters(rows: list[dict[str, Any]]) -> bool:
    """A few rows of plain values go in as statement parameters: registering a DataFrame costs several ms a
    table, and a request's usage event and audit row are flushed by the next read, so pages wait for it."""
    if len(rows) > SMALL_BATCH_ROWS:
        return False
    return all(not isinstance(value, dict | list) for row in rows for value in row.values())


def _insert_batch_postgres(cursor: Any, batch: JournalBatch, *, in_transaction: bool) -> None:
    """The same on PostgreSQL: `INSERT ... ON CONFLICT DO NOTHING` of the rows as parameters."""
    if in_transaction:
        cursor.execute("BEGIN TRANSACTION")
    try:
        for table, rows in batch.rows.items():
            cursor.insert_rows(table, rows)
        if in_transaction:
            cursor.execute("COMMIT")
    except BaseException:
        if in_transaction:
            with contextlib.suppress(*DB_ERRORS):
                cursor.execute("ROLLBACK")
        raise
