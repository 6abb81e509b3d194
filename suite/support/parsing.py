"""Read one help article (Markdown, text, HTML, PDF, FAQ CSV) into a title and its sections.

A file that cannot be used raises `UnusableFile` with a message that names it and says what to do.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from suite.errors import InvalidInput
from suite.support.models import UnusableFile
from suite.uploads import check_upload

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".csv")
MAX_FILE_MB = 20


@dataclass(frozen=True)
class Parsed:
    title: str
    kind: str
    sections: list[tuple[str, str]]  # (heading, text)


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise UnusableFile(f"{name}: this is not a readable text file (expected UTF-8 text).")


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
            raise UnusableFile(f"{name}: the PDF is password-protected. Save an unprotected copy and upload that.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnusableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as err:
        raise UnusableFile(f"{name}: this PDF is damaged or not a PDF ({err}). Export it again and retry.") from err
    text = "\n".join(pages)
    if not text.strip():
        raise UnusableFile(f"{name}: the PDF has no text layer (scanned pages?). Upload a text PDF instead.")
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
        raise UnusableFile(f"{name}: a FAQ CSV needs a header row with 'question' and 'answer' columns.")
    sections = [
        (row[columns["question"]].strip(), row[columns["answer"]].strip())
        for row in rows
        if (row.get(columns["question"]) or "").strip() and (row.get(columns["answer"]) or "").strip()
    ]
    return Parsed("Frequently asked questions", "faq", sections)


def parse(name: str, data: bytes) -> Parsed:
    """Parse one file's bytes by its extension; raises `UnusableFile` with the reason when it cannot be used."""
    try:
        name = check_upload(name, data, allowed=SUPPORTED, max_mb=MAX_FILE_MB)
    except InvalidInput as err:
        too_big = len(data) > MAX_FILE_MB * 2**20
        raise UnusableFile(f"{err}{' Split it into smaller articles.' if too_big else ''}") from None
    if not data.strip():
        raise UnusableFile(f"{name}: the file is empty.")
    suffix = Path(name).suffix.lower()
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
        raise UnusableFile(f"{name}: no readable text was found in this file.")
    return parsed
