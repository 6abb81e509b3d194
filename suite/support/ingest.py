"""Adding help articles to the knowledge base: parse each file, cut it into cited chunks, store it.

Re-ingesting a file replaces its chunks in one transaction; a file that fails to parse changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from suite.errors import InvalidInput, NotFound
from suite.progress import Progress, no_progress
from suite.store import Store
from suite.support import queries
from suite.support.models import Chunk, IngestReport, SkippedFile
from suite.support.parsing import SUPPORTED, Parsed, parse
from suite.uploads import display_name

logger = logging.getLogger(__name__)

CHUNK_CHARS = 700  # a section longer than this is cut into overlapping windows
OVERLAP_SENTENCES = 1


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


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise NotFound(f"{path} does not exist.")
    return files


def ingest_paths(
    store: Store, paths: list[Path], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Ingest files and folders (recursively); unsupported or broken files are skipped with a reason."""
    # A file of a type we cannot read is not read at all: the upload check refuses it by its name first.
    items = [
        (file.name, file.read_bytes() if file.suffix.lower() in SUPPORTED else b"")
        for file in _files([Path(p) for p in paths])
    ]
    return ingest_items(store, items, user=user, progress=progress)


def ingest_items(
    store: Store, items: list[tuple[str, bytes]], *, user: str | None = None, progress: Progress = no_progress
) -> IngestReport:
    """Ingest (file name, bytes) pairs; the file's name is the citation `source` and the replacement key."""
    report = IngestReport()
    existing = queries.document_hashes(store)
    total = max(len(items), 1)
    for done, (name, data) in enumerate(items):
        source = display_name(name)
        progress(done, total, source)
        content_hash = hashlib.sha256(data).hexdigest()
        if existing.get(source) == content_hash:
            report.skipped.append(SkippedFile(source, "unchanged since the last ingest"))
            continue
        try:
            parsed = parse(source, data)
            chunks = chunk(source, parsed)
        except InvalidInput as err:
            report.skipped.append(SkippedFile(source, str(err)))
            continue
        queries.replace_document(
            store,
            source=source,
            title=parsed.title,
            kind=parsed.kind,
            content_hash=content_hash,
            size=len(data),
            chunks=chunks,
            user=user,
        )
        (report.replaced if source in existing else report.added).append(source)
        existing[source] = content_hash
        report.chunks += len(chunks)
    progress(total, total, "done")
    logger.info("ingest: %s", report.as_dict())
    return report
