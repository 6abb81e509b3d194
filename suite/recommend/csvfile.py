"""Opening a CSV file someone hands us: a real file, plain or gzip, in a detected text encoding, streamed.

A problem with the file as a whole (a folder, a zip renamed .csv, corrupt gzip, text we cannot decode, more
than `MAX_IMPORT_MB`) is an `InvalidInput` or `NotFound` naming the file. A problem with one row (a field
over the csv module's limit) comes back as that row, with its first line number and a reason, so an import
can report it and read on.

The encoding is decided once per file: a byte-order mark; else UTF-16 recognised by its zero bytes; else
UTF-8 when the sample decodes strictly; else what `charset_normalizer` finds most plausible, preferring
Windows-1252 among the single-byte Latin code pages it cannot tell apart (the usual spreadsheet export).
The rest of the file is decoded strictly in that encoding: text that does not fit stops the file instead of
being stored as mojibake.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suite.errors import InvalidInput, NotFound
from suite.textfiles import utf16_without_bom
from suite.uploads import display_name

MAX_IMPORT_MB = 2048  # uncompressed text one import reads at most
SAMPLE_BYTES = 64 * 1024
_SCAN_BYTES = 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NOT_CSV = (
    (b"PK\x03\x04", "a zip archive or an Excel workbook (unzip it, or save the sheet as CSV)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an Office document (save the sheet as CSV)"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_GZIP_MAGIC = b"\x1f\x8b"
# Single-byte code pages for Latin scripts that a statistical detector mixes up on short, mostly-ASCII samples.
_LATIN_FAMILY = re.compile(r"cp125[0-8]|cp775|cp85[028]|iso8859_\d+|latin_?\d|mac_(roman|latin2|iceland)|hp_roman8")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


class _TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Row:
    """One record: its first line in the file, its fields, or why it could not be read (`cells` None)."""

    line: int
    cells: list[str] | None
    error: str = ""


class _Counted(io.RawIOBase):
    """A binary stream that refuses to give more than `limit` bytes (uncompressed, so gzip bombs stop too)."""

    def __init__(self, inner: Any, limit: int) -> None:
        self.inner, self.limit, self.count = inner, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.inner.readinto(buffer)
        self.count += n or 0
        if self.count > self.limit:
            raise _TooLarge
        return n


class CsvFile:
    """An open CSV file: its display `name`, `encoding`, first row (`header()`) and the rest (`rows()`)."""

    def __init__(self, path: Path, encoding: str) -> None:
        self.path, self.name, self.encoding = path, display_name(path.name), encoding
        self.header_width = 0  # fields in the header row, once read
        self.size = max(path.stat().st_size, 1)
        self._raw = path.open("rb")
        binary = gzip.GzipFile(fileobj=self._raw, mode="rb") if _is_gzip(path) else self._raw
        self._text = io.TextIOWrapper(
            io.BufferedReader(_Counted(binary, MAX_IMPORT_MB * 2**20)), encoding=encoding, errors="strict", newline=""
        )
        self._reader = csv.reader(self._text)

    def position(self) -> int:
        """Bytes of the file on disk read so far (for progress)."""
        try:
            return min(self._raw.tell(), self.size)
        except (OSError, ValueError):
            return self.size

    def header(self) -> list[str] | None:
        """The first non-blank row (None for an empty file)."""
        for row in self._rows():
            if row.cells is None:
                raise InvalidInput(f"{self.name}: the header row cannot be read ({row.error}).")
            self.header_width = len(row.cells)
            return row.cells
        return None

    def rows(self) -> Iterator[Row]:
        """Every non-blank record after the header; a record the csv module cannot read comes with its reason."""
        return self._rows()

    def _rows(self) -> Iterator[Row]:
        reader = self._reader
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield Row(start, None, _csv_reason(err))
                continue
            except UnicodeDecodeError as err:
                raise InvalidInput(
                    f"{self.name}: the text after line {reader.line_num} is not valid {self.encoding} "
                    f"({err.reason}); save the file as UTF-8, or give its encoding, and import it again."
                ) from None
            except _TooLarge:
                raise InvalidInput(_too_large(self.name)) from None
            except (OSError, EOFError, zlib.error) as err:
                raise InvalidInput(f"{self.name} could not be read to the end ({_detail(err)}).") from None
            if cells and any(cell.strip() for cell in cells):
                yield Row(start, cells)

    def close(self) -> None:
        for handle in (self._text, self._raw):
            try:
                handle.close()
            except (OSError, EOFError, zlib.error, ValueError):
                pass


@contextmanager
def open_csv(path: str | Path, *, encoding: str | None = None) -> Iterator[CsvFile]:
    """Check `path` is a readable CSV file, decide its encoding (unless given), and open it for streaming.

    Raises:
        NotFound: there is no such file.
        InvalidInput: a folder, not text, not CSV, too large, or in an encoding we cannot tell.
    """
    path = Path(path)
    name = display_name(path.name)
    if not path.exists():
        raise NotFound(f"File not found: {name}. Check the path and try again.")
    if path.is_dir():
        raise InvalidInput(f"{name} is a folder; give the CSV file inside it.")
    if not path.is_file():
        raise InvalidInput(f"{name} is not a regular file; give a CSV file.")
    if path.stat().st_size > MAX_IMPORT_MB * 2**20:
        raise InvalidInput(f"{name} is larger than {MAX_IMPORT_MB:,} MB; split it into smaller files.")
    try:
        chosen = _checked_encoding(name, encoding) if encoding else detect_encoding(path)
        opened = CsvFile(path, chosen)
    except OSError as err:
        raise InvalidInput(f"{name} cannot be read ({_detail(err)}).") from None
    try:
        yield opened
    finally:
        opened.close()


def detect_encoding(path: Path) -> str:
    """The text encoding of a CSV file (see the module docstring); refuses files that are not text at all."""
    name = display_name(path.name)
    with _binary(path) as stream:
        try:
            sample = stream.read(SAMPLE_BYTES)
            for magic, what in _NOT_CSV:
                if sample.startswith(magic):
                    raise InvalidInput(f"{name} is not a CSV file but {what}.")
            encoding = _marked(sample)
            complete = len(sample) < SAMPLE_BYTES
            if encoding is None and sample.isascii() and not complete:
                _refuse_binary(name, sample.decode("ascii"))  # before reading on: a stream of zeros is ASCII too
                sample, complete = _first_non_ascii(stream, sample)
        except (OSError, EOFError, zlib.error) as err:
            raise InvalidInput(f"{name} is not a readable gzip file ({_detail(err)}).") from None
        except _TooLarge:
            raise InvalidInput(_too_large(name)) from None
    encoding = encoding or _unmarked(name, sample, complete)
    _refuse_binary(name, sample.decode(encoding, errors="replace"))
    return encoding


def _refuse_binary(name: str, text: str) -> None:
    """Refuse text with more control characters than a CSV file ever has."""
    if len(_CONTROL.findall(text)) > max(4, len(text) // 100):
        raise InvalidInput(f"{name} looks like a binary file, not CSV text.")


def _marked(sample: bytes) -> str | None:
    """The encoding a byte-order mark, or UTF-16's pattern of zero bytes, announces."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    return utf16_without_bom(sample)


def _unmarked(name: str, sample: bytes, complete: bool) -> str:
    """UTF-8 when the sample decodes strictly, else the detector's choice (Windows-1252 among Latin look-alikes)."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # no detector installed: the one legacy encoding worth assuming, if it fits
        if _decodes(sample, "cp1252"):
            return "cp1252"
        raise InvalidInput(f"{name} is not UTF-8 text; save it as UTF-8 (CSV UTF-8) and import it again.") from None
    matches = list(from_bytes(sample))
    if not matches:
        raise InvalidInput(f"{name} is not text in any encoding we recognise; is it really a CSV file?")
    best = matches[0]
    plausible = {charset for m in matches if m.chaos <= best.chaos + 0.15 for charset in m.could_be_from_charset}
    if _LATIN_FAMILY.fullmatch(best.encoding) and "cp1252" in plausible and _decodes(sample, "cp1252"):
        return "cp1252"
    return best.encoding


def _first_non_ascii(stream: Any, sample: bytes) -> tuple[bytes, bool]:
    """A sample that starts at the line holding the first non-ASCII byte (a mostly-ASCII log tells nothing)."""
    tail = sample[-4096:]
    while True:
        block = stream.read(_SCAN_BYTES)
        if not block:
            return tail, True
        if not block.isascii():
            data = tail + block
            first = _HIGH_BYTE.search(data)
            start = data.rfind(b"\n", 0, first.start() if first else 0) + 1
            window = data[start : start + SAMPLE_BYTES]
            more = stream.read(SAMPLE_BYTES - len(window)) if len(window) < SAMPLE_BYTES else b""
            window += more
            return window, len(window) < SAMPLE_BYTES
        tail = block[-4096:]


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _checked_encoding(name: str, encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InvalidInput(f"{encoding[:40]!r} is not a text encoding we know (try utf-8, cp1252, utf-16).") from None


@contextmanager
def _binary(path: Path) -> Iterator[Any]:
    raw = path.open("rb")
    try:
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if _is_gzip(path) else raw
        if path.name.lower().endswith(".gz") and stream is raw:
            raise InvalidInput(f"{display_name(path.name)} is named .gz but is not gzip-compressed.")
        yield io.BufferedReader(_Counted(stream, MAX_IMPORT_MB * 2**20))
    finally:
        raw.close()


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def _csv_reason(err: csv.Error) -> str:
    if "field limit" in str(err):
        return f"a field is longer than {csv.field_size_limit():,} characters"
    return f"cannot be read as CSV ({_detail(err)})"


def _too_large(name: str) -> str:
    return f"{name} holds more than {MAX_IMPORT_MB:,} MB of text; split it into smaller files."


def _detail(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text[:200]
