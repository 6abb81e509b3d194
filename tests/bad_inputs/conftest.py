"""The bad-input corpus harness: every case must end cleanly and change nothing.

A case runs one CLI command in-process (`refused.cli(...)`) or one service function (`refused.call(...)`)
on a fresh SUITE_HOME and asserts: exit 0 or 2 (or a `SuiteError` for a function), a one-line message, no
traceback, within a time limit, and — for a refusal — the same rows in every table (the audit trail, which records
the attempt, aside) and the same files under
SUITE_HOME before and after (the write journal included), checked rather than assumed.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from suite import clikit
from suite.errors import SuiteError
from suite.store import Store


# The audit trail records every attempt, refused or not (who tried what, with which outcome): that append is the
# one change a refused operation makes on purpose, so the snapshot compares every other table and journal row.
def _is_audit(line: str) -> bool:
    return json.loads(line).get("table") == "audit"


def store_snapshot(store: Store) -> dict[str, Any]:
    """Row count and content hash of every table, and size/hash of every file under SUITE_HOME."""
    store.flush(wait_s=5.0)
    tables = {}
    with store.connect() as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for name in sorted(names):
            if name == "audit":
                continue
            rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
            tables[name] = (len(rows), hashlib.sha1(repr(sorted(map(repr, rows))).encode()).hexdigest())
    files = {}
    for path in sorted(store.settings.home.rglob("*")):
        if path.is_file() and path.suffix not in (".duckdb", ".wal") and "spool" not in path.parts:
            files[str(path.relative_to(store.settings.home))] = hashlib.sha1(path.read_bytes()).hexdigest()
    pending = []  # journal rows not yet in the database, the audit trail's aside
    for path in sorted(store.settings.spool_dir.glob("*.jsonl")) if store.settings.spool_dir.exists() else []:
        pending += [line for line in path.read_text().splitlines() if line and not _is_audit(line)]
    return {"tables": tables, "files": files, "journal": pending}


@contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise TimeoutError(f"the case did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    code: int
    message: str


class Refused:
    """Runs one bad-input case and checks that it ended cleanly (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def cli(self, *args: str, expect: tuple[int, ...] = (2,), limit_s: float = 120, changes: bool = False) -> Outcome:
        from suite.cli import app

        clikit.reset()
        before = None if changes else store_snapshot(self.store)
        with time_limit(limit_s):
            result = CliRunner().invoke(app, list(args), env={**os.environ})
        clikit.reset()
        output = (result.stderr or "") + (result.stdout if result.exit_code else "")
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in output, output
        assert result.exit_code in expect, f"exit {result.exit_code}: {output}"
        message = (result.stderr or "").strip()
        if result.exit_code == 2:
            assert len(message.splitlines()) == 1, f"expected one line, got: {message!r}"
        if before is not None:
            assert store_snapshot(self.store) == before, "a refused command changed the store or files"
        return Outcome(result.exit_code, message)

    def call(self, func: Callable[[], Any], *, limit_s: float = 120, changes: bool = False) -> Outcome:
        """A service call that must raise a `SuiteError` with a one-line message and change nothing."""
        before = None if changes else store_snapshot(self.store)
        with time_limit(limit_s), pytest.raises(SuiteError) as caught:
            func()
        message = str(caught.value)
        assert message and len(message.strip().splitlines()) == 1, f"expected one line, got: {message!r}"
        if before is not None:
            assert store_snapshot(self.store) == before, "a refused call changed the store or files"
        return Outcome(2, message)


@pytest.fixture
def refused(store) -> Refused:
    return Refused(store)


@pytest.fixture
def bad_files(tmp_path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    return folder
