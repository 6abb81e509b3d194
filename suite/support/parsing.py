"""Read one help article (Markdown, text, HTML, PDF, FAQ CSV) into a title and its sections.

A file that cannot be used raises `UnusableFile` with a one-line message that names it and says what to do.
Everything here reads untrusted bytes, so each format has bounds that hold before the expensive step: text
size, HTML tag count, PDF page count and the inflated size of each page's content streams.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from suite.errors import InvalidInput, message
from suite.support.models import UnusableFile
from suite.textfiles import repair_mojibake, utf16_without_bom
from suite.uploads import check_upload

logger = logging.getLogger(__name__)

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".csv")
MAX_FILE_MB = 20
MAX_TEXT_CHARS = 1_000_000  # text of one article (about 400 printed pages); more is split into several
MAX_PAGE_CHARS = 100_000  # text of one PDF page (a dense printed page holds about 5,000)
MAX_PDF_PAGES = 1_000
MAX_PAGE_CONTENT_MB = 2  # a page's drawing instructions once inflated (ours: 5-50 KB)
MAX_PDF_CONTENT_MB = 16  # the same for the whole PDF
MAX_HTML_TAGS = 100_000  # a long help page has a few thousand; beyond this the parser's time and memory explode
MAX_FAQ_FIELD_CHARS = 20_000  # one FAQ question or answer
MAX_ROW_PROBLEMS = 20  # FAQ rows reported one by one; the rest are counted
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # C0 controls except tab, newlines and form feed
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")  # one level of () in a target
_TAG = re.compile(r"<[A-Za-z!/?]")


@dataclass(frozen=True)
class Parsed:
    title: str
    kind: str
    sections: list[tuple[str, str]]  # (heading, text)
    problems: list[str] = field(default_factory=list)  # parts left out (FAQ rows), each with why


# -- text encodings ---------------------------------------------------------------------------------------
def decode_text(data: bytes, name: str, *, declared: str | None = None) -> str:
    """The text of a file: UTF-8, UTF-16/32 (with or without a byte-order mark) or Windows-1252, detected.

    Args:
        declared: an encoding the file names itself (an HTML `<meta charset>`), tried after UTF-8.

    Raises:
        UnusableFile: binary data, or bytes that fit none of those encodings.
    """
    unreadable = UnusableFile(
        f"{name}: this is not a readable text file (binary data, or an unknown encoding). Save it as UTF-8 text."
    )
    boms = [
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ]
    candidates = [encoding for bom, encoding in boms if data.startswith(bom)][:1]
    if not candidates:
        if b"\x00" in data:
            candidates = [e for e in [utf16_without_bom(data)] if e]
        else:
            candidates = ["utf-8", *([declared] if declared else []), "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        break
    else:
        raise unreadable
    text = text.lstrip("\ufeff")
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise unreadable
    text = _CONTROL.sub(" ", text) if controls else text
    return repair_mojibake(text) if encoding in ("utf-8", "utf-8-sig") else text


def clean_text(text: str) -> str:
    """Text from a parser (PDF, HTML) without control characters."""
    return _CONTROL.sub(" ", text.replace("\x00", ""))


# -- formats ----------------------------------------------------------------------------------------------
def _markdown(text: str, fallback_title: str) -> Parsed:
    # Links and images keep their words, not their targets: an article's URLs are no answer to anything.
    text = _MD_LINK.sub(lambda m: m.group(1), text)
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


def _declared_charset(data: bytes) -> str | None:
    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", data[:4096], re.IGNORECASE)
    return match.group(1).decode("ascii").lower() if match else None


def _html(data: bytes, name: str, fallback_title: str) -> Parsed:
    from bs4 import BeautifulSoup

    text = decode_text(data, name, declared=_declared_charset(data))
    tags = sum(1 for _ in _TAG.finditer(text))
    if tags > MAX_HTML_TAGS:
        raise UnusableFile(
            f"{name}: the page has {tags:,} HTML tags (the limit is {MAX_HTML_TAGS:,}); save it as plain text or "
            "split it into smaller articles."
        )
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "iframe", "template", "svg"]):
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
    return Parsed(clean_text(title) or fallback_title, "html", [(clean_text(h), clean_text(t)) for h, t in sections])


def _inflated_size(stream, limit: int) -> int:
    """How many bytes a PDF stream holds once decoded, counting at most `limit` + 1 (bounded memory)."""
    from pypdf.generic import ArrayObject

    filters = stream.get("/Filter")
    filters = [str(f) for f in filters] if isinstance(filters, ArrayObject) else [str(filters)] if filters else []
    raw = stream._data if hasattr(stream, "_data") else b""
    if not filters:
        return len(raw)
    if filters == ["/FlateDecode"] or filters == ["/Fl"]:
        inflater = zlib.decompressobj()
        size, chunk = 0, raw
        while chunk and size <= limit:
            try:
                out = inflater.decompress(chunk, limit + 1 - size)
            except zlib.error:
                return size  # pypdf recovers what it can from a damaged stream; count what inflates
            size += len(out)
            chunk = inflater.unconsumed_tail
        return size
    return len(stream.get_data())  # other filters: pypdf's own output limits bound the decode


def _page_streams(page):
    """The page's content streams and the form XObjects it draws (each once), as stream objects."""
    seen: set[int] = set()
    contents = page.get("/Contents")
    pending = [contents]
    resources = [page.get("/Resources")]
    while pending or resources:
        if pending:
            item = pending.pop()
            obj = item.get_object() if item is not None else None
            if obj is None or id(obj) in seen:
                continue
            seen.add(id(obj))
            if isinstance(obj, list):
                pending.extend(obj)
                continue
            if hasattr(obj, "get_data"):
                yield obj
                if obj.get("/Subtype") == "/Form":
                    resources.append(obj.get("/Resources"))
            continue
        res = resources.pop()
        res = res.get_object() if res is not None else None
        xobjects = res.get("/XObject") if hasattr(res, "get") else None
        xobjects = xobjects.get_object() if xobjects is not None else None
        if hasattr(xobjects, "values"):
            for ref in xobjects.values():
                form = ref.get_object()
                if hasattr(form, "get") and form.get("/Subtype") == "/Form":
                    pending.append(ref)


def _pdf_pages(data: bytes, name: str) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs a warning for every oddity of a damaged file; the user gets our one-line reason instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    damaged = f"{name}: this PDF is damaged or not a PDF"
    if b"%PDF-" not in data[:1024]:
        raise UnusableFile(f"{name}: this is not a PDF file (it does not start like one). Export it as PDF again.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # a PDF with only an owner password opens without one
            except Exception:  # noqa: BLE001 - unsupported encryption is the same answer for the user
                opened = 0
            if not opened:
                raise UnusableFile(f"{name}: the PDF is password-protected. Save an unprotected copy and upload that.")
        n_pages = len(reader.pages)
    except UnusableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as err:
        raise UnusableFile(f"{damaged} ({str(err).splitlines()[0][:120]}). Export it again and retry.") from err
    except Exception as err:  # noqa: BLE001 - pypdf raises many kinds on hostile files; none may reach the user
        logger.info("pdf %s could not be opened: %r", name, err)
        raise UnusableFile(f"{damaged}. Export it again and retry.") from err
    if n_pages > MAX_PDF_PAGES:
        raise UnusableFile(f"{name}: the PDF has {n_pages:,} pages; the limit is {MAX_PDF_PAGES:,}. Split it.")
    page_limit, file_limit = MAX_PAGE_CONTENT_MB * 2**20, MAX_PDF_CONTENT_MB * 2**20
    pages, content, chars = [], 0, 0
    for number in range(1, n_pages + 1):
        try:
            page = reader.pages[number - 1]
            size = 0
            for stream in _page_streams(page):
                size += _inflated_size(stream, page_limit - size)
                if size > page_limit:
                    break
            content += size
            if size > page_limit or content > file_limit:
                limit = f"{MAX_PAGE_CONTENT_MB} MB a page" if size > page_limit else f"{MAX_PDF_CONTENT_MB} MB a file"
                raise UnusableFile(
                    f"{name}: page {number} inflates to more content than the limit ({limit}); this is not a "
                    "text document we can read safely. Export the text as a smaller PDF."
                )
            text = clean_text(page.extract_text() or "")
        except UnusableFile:
            raise
        except Exception as err:  # noqa: BLE001 - as above: a hostile page is a damaged file, never a traceback
            logger.info("pdf %s page %d could not be read: %r", name, number, err)
            raise UnusableFile(f"{damaged} (page {number} cannot be read). Export it again and retry.") from err
        if len(text) > MAX_PAGE_CHARS:
            raise UnusableFile(
                f"{name}: page {number} holds {len(text):,} characters of text (the limit is {MAX_PAGE_CHARS:,} "
                "a page); this is not a page of a help article."
            )
        chars += len(text)
        if chars > MAX_TEXT_CHARS:
            raise UnusableFile(
                f"{name}: the PDF holds more than {MAX_TEXT_CHARS:,} characters of text; split it into smaller "
                "articles."
            )
        pages.append(text)
    return pages


def _pdf(data: bytes, name: str, fallback_title: str) -> Parsed:
    text = "\n".join(_pdf_pages(data, name))
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
    """Rows of (question, answer); a bad row is left out with its reason, the good ones are kept."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    sections: list[tuple[str, str]] = []
    problems: list[str] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            reason = "a field is longer than the CSV reader allows" if "field larger" in str(err) else str(err)
            problems.append(f"row {reader.line_num}: {reason}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if "question" not in header or "answer" not in header:
                raise UnusableFile(f"{name}: a FAQ CSV needs a header row with 'question' and 'answer' columns.")
            q_col, a_col = header.index("question"), header.index("answer")
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            problems.append(
                f"row {reader.line_num} has {len(row)} fields but the header has {len(header)} "
                "(put answers that contain commas in double quotes)"
            )
            continue
        question = row[q_col].strip() if q_col < len(row) else ""
        answer = row[a_col].strip() if a_col < len(row) else ""
        if not question or not answer:
            problems.append(f"row {reader.line_num}: the question or the answer is empty")
        elif max(len(question), len(answer)) > MAX_FAQ_FIELD_CHARS:
            problems.append(
                f"row {reader.line_num}: the {'question' if len(question) > len(answer) else 'answer'} is "
                f"{max(len(question), len(answer)):,} characters (the limit is {MAX_FAQ_FIELD_CHARS:,})"
            )
        else:
            sections.append((question, answer))
    if header is None:
        raise UnusableFile(f"{name}: a FAQ CSV needs a header row with 'question' and 'answer' columns.")
    if not sections:
        first = f": {problems[0]}" if problems else ""
        raise UnusableFile(f"{name}: no usable question and answer rows{first}.")
    if len(problems) > MAX_ROW_PROBLEMS:
        problems = [*problems[:MAX_ROW_PROBLEMS], f"and {len(problems) - MAX_ROW_PROBLEMS:,} more rows"]
    return Parsed("Frequently asked questions", "faq", sections, problems)


def parse(name: str, data: bytes) -> Parsed:
    """Parse one file's bytes by its extension; raises `UnusableFile` with the reason when it cannot be used."""
    try:
        name = check_upload(name, data, allowed=SUPPORTED, max_mb=MAX_FILE_MB)
    except InvalidInput as err:
        too_big = len(data) > MAX_FILE_MB * 2**20
        said = err.message or str(err)
        raise UnusableFile(message("services.support.split", reason=said) if too_big else said) from None
    if not data.strip():
        raise UnusableFile(message("services.upload.empty", name=name))
    suffix = Path(name).suffix.lower()
    fallback = Path(name).stem.replace("-", " ").replace("_", " ").capitalize()
    if suffix == ".pdf":
        parsed = _pdf(data, name, fallback)
    elif suffix in (".html", ".htm"):
        parsed = _html(data, name, fallback)
    else:
        text = decode_text(data, name)
        if len(text) > MAX_TEXT_CHARS:
            raise UnusableFile(message("services.support.too_much_text", name=name, n=len(text), limit=MAX_TEXT_CHARS))
        if suffix in (".md", ".markdown"):
            parsed = _markdown(text, fallback)
        elif suffix == ".csv":
            parsed = _faq(text, name)
        else:
            parsed = _plain(text, fallback)
    parsed = Parsed(
        unicodedata.normalize("NFC", parsed.title),
        parsed.kind,
        [(unicodedata.normalize("NFC", h), unicodedata.normalize("NFC", t)) for h, t in parsed.sections],
        parsed.problems,
    )
    if not any(text.strip() for _, text in parsed.sections):
        raise UnusableFile(message("services.support.no_text", name=name))
    if sum(len(text) for _, text in parsed.sections) > MAX_TEXT_CHARS:
        raise UnusableFile(message("services.support.more_text", name=name, limit=MAX_TEXT_CHARS))
    return parsed
