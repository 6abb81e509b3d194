"""An append-only journal of rows waiting to reach DuckDB.

DuckDB lets one process hold the database file at a time; the dashboard and the retraining worker are
two processes. So writes that must never be lost (events, feedback, tickets...) are first appended to a
per-process JSON Lines file (tens of microseconds, never blocked by the database) and copied into DuckDB
in batches by whichever process can open it. Rows carry their primary key and are inserted with
`INSERT OR IGNORE`, so a batch copied twice (a crash between commit and delete) still lands exactly once.

A file goes through three names: `<id>.open.jsonl` while its process appends, `<id>.ready.jsonl` once
sealed (by its process, or by anyone if that process is gone), and it is deleted after its rows commit; its
lines are first appended to an hourly archive in `copied/`, kept a week so that restoring a backup can
replay the rows written since the backup.
`<id>` is `j1_<host as hex>_<pid>_<random>`: hex has no separator in it, so any host name (`web-1`,
`db.eu-west`) reads back exactly. The owning process holds an exclusive `flock` on its open file; the
kernel drops it when the process dies (even by `kill -9`), so "can I take the lock?" tells a dead owner
from a live one without trusting the pid, which the system may have given to another process since.

Every append is written in full (a short write is continued) or not at all: on a full disk the partial
line is cut off again and `StoreFull` is raised, so the caller never reports a row as saved that is not.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from suite.errors import StoreFull

logger = logging.getLogger(__name__)

_NAME = re.compile(r"j1_([0-9a-f]+)_(\d+)_([0-9a-f]+)")
_LEGACY_NAME = re.compile(r"(.+)-(\d+)-([0-9a-f]{8})")  # `<host>-<pid>-<random>`, written before names were encoded
_SPACE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_STALE_INIT_S = 60.0


def host_name() -> str:
    return socket.gethostname()


def host_tag(host: str | None = None) -> str:
    """The host name as it appears in journal file names (hex, so any character survives)."""
    return (host if host is not None else host_name()).encode("utf-8").hex()


def parse_name(name: str) -> tuple[str, int] | None:
    """`(host, pid)` of a journal file name, for both the encoded and the legacy form; None if neither."""
    stem = name.split(".", 1)[0]
    match = _NAME.fullmatch(stem)
    if match:
        try:
            return bytes.fromhex(match.group(1)).decode("utf-8"), int(match.group(2))
        except ValueError:
            return None
    legacy = _LEGACY_NAME.fullmatch(stem)
    return (legacy.group(1), int(legacy.group(2))) if legacy else None


def is_space_error(err: OSError) -> bool:
    return err.errno in _SPACE_ERRORS


def write_all(fd: int, data: bytes) -> None:
    """`os.write` until every byte is written; a write that makes no progress is a full disk."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, "no progress writing the journal (disk full?)")
        view = view[written:]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_gone(path: Path) -> bool:
    """True when nobody holds the journal file's lock any more (its process closed it or died)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock we may just have taken
    return True


@dataclass
class JournalBatch:
    """The rows of one sealed journal file, by table, and any lines too damaged to read."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    torn: list[str] = field(default_factory=list)


class Journal:
    """Per-process append-only spool of `(table, row)` records under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._size = 0
        self._pid = os.getpid()
        self._pending = 0

    def append(self, table: str, row: dict, *, durable: bool = False) -> None:
        """Write one record in full, or raise `StoreFull` leaving the file as it was.

        `durable` also syncs it to the disk, so the row survives a power cut, not only a crash of this process.
        """
        line = (json.dumps({"table": table, "row": row}, default=str, ensure_ascii=False) + "\n").encode()
        with self._lock:
            fd = self._open_file()
            start = self._size
            try:
                write_all(fd, line)
                if durable:
                    os.fdatasync(fd)
            except OSError as err:
                self._cut_back(fd, start)
                if is_space_error(err):
                    raise StoreFull(
                        f"The disk holding {self.folder} is full, so this {table} record was not saved. "
                        "Free some disk space (or move SUITE_HOME to a larger disk) and try again."
                    ) from err
                raise
            self._size = start + len(line)
            self._pending += 1

    def _open_file(self) -> int:
        if self._fd is not None and self._pid == os.getpid():
            return self._fd
        if self._pid != os.getpid():  # a forked child: the parent's file stays the parent's
            self._fd, self._path, self._size, self._pid, self._pending = None, None, 0, os.getpid(), 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stem = f"j1_{host_tag()}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            # Created under a name nobody scans, locked, then renamed: no one can see it unlocked.
            init = self.folder / f"{stem}.init"
            # readable too: if the file is removed under the process, `seal` writes its rows out again
            fd = os.open(init, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path = self.folder / f"{stem}.open.jsonl"
            init.rename(path)
        except OSError as err:
            if is_space_error(err):
                raise StoreFull(
                    f"The disk holding {self.folder} is full, so nothing more can be saved. Free some disk "
                    "space (or move SUITE_HOME to a larger disk) and try again."
                ) from err
            raise
        self._fd, self._path, self._size = fd, path, 0
        return fd

    def _cut_back(self, fd: int, size: int) -> None:
        """Remove a partly written line, so that a failed append leaves no torn record behind."""
        try:
            os.ftruncate(fd, size)
        except OSError:
            logger.exception("could not cut back a partly written journal line in %s", self._path)

    @property
    def pending(self) -> int:
        return self._pending

    def seal(self) -> None:
        """Close this process's open file so that it can be copied; later appends start a new file."""
        with self._lock:
            if self._fd is None or self._path is None or self._pid != os.getpid():
                return
            # Rename while still holding the lock: nobody can take the file for a dead one's in between.
            ready = self._path.with_name(self._path.name.replace(".open.", ".ready."))
            try:
                self._path.rename(ready)
            except FileNotFoundError:
                self._rescue(self._fd, ready)
            os.close(self._fd)
            self._fd, self._path, self._size, self._pending = None, None, 0, 0

    def _rescue(self, fd: int, ready: Path) -> None:
        """The open file was removed under this process (its folder emptied by hand, a clean-up job): its rows
        are still behind the descriptor, so write them to a new sealed file. If that fails the descriptor stays
        open and the next seal tries again."""
        data = os.pread(fd, self._size, 0)
        self.folder.mkdir(parents=True, exist_ok=True)
        init = ready.with_name(ready.name.replace(".ready.jsonl", ".init"))
        out = os.open(init, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)  # this process's name: a retry overwrites
        try:
            write_all(out, data)
            os.fsync(out)
        finally:
            os.close(out)
        init.rename(ready)
        logger.warning(
            "journal file %s was removed while in use; its %d rows were saved again", ready.name, data.count(b"\n")
        )

    def ready_files(self) -> list[Path]:
        """Sealed files, oldest first, after sealing the open files of processes that died."""
        if not self.folder.exists():
            return []
        for path in self.folder.glob("*.open.jsonl"):
            if self._owned_by_dead_process(path):
                try:
                    path.rename(path.with_name(path.name.replace(".open.", ".ready.")))
                    logger.info("sealed %s, left open by a process that ended", path.name)
                except FileNotFoundError:
                    pass  # another process sealed it first
        self._remove_stale_init_files()
        ready = []
        for path in self.folder.glob("*.ready.jsonl"):
            try:
                ready.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue  # copied and deleted by another process meanwhile
        return [path for _, path in sorted(ready)]

    def _owned_by_dead_process(self, path: Path) -> bool:
        parsed = parse_name(path.name)
        if parsed is None:
            return False
        host, pid = parsed
        if host != host_name() or pid == os.getpid():
            return False  # another machine's file (its own processes seal it), or this process's
        if _NAME.fullmatch(path.name.split(".", 1)[0]):
            return _owner_gone(path)
        return not _pid_alive(pid)  # legacy files carry no lock: fall back to the pid

    def _remove_stale_init_files(self) -> None:
        for path in self.folder.glob("*.init"):
            try:
                if time.time() - path.stat().st_mtime > _STALE_INIT_S and _owner_gone(path):
                    path.unlink()
            except FileNotFoundError:
                continue

    def read(self, path: Path) -> JournalBatch:
        """Rows of one sealed file grouped by table, and the lines that cannot be read (kept, see `keep_torn`)."""
        batch = JournalBatch()
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                    table, row = record["table"], record["row"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    batch.torn.append(line)
                    continue
                batch.rows.setdefault(table, []).append(row)
        return batch

    def keep_torn(self, path: Path, torn: list[str]) -> None:
        """Put unreadable lines of a consumed file aside under `torn/` (never dropped silently)."""
        if not torn:
            return
        keep = self.folder / "torn"
        keep.mkdir(exist_ok=True)
        with (keep / path.name).open("w", encoding="utf-8") as handle:
            handle.writelines(line if line.endswith("\n") else line + "\n" for line in torn)
        logger.warning("%d unreadable line(s) in %s kept in %s", len(torn), path.name, keep)

    # -- copied rows, kept a while so a restored backup can be brought up to date ----------------------
    @property
    def retired_folder(self) -> Path:
        return self.folder / "copied"

    def retire(self, path: Path) -> None:
        """Delete a file whose rows are committed, after appending them to this hour's archive in `copied/`.

        One archive per process and hour (not one file per flush) keeps the folder small; its modification
        time says when rows were last copied, which is what a restore compares with the backup's time.
        """
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return  # another process copied and removed it first
        archive = self.retired_folder / f"{time.strftime('%Y%m%dT%H', time.gmtime())}_{os.getpid()}.jsonl"
        try:
            self.retired_folder.mkdir(exist_ok=True)
            fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                write_all(fd, data if data.endswith(b"\n") or not data else data + b"\n")
            finally:
                os.close(fd)
        except OSError as err:  # only a safety net: the rows are in the database already
            logger.warning("could not keep a copy of %s in %s (%s)", path.name, self.retired_folder, err)
        path.unlink(missing_ok=True)

    def prune_retired(self, max_age_s: float) -> int:
        """Delete archives not written to for `max_age_s`; returns how many."""
        removed = 0
        cutoff = time.time() - max_age_s
        for path in self.retired_folder.glob("*.jsonl") if self.retired_folder.exists() else []:
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def requeue_retired(self, since: float | None) -> tuple[int, int]:
        """Put archives written at or after `since` (Unix time; None: all kept) back in line; (files, lines)."""
        files = lines = 0
        for path in sorted(self.retired_folder.glob("*.jsonl")) if self.retired_folder.exists() else []:
            try:
                if since is not None and path.stat().st_mtime < since:
                    continue
                with path.open("rb") as handle:
                    lines += sum(1 for _ in handle)
                path.rename(self.folder / f"replay-{path.stem}-{uuid.uuid4().hex[:8]}.ready.jsonl")
                files += 1
            except FileNotFoundError:
                continue
        return files, lines

    def backlog(self) -> tuple[int, int]:
        """(files, lines) still waiting to be copied, open files included."""
        if not self.folder.exists():
            return 0, 0
        files = lines = 0
        for path in [*self.folder.glob("*.open.jsonl"), *self.folder.glob("*.ready.jsonl")]:
            try:
                with path.open("rb") as handle:
                    lines += sum(1 for _ in handle)
                files += 1
            except FileNotFoundError:
                continue
        return files, lines
