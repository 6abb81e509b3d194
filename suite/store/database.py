"""One DuckDB instance per database file per process, shared by every thread, held only while it is used.

DuckDB's Python guide for threads: a connection is not thread-safe; connect to the database once per
process and give each thread (here: each operation) its own `cursor()`. DuckDB also lets only one process
hold the file, and the retraining worker is a second process. So the instance is opened by the first
operation that needs it, shared through cursors by every operation that starts while it is open, and
closed a moment (`IDLE_CLOSE_S`) after the last one ends. Opening and closing happen under one lock per
process, so two threads never race to attach or detach the same file (DuckDB's "Unique file handle
conflict", and the `pandas_scan` catalog errors seen while one thread closed what another was using).

Taking turns with another process: a suite process that finds the file locked writes its pid into
`<db>.waiting`. The holder sees it when an operation starts (a `stat`) once it has had the file for
`MIN_TURN_S`, lets the operations in flight finish, closes, and waits `YIELD_GAP_S` before opening again,
so the other process gets its turn. A holder idle for `WAITING_IDLE_S` lets go at once.

Writes (`writing()`) are serialised within the process: DuckDB's optimistic concurrency would otherwise
fail one of two transactions that touch the same rows, and a transaction's body cannot be retried for it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import duckdb

from suite.errors import StoreBusy, StoreCorrupt, StoreFull, message
from suite.store.schema import migrate

logger = logging.getLogger(__name__)

IDLE_CLOSE_S = 0.1  # keep the file this long after the last operation (opening costs ~10 ms)
YIELD_GAP_S = 0.1  # after letting go for a waiting process, wait this long before taking the file again
MIN_TURN_S = 0.3  # a busy process keeps the file at least this long before letting a waiting one have it
WAITING_IDLE_S = 0.02  # ... and an idle one lets go after this long when another process waits
WAITING_FRESH_S = 1.0  # a `.waiting` note older than this is stale
_POLL_S = (0.01, 0.05)  # first and longest pause between attempts to open a locked file
CORRUPT_MARKS = ("not a valid duckdb database", "corrupt database", "could not read enough bytes", "checksum")
_FULL_MARKS = ("no space left", "disk full", "disk quota")


try:  # PostgreSQL's errors, when the driver is installed (SUITE_DATABASE_URL; see suite/store/postgres.py)
    import psycopg

    _PG_ERRORS: tuple[type[Exception], ...] = (psycopg.Error,)
    _PG_TRANSIENT: tuple[type[Exception], ...] = (
        psycopg.errors.SerializationFailure,
        psycopg.errors.DeadlockDetected,
        psycopg.errors.LockNotAvailable,
    )
except ImportError:  # pragma: no cover - the DuckDB store needs nothing more
    _PG_ERRORS = _PG_TRANSIENT = ()
DB_ERRORS: tuple[type[Exception], ...] = (duckdb.Error, *_PG_ERRORS)  # what either database raises


def is_lock_error(err: BaseException) -> bool:
    text = str(err).lower()
    return isinstance(err, duckdb.IOException) and ("could not set lock" in text or "conflicting lock" in text)


def is_transient(err: BaseException) -> bool:
    """Errors worth trying again as they are: a write conflict, a file being attached or detached."""
    if isinstance(err, _PG_TRANSIENT):
        return True  # PostgreSQL: a serialization failure or a deadlock victim
    return isinstance(err, duckdb.TransactionException | duckdb.ResourceInUseException) and not _full(err)


def _full(err: BaseException) -> bool:
    text = str(err).lower()
    return any(mark in text for mark in _FULL_MARKS) or (
        isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)
    )


def translate(err: BaseException, path: Path) -> Exception | None:
    """The suite's own error for a full disk or a damaged file, with the way out; None for anything else."""
    if not isinstance(err, duckdb.Error | OSError):
        return None
    detail = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
    if _full(err):
        return StoreFull(
            f"The disk holding {path.parent} is full, so the database could not save this change (nothing was "
            "half-saved). Free some disk space (or move SUITE_HOME to a larger disk) and try again."
        )
    if isinstance(err, duckdb.Error) and any(mark in str(err).lower() for mark in CORRUPT_MARKS):
        return StoreCorrupt(
            f"The database file {path} is damaged ({detail}). Run `suite store check` to see what is wrong, "
            "then `suite store restore BACKUP --force` to put back a backup (the damaged file is kept aside)."
        )
    return None


class Database:
    """The process's handle on one database file; get it with `database_for(path)`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.waiting_note = path.with_name(path.name + ".waiting")
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._idle_since = 0.0
        self._opened_at = 0.0
        self._yielding = False
        self._resume_at = 0.0
        self._next_attempt_at = 0.0
        self._attempt_delay = _POLL_S[0]
        self._announced_at = 0.0
        self._closed_for_maintenance = False
        self._broken = False  # DuckDB invalidated the instance after a fatal error: reopen once it drains
        self._closer: threading.Thread | None = None
        self.migrated = False

    # -- per-thread state ------------------------------------------------------------------------------
    def _depth(self) -> int:
        return getattr(self._local, "sessions", 0)

    def in_session(self) -> bool:
        """True inside an operation of this thread (then nested operations join it instead of waiting)."""
        return self._depth() > 0

    def in_write(self) -> bool:
        return getattr(self._local, "writes", 0) > 0

    # -- operations ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, wait_s: float) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the shared instance for one operation, opening the file if needed.

        Raises:
            StoreBusy: another process held the file for longer than `wait_s`.
            StoreCorrupt, StoreFull: the file is damaged, or the disk is full (with what to do).
        """
        if self._pid != os.getpid():
            self._reset()  # a forked child does not share its parent's instance
        deadline = time.monotonic() + wait_s
        with self._cond:
            self._admit(deadline)
            self._users += 1
            try:
                cursor = self._con.cursor()  # type: ignore[union-attr]
            except BaseException:
                self._leave()
                raise
        self._local.sessions = self._depth() + 1
        try:
            yield cursor
        except duckdb.Error as err:
            if isinstance(err, duckdb.FatalException):
                with self._cond:
                    self._broken = True
            mine = translate(err, self.path)
            if mine is not None:
                raise mine from err
            if isinstance(err, duckdb.FatalException):
                raise StoreBusy(
                    f"The database stopped after an error ({str(err).splitlines()[0][:200]}) and is being "
                    "reopened; please try again."
                ) from err
            raise
        finally:
            self._local.sessions = self._depth() - 1
            try:
                cursor.close()
            finally:
                with self._cond:
                    self._leave()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the process's write lock (re-entrant) for a write or a transaction."""
        with self._write_lock:
            self._local.writes = getattr(self._local, "writes", 0) + 1
            try:
                yield
            finally:
                self._local.writes -= 1

    def _admit(self, deadline: float) -> None:
        """Wait (holding `_cond` between waits) until this thread may use an open instance."""
        while True:
            now = time.monotonic()
            nested = self._depth() > 0
            paused = self._yielding or self._broken or self._closed_for_maintenance
            if self._con is not None and (nested or not paused):
                if nested or now - self._opened_at < MIN_TURN_S or not self._other_process_waiting():
                    return
                logger.debug("another process waits for %s; letting go after %d operation(s)", self.path, self._users)
                self._yielding = True
                if self._users == 0:
                    self._close()
                continue
            may_open = self._con is None and not self._closed_for_maintenance
            if may_open and now >= max(self._resume_at, self._next_attempt_at) and self._try_open():
                return
            if now >= deadline:
                raise StoreBusy(message("services.store.busy"))
            wake = max(self._resume_at, self._next_attempt_at) if self._con is None else now + 0.05
            self._cond.wait(max(0.001, min(wake, deadline) - now))

    def _try_open(self) -> bool:
        if not self.path.exists():
            self.migrated = False  # a new file (or one removed since): it needs the tables again
        try:
            con = duckdb.connect(str(self.path))
        except duckdb.Error as err:
            if is_lock_error(err) or is_transient(err):
                self._announce()
                self._next_attempt_at = time.monotonic() + self._attempt_delay
                self._attempt_delay = min(self._attempt_delay * 2, _POLL_S[1])
                return False
            mine = translate(err, self.path)
            if mine is not None:
                raise mine from err
            raise
        try:
            if not self.migrated:
                with self.writing():
                    migrate(con)
                self.migrated = True
        except BaseException as err:
            con.close()
            mine = translate(err, self.path)
            if mine is not None:
                raise mine from err
            raise
        self._con = con
        self._opened_at = time.monotonic()
        self._attempt_delay = _POLL_S[0]
        self._next_attempt_at = 0.0
        self._withdraw()
        if self._closer is None:  # cleared by the closer itself, under the same lock, when it stops
            self._closer = threading.Thread(target=self._close_when_idle, name="suite-db-idle-close", daemon=True)
            self._closer.start()
        return True

    def _leave(self) -> None:
        self._users -= 1
        if self._users == 0:
            self._idle_since = time.monotonic()
            if self._yielding or self._broken or self._closed_for_maintenance:
                self._close()
        self._cond.notify_all()

    def _close(self) -> None:
        if self._con is not None:
            try:
                self._con.close()
            except duckdb.Error:
                logger.exception("closing %s failed", self.path)
            self._con = None
        if self._yielding:
            self._resume_at = time.monotonic() + YIELD_GAP_S
        self._yielding = self._broken = False
        self._cond.notify_all()

    def _close_when_idle(self) -> None:
        with self._cond:
            while self._con is not None:
                if self._users == 0:
                    idle = time.monotonic() - self._idle_since
                    if idle >= IDLE_CLOSE_S or (idle >= WAITING_IDLE_S and self._other_process_waiting()):
                        self._close()
                        break
                    self._cond.wait(0.01)
                else:
                    self._cond.wait(0.05)
            self._closer = None

    def release(self) -> None:
        """Close the file now if no operation uses it (e.g. before the process copies or exits)."""
        with self._cond:
            if self._users == 0:
                self._close()

    @contextlib.contextmanager
    def exclusive(self, wait_s: float) -> Iterator[None]:
        """No operation of this process uses or opens the file inside (for restoring it); others wait."""
        deadline = time.monotonic() + wait_s
        with self._cond:
            while self._closed_for_maintenance:
                if not self._cond.wait(max(0.001, deadline - time.monotonic())):
                    raise StoreBusy("Another maintenance task is using the database; try again when it ends.")
            self._closed_for_maintenance = True
            try:
                while self._users:
                    if time.monotonic() >= deadline:
                        raise StoreBusy("The database is in use in this process; try again in a minute.")
                    self._cond.wait(0.05)
                self._close()
            except BaseException:
                self._closed_for_maintenance = False
                self._cond.notify_all()
                raise
        try:
            yield
        finally:
            with self._cond:
                self._closed_for_maintenance = False
                self.migrated = False
                self._cond.notify_all()

    # -- taking turns with other processes -------------------------------------------------------------
    def _announce(self) -> None:
        now = time.monotonic()
        if now - self._announced_at < 0.02:
            return
        self._announced_at = now
        try:
            fd = os.open(self.waiting_note, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)
        except OSError:
            pass  # only a courtesy: without it the other process still lets go when idle

    def _withdraw(self) -> None:
        self._announced_at = 0.0
        try:
            if self.waiting_note.read_text().strip() == str(os.getpid()):
                self.waiting_note.unlink()
        except (OSError, ValueError):
            pass

    def _other_process_waiting(self) -> bool:
        try:
            if time.time() - self.waiting_note.stat().st_mtime > WAITING_FRESH_S:
                return False
            pid = self.waiting_note.read_text().strip()
        except (OSError, ValueError):
            return False
        return bool(pid) and pid != str(os.getpid())


_databases: weakref.WeakValueDictionary[str, Database] = weakref.WeakValueDictionary()
_databases_guard = threading.Lock()


def database_for(path: Path) -> Database:
    """The one `Database` of this process for `path`, however many `Store` objects point at it."""
    key = str(path.resolve())
    with _databases_guard:
        database = _databases.get(key)
        if database is None:
            database = Database(Path(key))
            _databases[key] = database
        return database
