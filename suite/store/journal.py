"""An append-only journal of rows waiting to reach DuckDB.

DuckDB lets one process hold the database file at a time; the dashboard and the retraining worker are
two processes. So writes that must never be lost (events, feedback, tickets...) are first appended to a
per-process JSON Lines file (tens of microseconds, never blocked by the database) and copied into DuckDB
in batches by whichever process can open it. Rows carry their primary key and are inserted with
`INSERT OR IGNORE`, so a batch copied twice (a crash between commit and delete) still lands exactly once.

A file goes through three names: `<id>.open.jsonl` while its process appends, `<id>.ready.jsonl` once
sealed (by its process, or by anyone if that process is gone), and it is deleted after its rows commit.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)

_HOST = socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Journal:
    """Per-process append-only spool of `(table, row)` records under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._pending = 0

    def append(self, table: str, row: dict) -> None:
        line = (json.dumps({"table": table, "row": row}, default=str, ensure_ascii=False) + "\n").encode()
        with self._lock:
            if self._fd is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                name = f"{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}.open.jsonl"
                self._path = self.folder / name
                self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.write(self._fd, line)  # one write per record: a crash leaves at most one torn last line
            self._pending += 1

    @property
    def pending(self) -> int:
        return self._pending

    def seal(self) -> None:
        """Close this process's open file so that it can be copied; later appends start a new file."""
        with self._lock:
            if self._fd is None or self._path is None:
                return
            os.close(self._fd)
            self._path.rename(self._path.with_name(self._path.name.replace(".open.", ".ready.")))
            self._fd, self._path, self._pending = None, None, 0

    def ready_files(self) -> list[Path]:
        """Sealed files, oldest first, after sealing the open files of processes that died."""
        if not self.folder.exists():
            return []
        for path in self.folder.glob("*.open.jsonl"):
            host, pid = path.name.split("-")[0], path.name.split("-")[1]
            if host == _HOST and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                try:
                    path.rename(path.with_name(path.name.replace(".open.", ".ready.")))
                except FileNotFoundError:
                    pass  # another process sealed it first
        return sorted(self.folder.glob("*.ready.jsonl"), key=lambda p: p.stat().st_mtime)

    def read(self, path: Path) -> dict[str, list[dict]]:
        """Rows of one sealed file grouped by table; a torn line is kept aside, never dropped silently."""
        by_table: dict[str, list[dict]] = {}
        torn: list[str] = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    torn.append(line)
                    continue
                by_table.setdefault(record["table"], []).append(record["row"])
        if torn:
            keep = self.folder / "torn"
            keep.mkdir(exist_ok=True)
            with (keep / path.name).open("a", encoding="utf-8") as handle:
                handle.writelines(torn)
            logger.warning("%d unreadable line(s) in %s kept in %s", len(torn), path.name, keep)
        return by_table
