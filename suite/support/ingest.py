"""Adding help articles to the knowledge base: parse each file, cut it into cited chunks, store the batch.

A batch is one transaction: every usable file goes in with its chunks, or (when the write fails) none does;
files that cannot be used are skipped with the reason and change nothing. Files are read one at a time,
after a size check, so a folder of large files never sits in memory at once.

Each document is keyed by its `source`: the file's path inside the folder that was ingested (`guides/faq.md`),
or its name for a file given directly or uploaded. Two different files that would get the same source (the
same name in two folders) are told apart by their folder (`billing/faq.md`); the same file ingested again
keeps its source, so re-ingesting is idempotent.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from suite.errors import InvalidInput, NotFound, message
from suite.progress import Progress, no_progress
from suite.store import Store
from suite.support import queries
from suite.support.models import UNCHANGED, Chunk, IngestReport, LeftOut, SkippedFile
from suite.support.parsing import MAX_FILE_MB, MAX_TEXT_CHARS, SUPPORTED, Parsed, parse
from suite.uploads import check_size, check_upload, display_name

logger = logging.getLogger(__name__)

CHUNK_CHARS = 700  # a section longer than this is cut into overlapping windows
OVERLAP_SENTENCES = 1
MAX_FILES = 10_000  # files in one ingest (a help center has hundreds)
MAX_BATCH_CHARS = 50 * MAX_TEXT_CHARS  # text held in memory for one batch before it is written


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？])\s+|\n+", text) if s.strip()]


def chunk(source: str, parsed: Parsed) -> list[Chunk]:
    """One chunk per section; long sections become windows of sentences overlapping by one sentence."""
    chunks: list[Chunk] = []
    for heading, text in parsed.sections:
        windows, current = [], []
        for sentence in _sentences(text):
            if current and sum(len(s) + 1 for s in current) + len(sentence) > CHUNK_CHARS:
                windows.append(current)
                current = current[-OVERLAP_SENTENCES:] if OVERLAP_SENTENCES else []
            current.append(sentence)
        if current:
            windows.append(current)
        for window in windows:
            position = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=f"{source}#{position}",
                    source=source,
                    position=position,
                    title=parsed.title,
                    heading=heading,
                    anchor=slug(heading) if heading else "",
                    text=" ".join(window),
                )
            )
    return chunks


@dataclass(frozen=True)
class Item:
    """One file to ingest: its label (the source it would get), where it came from, and how to read it."""

    label: str
    origin: str | None  # the resolved path of a file on disk; None for an upload
    size: int
    read: Callable[[], bytes]


@dataclass(frozen=True)
class Prepared:
    """A parsed file, ready to be written."""

    source: str
    origin: str | None
    title: str
    kind: str
    content_hash: str
    size: int
    chunks: list[Chunk]


def _walk(folder: Path) -> list[Path]:
    """Files under a folder, sorted, without hidden files or folders and without following folder links."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
        if len(found) > MAX_FILES:
            break
    return found


def _from_disk(path: Path, label: str) -> Item:
    """A file found on disk; it is read only when ingested, and never past the size limit."""
    limit = MAX_FILE_MB * 2**20

    def read() -> bytes:
        if not path.is_file():  # a pipe, a device or a broken link: reading it could block or never end
            raise OSError("it is not a regular file")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            check_size(label, len(data), max_mb=MAX_FILE_MB)
        return data

    try:
        size = path.stat().st_size if path.is_file() else 0
        origin = str(path.resolve()) if path.is_file() else None
    except OSError:
        size, origin = 0, None
    return Item(label, origin, size, read)


def path_items(paths: list[Path]) -> list[Item]:
    """The files to ingest from files and folders (recursively), each labelled by its path inside its folder.

    Raises:
        NotFound: a path does not exist.
        InvalidInput: a path is neither a file nor a folder, a folder holds no files, or there are too many.
    """
    items: list[Item] = []
    for path in map(Path, paths):
        if path.is_dir():
            files = _walk(path)
            if not files:
                raise InvalidInput(message("services.support.no_files", path=str(path)))
            items.extend(_from_disk(file, file.relative_to(path).as_posix()) for file in files)
        elif path.is_file():
            items.append(_from_disk(path, path.name))
        elif path.exists() or path.is_symlink():
            raise InvalidInput(message("services.support.not_a_file", path=str(path)))
        else:
            raise NotFound(f"{path} does not exist.")
        if len(items) > MAX_FILES:
            raise InvalidInput(message("services.support.too_many", limit=MAX_FILES))
    seen: set[str] = set()
    unique = []
    for item in items:  # a file named twice (a folder and a file in it) is ingested once
        if item.origin is None or item.origin not in seen:
            unique.append(item)
            seen.add(item.origin or "")
    return unique


def upload_items(files: list[tuple[str, bytes]]) -> list[Item]:
    """Uploads as (file name, bytes); the name is never a path, only the label."""
    return [Item(display_name(name), None, len(data), lambda data=data: data) for name, data in files]


def _distinct(item: Item, taken: set[str]) -> str:
    """A source for `item` that no other document has: its label under its folders (`billing/faq.md`), else
    numbered (`faq (2).md`: uploads have no folders)."""
    if item.origin:
        label = item.label
        depth = len(PurePosixPath(label).parts) - 1
        for parent in list(PurePosixPath(Path(item.origin).as_posix()).parents)[depth:]:
            if not parent.name:
                break
            label = f"{parent.name}/{label}"
            if label not in taken:
                return label
    stem, dot, suffix = item.label.rpartition(".")
    number = 2
    while True:
        label = f"{stem} ({number}).{suffix}" if dot and stem else f"{item.label} ({number})"
        if label not in taken:
            return label
        number += 1


def _source_for(item: Item, known: dict[str, queries.KnownDocument], by_origin: dict[str, str], used: set[str]) -> str:
    """The source an item is stored under (see the module docstring)."""
    if item.origin and item.origin in by_origin and by_origin[item.origin] not in used:
        return by_origin[item.origin]
    label = item.label
    holder = known.get(label)
    other_file = (
        holder is not None
        and item.origin is not None
        and holder.origin is not None
        and holder.origin != item.origin
        and Path(holder.origin).is_file()  # a file that moved is the same document; one still there is not
    )
    if label in used or other_file:
        return _distinct(item, set(known) | used)
    return label


def _skip(report: IngestReport, source: str, reason: str) -> None:
    report.skipped.append(SkippedFile(source, reason))


def ingest(
    store: Store, items: list[Item], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Parse every item, then write all usable ones in one transaction; see the module docstring."""
    report = IngestReport()
    known = queries.known_documents(store)
    by_origin = {doc.origin: source for source, doc in known.items() if doc.origin}
    used: set[str] = set()
    prepared: list[Prepared] = []
    moved: list[tuple[str, str]] = []  # (source, origin) of unchanged files read from a new place
    held = 0
    total = max(len(items), 1)
    for done, item in enumerate(items):
        progress(done, total, item.label)
        source = _source_for(item, known, by_origin, used)
        used.add(source)
        try:
            # A file of a type we cannot read, or too big, is refused by its name and size before it is read.
            check_upload(item.label, b"-", allowed=SUPPORTED, max_mb=MAX_FILE_MB)
            check_size(item.label, item.size, max_mb=MAX_FILE_MB)
            data = item.read()
        except InvalidInput as err:
            too_big = item.size > MAX_FILE_MB * 2**20
            said = err.message or str(err)
            _skip(report, source, message("services.support.split", reason=said) if too_big else said)
            continue
        except OSError as err:
            name, why = display_name(item.label), str(err.strerror or err)
            _skip(report, source, message("services.support.unreadable", name=name, why=why))
            continue
        content_hash = hashlib.sha256(data).hexdigest()
        if source in known and known[source].content_hash == content_hash:
            _skip(report, source, UNCHANGED)
            if item.origin and known[source].origin != item.origin:
                moved.append((source, item.origin))
            continue
        try:
            parsed = parse(item.label, data)
            chunks = chunk(source, parsed)
        except InvalidInput as err:
            _skip(report, source, err.message or str(err))
            continue
        chars = sum(len(c.text) for c in chunks)
        if held + chars > MAX_BATCH_CHARS:
            _skip(report, source, message("services.support.batch_full", name=item.label))
            continue
        held += chars
        del data
        prepared.append(Prepared(source, item.origin, parsed.title, parsed.kind, content_hash, item.size, chunks))
        report.left_out.extend(LeftOut(source, problem) for problem in parsed.problems)
        (report.replaced if source in known else report.added).append(source)
        report.chunks += len(chunks)
    progress(total - 0.5, total, message("services.progress.saving"))
    if prepared or moved:
        queries.replace_documents(store, prepared, moved=moved, user=user)
    progress(total, total, message("services.progress.done"))
    logger.info(
        "ingest: %d added, %d replaced, %d skipped, %d chunks",
        len(report.added),
        len(report.replaced),
        len(report.skipped),
        report.chunks,
    )
    return report


def ingest_paths(
    store: Store, paths: list[Path], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Ingest files and folders (recursively); unsupported or broken files are skipped with a reason."""
    return ingest(store, path_items(paths), user=user, progress=progress)


def ingest_items(
    store: Store, items: list[tuple[str, bytes]], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Ingest uploads given as (file name, bytes); the name is the citation `source` and the replacement key."""
    return ingest(store, upload_items(items), user=user, progress=progress)
