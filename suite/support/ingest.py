"""Read help articles (Markdown, text, HTML, PDF, FAQ CSV), cut them into cited chunks, and store them.

Re-ingesting a file replaces its chunks in one transaction; a file that fails to parse changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from suite.errors import InvalidInput, NotFound
from suite.progress import Progress, no_progress
from suite.store import Store, now

logger = logging.getLogger(__name__)

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".csv")
MAX_FILE_BYTES = 20 * 2**20
CHUNK_CHARS = 700  # a section longer than this is cut into overlapping windows
OVERLAP_SENTENCES = 1
MULTILINGUAL_CHARS = 160


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    source: str
    position: int
    title: str
    heading: str
    anchor: str
    text: str

    @property
    def indexed_text(self) -> str:
        """What the indexes see: the article title and heading give short sections their context."""
        heading = f" — {self.heading}" if self.heading and self.heading != self.title else ""
        return f"{self.title}{heading}: {self.text}"

    @property
    def short_text(self) -> str:
        """Title, heading and opening words: the multilingual model is slow on long inputs (cost grows with length)."""
        heading = f" — {self.heading}" if self.heading and self.heading != self.title else ""
        return f"{self.title}{heading}: {self.text[:MULTILINGUAL_CHARS]}"


@dataclass(frozen=True)
class Parsed:
    title: str
    kind: str
    sections: list[tuple[str, str]]  # (heading, text)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise InvalidInput(f"{name}: this is not a readable text file (expected UTF-8 text).")


def _markdown(text: str, fallback_title: str) -> Parsed:
    title, sections, heading, lines = "", [], "", []
    for line in text.splitlines():
        match = re.match(r"^(#{1,6})\s+(.*)$", line)
        if match:
            if lines and "".join(lines).strip():
                sections.append((heading, "\n".join(lines).strip()))
            lines, heading = [], match.group(2).strip()
            if len(match.group(1)) == 1 and not title:
                title = heading
            continue
        lines.append(line)
    if "".join(lines).strip():
        sections.append((heading, "\n".join(lines).strip()))
    return Parsed(title or fallback_title, "markdown", sections)


def _plain(text: str, fallback_title: str) -> Parsed:
    """Plain text: an all-caps or first line is the title; a short line before a paragraph is its heading."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    title = fallback_title
    if blocks and len(blocks[0]) < 120 and "\n" not in blocks[0]:
        title = blocks.pop(0).strip()
        title = title.capitalize() if title.isupper() else title
    sections = []
    for block in blocks:
        first, _, rest = block.partition("\n")
        if rest and len(first) < 80 and not first.rstrip().endswith("."):
            sections.append((first.strip(), rest.strip()))
        else:
            sections.append(("", block))
    return Parsed(title, "text", sections)


def _html(text: str, fallback_title: str) -> Parsed:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "iframe"]):
        tag.decompose()
    title_tag = soup.find("h1") or soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else fallback_title
    sections, heading, parts = [], "", []
    body = soup.body or soup
    for element in body.find_all(["h1", "h2", "h3", "h4", "p", "li", "pre", "td"]):
        if element.name in ("h1", "h2", "h3", "h4"):
            if parts:
                sections.append((heading, "\n".join(parts)))
            heading, parts = element.get_text(" ", strip=True), []
        elif element.find_parent(["p", "li", "td"]) is None:
            text_part = element.get_text(" ", strip=True)
            if text_part:
                parts.append(text_part)
    if parts:
        sections.append((heading, "\n".join(parts)))
    if not sections:
        plain = body.get_text("\n", strip=True)
        sections = [("", plain)] if plain else []
    return Parsed(title or fallback_title, "html", sections)


def _pdf(data: bytes, name: str, fallback_title: str) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInput(f"{name}: the PDF is password-protected. Save an unprotected copy and upload that.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as err:
        raise InvalidInput(f"{name}: this PDF is damaged or not a PDF ({err}). Export it again and retry.") from err
    text = "\n".join(pages)
    if not text.strip():
        raise InvalidInput(f"{name}: the PDF has no text layer (scanned pages?). Upload a text PDF instead.")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0] if lines and len(lines[0]) < 120 else fallback_title
    # Short lines without a full stop are headings in our leaflets; the rest is running text.
    sections, heading, parts = [], "", []
    for line in lines[1:]:
        if len(line) < 40 and not line.endswith("."):
            if parts:
                sections.append((heading, " ".join(parts)))
            heading, parts = line, []
        else:
            parts.append(line)
    if parts:
        sections.append((heading, " ".join(parts)))
    return Parsed(title, "pdf", sections)


def _faq(text: str, name: str) -> Parsed:
    rows = list(csv.DictReader(io.StringIO(text)))
    columns = {c.strip().lower(): c for c in (rows[0].keys() if rows else [])}
    if "question" not in columns or "answer" not in columns:
        raise InvalidInput(f"{name}: a FAQ CSV needs a header row with 'question' and 'answer' columns.")
    sections = [
        (row[columns["question"]].strip(), row[columns["answer"]].strip())
        for row in rows
        if (row.get(columns["question"]) or "").strip() and (row.get(columns["answer"]) or "").strip()
    ]
    return Parsed("Frequently asked questions", "faq", sections)


def parse(name: str, data: bytes) -> Parsed:
    """Parse one file's bytes by its extension; raises InvalidInput with the reason when it cannot be used."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise InvalidInput(
            f"{name}: {suffix or 'files without an extension'} is not supported; use {', '.join(SUPPORTED)}."
        )
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"{name}: the file is {len(data) / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB. "
            "Split it into smaller articles."
        )
    if not data.strip():
        raise InvalidInput(f"{name}: the file is empty.")
    fallback = Path(name).stem.replace("-", " ").replace("_", " ").capitalize()
    if suffix == ".pdf":
        parsed = _pdf(data, name, fallback)
    else:
        text = _decode(data, name)
        if suffix in (".md", ".markdown"):
            parsed = _markdown(text, fallback)
        elif suffix in (".html", ".htm"):
            parsed = _html(text, fallback)
        elif suffix == ".csv":
            parsed = _faq(text, name)
        else:
            parsed = _plain(text, fallback)
    if not any(text.strip() for _, text in parsed.sections):
        raise InvalidInput(f"{name}: no readable text was found in this file.")
    return parsed


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？])\s+|\n+", text) if s.strip()]


def chunk(source: str, parsed: Parsed) -> list[Chunk]:
    """One chunk per section; long sections become windows of sentences overlapping by one sentence."""
    chunks: list[Chunk] = []
    for heading, text in parsed.sections:
        sentences = _sentences(text)
        windows, current = [], []
        for sentence in sentences:
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


@dataclass
class IngestReport:
    added: list[str]
    replaced: list[str]
    skipped: list[dict]  # {"source", "reason"}
    chunks: int = 0

    def as_dict(self) -> dict:
        return {"added": self.added, "replaced": self.replaced, "skipped": self.skipped, "chunks": self.chunks}


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
    files = _files([Path(p) for p in paths])
    items = []
    for file in files:
        if file.suffix.lower() not in SUPPORTED:
            items.append((file.name, None))
            continue
        if file.stat().st_size > MAX_FILE_BYTES:
            items.append((file.name, file.stat().st_size))  # reported as too big without reading it
            continue
        items.append((file.name, file.read_bytes()))
    return ingest_items(store, items, user=user, progress=progress)


def ingest_items(
    store: Store,
    items: list[tuple[str, bytes | int | None]],
    *,
    user: str | None = None,
    progress: Progress = no_progress,
) -> IngestReport:
    """Ingest (file name, bytes) pairs; the file name is the citation `source` and the replacement key."""
    report = IngestReport([], [], [])
    existing = {
        r["source"]: r["content_hash"] for r in store.query("SELECT source, content_hash FROM support_documents")
    }
    total = max(len(items), 1)
    for done, (name, data) in enumerate(items):
        progress(done, total, name)
        source = Path(name).name
        try:
            if data is None:
                parse(source, b"x")  # raises the "not supported" message
            if isinstance(data, int):
                raise InvalidInput(
                    f"{source}: the file is {data / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB. "
                    "Split it into smaller articles."
                )
            content_hash = hashlib.sha256(data).hexdigest()  # type: ignore[arg-type]
            if existing.get(source) == content_hash:
                report.skipped.append({"source": source, "reason": "unchanged since the last ingest"})
                continue
            parsed = parse(source, data)  # type: ignore[arg-type]
            chunks = chunk(source, parsed)
        except InvalidInput as err:
            report.skipped.append({"source": source, "reason": str(err)})
            continue
        _replace(store, source, parsed, chunks, content_hash, len(data), user)  # type: ignore[arg-type]
        (report.replaced if source in existing else report.added).append(source)
        existing[source] = content_hash
        report.chunks += len(chunks)
    progress(total, total, "done")
    logger.info("ingest: %s", report.as_dict())
    return report


def _replace(
    store: Store, source: str, parsed: Parsed, chunks: list[Chunk], content_hash: str, size: int, user
) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM support_chunks WHERE source = ?", [source])
        con.execute("DELETE FROM support_documents WHERE source = ?", [source])
        con.execute(
            "INSERT INTO support_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [source, parsed.title, parsed.kind, content_hash, size, len(chunks), now(), user],
        )
        con.executemany(
            "INSERT INTO support_chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[c.chunk_id, c.source, c.position, c.title, c.heading, c.anchor, c.text] for c in chunks],
        )


def remove_source(store: Store, source: str) -> int:
    """Delete a document and its chunks; returns how many chunks went. NotFound if it was never ingested."""
    with store.transaction() as con:
        row = con.execute("SELECT n_chunks FROM support_documents WHERE source = ?", [source]).fetchone()
        if row is None:
            raise NotFound(f"No document called {source!r} is in the knowledge base.")
        con.execute("DELETE FROM support_chunks WHERE source = ?", [source])
        con.execute("DELETE FROM support_documents WHERE source = ?", [source])
    return int(row[0])


def list_documents(store: Store) -> list[dict]:
    return store.query(
        "SELECT source, title, kind, n_chunks, size_bytes, added_at, added_by FROM support_documents ORDER BY source"
    )


def load_chunks(store: Store) -> list[Chunk]:
    rows = store.query(
        "SELECT chunk_id, source, position, title, heading, anchor, text FROM support_chunks ORDER BY source, position"
    )
    return [Chunk(**row) for row in rows]
