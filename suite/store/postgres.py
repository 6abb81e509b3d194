"""The store on PostgreSQL (`SUITE_DATABASE_URL=postgresql://...`): the same API as the DuckDB file, many processes.

`PgDatabase` stands where `database.Database` stands for DuckDB (sessions, the process's write lock,
`release`), and `PgCursor` where a DuckDB cursor stands: `execute(sql, params)` with the suite's DuckDB SQL
(translated by `suite.store.dialect`), `fetchone`/`fetchall`/`description`/`df()`, `executemany`, and
`register(name, frame)` (a temporary table). Connections are psycopg 3, in autocommit mode, so that
`BEGIN`/`COMMIT` sent by `Store.transaction` mean what they mean on DuckDB; a thread's nested operations use
its one connection. Values come back as DuckDB gives them: JSON as text, `numeric` as float.

PostgreSQL takes many writers at once, so processes never take turns for the file here: the journal still
takes the writes (a request never waits for the network), and each process's flusher copies its rows in with
`ON CONFLICT DO NOTHING`, exactly once. `Store.transaction` bodies of all processes take turns on an advisory
lock (`take_write_turn`), as they do on DuckDB, because they read and then write. Migrations run under an
advisory lock, once per database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Dumper, Loader
from psycopg.types.json import set_json_loads

from suite.errors import InvalidInput, StoreBusy, StoreFull, message
from suite.store.dialect import COMPAT_FUNCTIONS, to_postgres
from suite.store.schema import migrate

logger = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MIGRATE_LOCK = 4_200_020  # pg_advisory_lock key: one process migrates at a time
_WRITE_TURN = 4_200_021  # pg_advisory_xact_lock key: one `Store.transaction` of all processes at a time
_POOL_SIZE = 8  # idle connections kept per process
_DATE_OIDS = {1082, 1114, 1184}  # date, timestamp, timestamptz: DataFrame columns of datetimes, as DuckDB gives
TRANSIENT = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.LockNotAvailable)
DATA_ERRORS = (pg_errors.DataError, pg_errors.IntegrityError, pg_errors.ProgrammingError)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def _text(data: Any) -> str:
    return bytes(data).decode() if isinstance(data, bytes | bytearray | memoryview) else str(data)


class _TextArray(list):
    """A list of texts as a parameter: sent as `'{...}'::text[]`, so `unnest(?)` or `IN (SELECT unnest(?))` work."""


class _TextArrayDumper(Dumper):
    oid = 1009  # text[]

    def dump(self, obj: list) -> bytes:
        items = ("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in obj)
        return ("{" + ",".join(items) + "}").encode()

    def quote(self, obj: list) -> bytes:
        return b"'" + self.dump(obj).replace(b"'", b"''") + b"'::text[]"


def _python(value: Any) -> Any:
    """A parameter psycopg can send: numpy and pandas scalars as Python, NaN/NaT as NULL, dicts as JSON text."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, np.ndarray | tuple | list):
        items = [_python(v) for v in value]
        return _TextArray(items) if all(v is None or isinstance(v, str) for v in items) else items
    return value


def _params(params: Sequence[Any] | dict | None) -> list[Any] | None:
    if not params:
        return None
    if isinstance(params, dict):
        raise InvalidInput("Named parameters are not supported on PostgreSQL; pass a list for the ? marks.")
    return [_python(p) for p in params]


def _pg_type(series: pd.Series) -> str:
    """The column type of a registered frame's column."""
    kind = series.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMPTZ" if getattr(series.dtype, "tz", None) is not None else "TIMESTAMP"
    sample = next((v for v in series if v is not None and not (isinstance(v, float) and math.isnan(v))), None)
    if isinstance(sample, bool | np.bool_):
        return "BOOLEAN"
    if isinstance(sample, int | np.integer):
        return "BIGINT"
    if isinstance(sample, float | np.floating):
        return "DOUBLE PRECISION"
    if isinstance(sample, datetime):
        return "TIMESTAMPTZ" if sample.tzinfo is not None else "TIMESTAMP"
    if isinstance(sample, date):
        return "DATE"
    if isinstance(sample, list | tuple | np.ndarray):
        return "TEXT[]"
    if isinstance(sample, dict):
        return "JSON"
    if isinstance(sample, bytes):
        return "BYTEA"
    return "TEXT"


class _Catalog:
    """Primary keys and column types of the server's tables (cached; tables change only by migrations)."""

    def __init__(self) -> None:
        self._keys: dict[str, list[str]] = {}
        self._columns: dict[str, dict[str, str]] = {}
        self._types: dict[str, dict[str, str]] | None = None
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._columns.clear()
            self._types = None

    def types(self, conn: psycopg.Connection) -> dict[str, dict[str, str]]:
        """Every table's column types as SQL (`timestamp with time zone`, `character varying[]`...)."""
        with self._lock:
            if self._types is not None:
                return self._types
        rows = conn.execute(
            """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
               ORDER BY c.relname, a.attnum"""
        ).fetchall()
        found: dict[str, dict[str, str]] = {}
        for table, column, kind in rows:
            found.setdefault(table, {})[column] = kind
        with self._lock:
            self._types = found
            return found

    def frame_types(self, conn: psycopg.Connection, frame: pd.DataFrame) -> list[str]:
        """Column types for a registered frame: those of the table it most likely goes into, else from its values.

        A frame registered to be copied into a table has that table's column names; typing the temporary
        table like it lets PostgreSQL read ISO texts as timestamps and an all-NULL column as what it will be.
        """
        names = [str(c) for c in frame.columns]
        candidates = [
            (len(columns) - len(names), table)
            for table, columns in self.types(conn).items()
            if set(names) <= set(columns)
        ]
        if candidates:
            columns = self.types(conn)[min(candidates)[1]]
            return [columns[name] for name in names]
        return [_pg_type(frame[c]) for c in frame.columns]

    def primary_key(self, conn: psycopg.Connection, table: str) -> list[str]:
        with self._lock:
            if table in self._keys:
                return self._keys[table]
        rows = conn.execute(
            """SELECT a.attname FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE i.indrelid = to_regclass(%s) AND i.indisprimary
               ORDER BY array_position(i.indkey::int2[], a.attnum)""",
            [table],
        ).fetchall()
        with self._lock:
            self._keys[table] = [r[0] for r in rows]
            return self._keys[table]

    def columns(self, conn: psycopg.Connection, table: str) -> dict[str, str]:
        with self._lock:
            if table in self._columns:
                return self._columns[table]
        rows = conn.execute(
            """SELECT column_name, data_type FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position""",
            [table],
        ).fetchall()
        with self._lock:
            self._columns[table] = {r[0]: r[1] for r in rows}
            return self._columns[table]


class PgCursor:
    """What the suite uses of a DuckDB cursor, on one PostgreSQL connection."""

    dialect = "postgres"

    def __init__(self, conn: psycopg.Connection, catalog: _Catalog) -> None:
        self._conn = conn
        self._catalog = catalog
        self._cur = conn.cursor()
        self._registered: list[str] = []

    def _sql(self, sql: str, with_params: bool) -> str:
        return to_postgres(
            sql,
            with_params=with_params,
            primary_key=lambda t: self._catalog.primary_key(self._conn, t),
            columns_of=lambda t: list(self._catalog.columns(self._conn, t)),
        )

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> PgCursor:
        values = _params(params)
        self._cur.execute(self._sql(sql, values is not None), values)  # type: ignore[arg-type]
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> PgCursor:
        self._cur.executemany(self._sql(sql, True), [[_python(v) for v in row] for row in rows])  # type: ignore[arg-type]
        return self

    def fetchone(self) -> tuple | None:
        if self._cur.description is None:  # INSERT/UPDATE/DELETE: DuckDB answers one row, the count
            return (self._cur.rowcount,)
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple]:
        if self._cur.description is None:
            return [(self._cur.rowcount,)]
        return self._cur.fetchall()

    def fetchmany(self, size: int = 1) -> list[tuple]:
        return self._cur.fetchmany(size)

    @property
    def description(self) -> list[tuple] | None:
        if self._cur.description is None:
            return None
        return [(d.name, d.type_code, None, None, None, None, None) for d in self._cur.description]

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def df(self) -> pd.DataFrame:
        """The result as a DataFrame, dates and times as datetime64 columns (as DuckDB's `.df()`)."""
        described = self._cur.description or []
        frame = pd.DataFrame(self._cur.fetchall(), columns=[d.name for d in described])
        for column in described:
            if column.type_code in _DATE_OIDS and not frame.empty:
                frame[column.name] = pd.to_datetime(frame[column.name], utc=column.type_code == 1184)
        return frame

    def fetchdf(self) -> pd.DataFrame:
        return self.df()

    def register(self, name: str, frame: pd.DataFrame) -> PgCursor:
        """`frame` as a temporary table `name` of this connection (until `unregister`, or the transaction ends)."""
        if not _IDENTIFIER.fullmatch(name) or not all(_IDENTIFIER.fullmatch(str(c)) for c in frame.columns):
            raise ValueError(f"not a table or column name: {name!r} {list(frame.columns)[:20]}")
        in_block = self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        types = self._catalog.frame_types(self._conn, frame)
        columns = ", ".join(f'"{c}" {kind}' for c, kind in zip(frame.columns, types, strict=True))
        self._cur.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')
        self._cur.execute(f'CREATE TEMP TABLE "{name}" ({columns})' + (" ON COMMIT DROP" if in_block else ""))
        names = ", ".join(f'"{c}"' for c in frame.columns)
        with self._cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row([_python(v) for v in row])
        if not in_block:
            self._registered.append(name)
        return self

    def unregister(self, name: str) -> PgCursor:
        aborted = self._conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        if _IDENTIFIER.fullmatch(name) and not aborted:  # in a failed transaction it goes with the ROLLBACK
            self._cur.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')
        with contextlib.suppress(ValueError):
            self._registered.remove(name)
        return self

    def take_write_turn(self, wait_s: float) -> None:
        """Inside BEGIN: wait (up to `wait_s`) until no other process's `Store.transaction` runs, as on DuckDB.

        The suite's transactions read and then write what they read (enqueue's "already queued?", claim's lock
        row); run side by side under READ COMMITTED two processes could both decide the same. The journal's
        inserts do not take this turn: `ON CONFLICT DO NOTHING` needs none.

        Raises:
            StoreBusy: another process's transaction held the turn longer than `wait_s`.
        """
        self._cur.execute(f"SET LOCAL lock_timeout = '{max(1, int(wait_s * 1000))}ms'")
        try:
            self._cur.execute("SELECT pg_advisory_xact_lock(%s)", [_WRITE_TURN])
        except pg_errors.LockNotAvailable as err:
            raise StoreBusy(message("services.store.busy_saving")) from err
        self._cur.execute("SET LOCAL lock_timeout = 0")

    def insert_rows(self, table: str, rows: list[dict]) -> None:
        """`INSERT ... ON CONFLICT DO NOTHING` of journaled rows (JSON columns get JSON text)."""
        if not _IDENTIFIER.fullmatch(table):
            raise ValueError(f"not a table name: {table!r}")
        names: list[str] = list(dict.fromkeys(key for row in rows for key in row))
        if not all(_IDENTIFIER.fullmatch(str(c)) for c in names):
            raise ValueError(f"not a column name among {names[:20]}")
        types = self._catalog.columns(self._conn, table)
        if not types:
            raise pg_errors.UndefinedTable(f'relation "{table}" does not exist')

        def value(column: str, raw: Any) -> Any:
            if types.get(column) in ("json", "jsonb") and raw is not None and not isinstance(raw, str):
                return json.dumps(raw, default=str, ensure_ascii=False)
            return _python(raw)

        columns = ", ".join(f'"{c}"' for c in names)
        marks = ", ".join(["%s"] * len(names))
        self._cur.executemany(
            f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING',
            [[value(c, row.get(c)) for c in names] for row in rows],
        )

    def close(self) -> None:
        for name in self._registered:
            with contextlib.suppress(psycopg.Error):
                self._cur.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')
        self._registered.clear()
        self._cur.close()


class _NumberLoader(Loader):
    """`numeric` as DuckDB gives its results: whole numbers as int (sums), others as float (avg, round)."""

    def load(self, data: Any) -> int | float:
        text = _text(data)
        try:
            return int(text)
        except ValueError:
            return float(text)


def _connect(url: str, timeout_s: float) -> psycopg.Connection:
    # Parameters are bound client-side, as literals: the server then types `? IS NULL`, a NULL list or an ISO
    # timestamp text from the statement around it, as DuckDB does (server-side binding refuses an untyped NULL).
    conn = psycopg.connect(
        url, autocommit=True, connect_timeout=max(1, math.ceil(timeout_s)), cursor_factory=psycopg.ClientCursor
    )
    set_json_loads(_text, conn)  # JSON comes back as text, as DuckDB returns it (`from_json` reads it)
    conn.adapters.register_loader("numeric", _NumberLoader)
    conn.adapters.register_dumper(_TextArray, _TextArrayDumper)
    return conn


class PgDatabase:
    """The process's connections to one PostgreSQL database; get it with `database_for_url(url)`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = safe_url(url)  # what messages name where DuckDB names its file
        self.catalog = _Catalog()
        self._pool: list[psycopg.Connection] = []
        self._guard = threading.Lock()
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._pid = os.getpid()
        self.migrated = False

    def in_session(self) -> bool:
        return getattr(self._local, "sessions", 0) > 0

    def in_write(self) -> bool:
        return getattr(self._local, "writes", 0) > 0

    def _take(self, wait_s: float) -> psycopg.Connection:
        with self._guard:
            if self._pid != os.getpid():  # a forked child never uses its parent's connections
                self._pool, self._pid = [], os.getpid()
            while self._pool:
                conn = self._pool.pop()
                if not conn.closed and not conn.broken:
                    return conn
        try:
            conn = _connect(self.url, wait_s)
        except psycopg.OperationalError as err:
            raise StoreBusy(
                f"The database {self.path} cannot be reached ({str(err).strip().splitlines()[0][:200]}). Check that "
                "PostgreSQL runs and SUITE_DATABASE_URL points at it, then try again."
            ) from err
        if not self.migrated:
            self._migrate(conn)
        return conn

    def _migrate(self, conn: psycopg.Connection) -> None:
        with self._write_lock:
            conn.execute("SELECT pg_advisory_lock(%s)", [_MIGRATE_LOCK])
            try:
                conn.execute(COMPAT_FUNCTIONS)
                cursor = PgCursor(conn, self.catalog)
                try:
                    migrate(cursor)  # type: ignore[arg-type]
                finally:
                    cursor.close()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATE_LOCK])
            self.catalog.clear()
            self.migrated = True

    def _give_back(self, conn: psycopg.Connection) -> None:
        if conn.closed or conn.broken:
            return
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()  # an operation left a transaction open: never hand it to the next one
        with self._guard:
            if len(self._pool) < _POOL_SIZE:
                self._pool.append(conn)
                return
        conn.close()

    @contextlib.contextmanager
    def session(self, wait_s: float) -> Iterator[PgCursor]:
        """A cursor for one operation; nested operations of a thread share its connection.

        Raises:
            StoreBusy: the server cannot be reached (or the connection was lost); try again.
            StoreFull: the server's disk is full.
        """
        depth = getattr(self._local, "sessions", 0)
        conn = self._local.conn if depth else self._take(wait_s)
        self._local.conn = conn
        self._local.sessions = depth + 1
        cursor = PgCursor(conn, self.catalog)
        try:
            yield cursor
        except psycopg.Error as err:
            if isinstance(err, pg_errors.DiskFull):
                raise StoreFull(
                    f"The disk of the database server ({self.path}) is full, so this change was not saved. "
                    "Free space on the server and try again."
                ) from err
            if conn.broken or isinstance(err, pg_errors.AdminShutdown):
                raise StoreBusy(
                    f"The connection to {self.path} was lost ({str(err).strip().splitlines()[0][:200]}); "
                    "please try again."
                ) from err
            raise
        finally:
            self._local.sessions = depth
            with contextlib.suppress(psycopg.Error):
                cursor.close()
            if depth == 0:
                self._local.conn = None
                self._give_back(conn)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """The process's write lock (re-entrant), as on DuckDB: one transaction of this process at a time."""
        with self._write_lock:
            self._local.writes = getattr(self._local, "writes", 0) + 1
            try:
                yield
            finally:
                self._local.writes -= 1

    def release(self) -> None:
        """Close the idle connections (before the process exits)."""
        with self._guard:
            pool, self._pool = self._pool, []
        for conn in pool:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    @contextlib.contextmanager
    def exclusive(self, wait_s: float) -> Iterator[None]:
        raise InvalidInput(
            f"The store is on PostgreSQL ({self.path}): back it up and restore it with pg_dump and pg_restore; "
            "`suite store backup/restore` handle the DuckDB file only."
        )
        yield  # pragma: no cover


_databases: dict[str, PgDatabase] = {}
_databases_guard = threading.Lock()


def database_for_url(url: str) -> PgDatabase:
    """The one `PgDatabase` of this process for `url`."""
    with _databases_guard:
        database = _databases.get(url)
        if database is None:
            database = _databases[url] = PgDatabase(url)
        return database
