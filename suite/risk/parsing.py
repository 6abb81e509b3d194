"""Headline files to rows: gzip, the text encoding, CSV / JSON / JSON Lines, with a reason for every unusable row.

A file that cannot be read as a whole (empty, binary, not JSON, no headline column, too big) raises
`UnreadableFile` with one line saying why; a row that cannot be read becomes a `Rejected` with its line number,
and the other rows go on. Text is decoded by what it is (a byte-order mark, UTF-16 without one, UTF-8, else
Windows-1252), never by guessing one codec and replacing what does not fit, so no mojibake is stored.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suite.risk.models import Rejected, UnreadableFile
from suite.textfiles import repair_mojibake, utf16_without_bom

MAX_TEXT_MB = 100  # a file (after gunzip) larger than this is refused: split it
MAX_ROWS = 200_000  # rows per file; more is refused (split it) rather than scored for an hour
RAW_CHARS = 2000  # how much of a rejected row is kept for review
COLUMN_NAMES = {
    "timestamp": ("timestamp", "time", "date", "datetime", "published", "published_at"),
    "source": ("source", "outlet", "publisher"),
    "headline": ("headline", "title", "text"),
    "url": ("url", "link"),
    "ticker": ("ticker", "tickers", "symbol", "symbols"),
}
REQUIRED = ("timestamp", "headline")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_BINARY = ((b"PK\x03\x04", "a zip archive"), (b"%PDF", "a PDF"), (b"\x89PNG", "an image"), (b"\xff\xd8\xff", "a JPEG"))


@dataclass
class ParsedFile:
    rows: list[dict[str, Any]] = field(default_factory=list)  # {line, timestamp, headline, [source, url, ticker]}
    rejected: list[Rejected] = field(default_factory=list)
    encoding: str = "utf-8"


def base_name(file_name: str) -> str:
    """The name without a trailing .gz (what says CSV or JSON)."""
    name = file_name.lower()
    return name[:-3] if name.endswith(".gz") else name


def parse_file(data: bytes | str, file_name: str) -> ParsedFile:
    """Rows of one headlines file (bytes as uploaded or read from disk; text as given).

    Raises:
        UnreadableFile: the file as a whole cannot be used; the message names it and says why.
    """
    if isinstance(data, str):
        text, encoding = data, "text"
    else:
        text, encoding = decode_text(gunzip(data, file_name), file_name)
    if not text.strip():
        raise UnreadableFile(f"{file_name} is empty.")
    nuls = text.count("\x00")
    if nuls > max(10, len(text) // 100):
        raise UnreadableFile(f"{file_name} is not a text file (it is full of NUL bytes).")
    stripped = text.lstrip()
    name = base_name(file_name)
    if name.endswith((".jsonl", ".ndjson")):
        parsed = _json_lines(stripped, file_name)
    elif name.endswith(".json") or stripped[:1] in "[{":
        parsed = _json(stripped, file_name)
    else:
        parsed = _csv(text, file_name)
    parsed.encoding = encoding
    if len(parsed.rows) + len(parsed.rejected) > MAX_ROWS:
        raise UnreadableFile(f"{file_name} has more than {MAX_ROWS:,} rows; split it into smaller files.")
    return parsed


def gunzip(data: bytes, file_name: str) -> bytes:
    """The data itself, or its gunzipped content when it is gzip (capped at `MAX_TEXT_MB`)."""
    limit = MAX_TEXT_MB * 2**20
    if data[:2] != b"\x1f\x8b":
        if file_name.lower().endswith(".gz"):
            raise UnreadableFile(f"{file_name} is not a gzip file, though its name ends in .gz.")
        if len(data) > limit:
            raise UnreadableFile(f"{file_name} is over {MAX_TEXT_MB} MB; split it into smaller files.")
        return data
    out, rest = [], data
    size = 0
    while rest:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = inflater.decompress(rest, limit + 1 - size)
        except zlib.error as err:
            raise UnreadableFile(f"{file_name} is a damaged gzip file ({err}).") from None
        size += len(chunk)
        out.append(chunk)
        if size > limit or inflater.unconsumed_tail:
            raise UnreadableFile(f"{file_name} unpacks to more than {MAX_TEXT_MB} MB; split it into smaller files.")
        if not inflater.eof:
            raise UnreadableFile(f"{file_name} is a cut-off gzip file (it ends before its data does).")
        rest = inflater.unused_data.lstrip(b"\x00")  # several gzip members follow each other
    return b"".join(out)


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """The text and the encoding it was read with: a BOM's, UTF-16 by its zero bytes, UTF-8, else Windows-1252."""
    for magic, kind in _BINARY:
        if data.startswith(magic):
            raise UnreadableFile(f"{file_name} is {kind}, not a CSV or JSON file of headlines.")
    codec = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            codec, data = name, data[len(bom) :]
            break
    codec = codec or utf16_without_bom(data)
    if codec:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as err:
            raise UnreadableFile(f"{file_name} looks like {codec.upper()} text but byte {err.start} is not.") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"{file_name} is not text in UTF-8, UTF-16 or Windows-1252; save it as UTF-8 and upload it again."
        ) from None


def canonical_columns(columns: list[Any]) -> tuple[dict[str, Any], list[str]]:
    """{canonical name: column as given} and the required columns that are missing."""
    found: dict[str, Any] = {}
    for raw in columns:
        key = str(raw).strip().lower()
        for canonical, names in COLUMN_NAMES.items():
            if key in names and canonical not in found:
                found[canonical] = raw
    return found, [c for c in REQUIRED if c not in found]


def missing_columns(file_name: str, missing: list[str], columns: list[Any]) -> UnreadableFile:
    shown = [str(c)[:40] for c in columns[:10]]
    more = f" and {len(columns) - 10} more" if len(columns) > 10 else ""
    return UnreadableFile(
        f"{file_name} needs the columns timestamp and headline (optional: source, url, ticker); it is missing "
        f"{', '.join(missing)}. Columns found: {', '.join(shown) or 'none'}{more}."
    )


def _raw(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text[:RAW_CHARS]


# -- CSV -------------------------------------------------------------------------------------------
def _csv(text: str, file_name: str) -> ParsedFile:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except csv.Error as err:
        raise UnreadableFile(f"{file_name}: the first line is not a CSV header ({err}).") from None
    columns, missing = canonical_columns(header)
    if missing:
        raise missing_columns(file_name, missing, header)
    index = {canonical: header.index(raw) for canonical, raw in columns.items()}
    parsed = ParsedFile()
    line = reader.line_num
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            line = reader.line_num
            reason = str(err)
            if "field larger than field limit" in reason:
                reason = f"has a field longer than {csv.field_size_limit():,} characters"
            parsed.rejected.append(Rejected(start, f"is not valid CSV ({reason})"))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            reason = f"has {len(record)} fields, expected {len(header)}"
            parsed.rejected.append(Rejected(start, reason, _raw(",".join(record))))
            continue
        parsed.rows.append({"line": start, **{c: record[i] for c, i in index.items()}})
        if len(parsed.rows) > MAX_ROWS:
            break
    if not parsed.rows and not parsed.rejected:
        raise UnreadableFile(f"{file_name} has a header but no rows.")
    return parsed


# -- JSON ------------------------------------------------------------------------------------------
def _load(text: str) -> Any:
    """json.loads, with nesting too deep to read as a ValueError instead of a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("it is nested too deeply to read") from None


def _json(text: str, file_name: str) -> ParsedFile:
    try:
        data = _load(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data" and "\n" in text.strip():
            return _json_lines(text, file_name)  # one object per line, in a file named .json
        raise UnreadableFile(f"{file_name} is not valid JSON (line {err.lineno}: {err.msg}).") from None
    except ValueError as err:
        raise UnreadableFile(f"{file_name} cannot be read: {err}.") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        kind = {bool: "true/false", str: "a string", int: "a number", float: "a number"}.get(type(data), "null")
        raise UnreadableFile(
            f"{file_name}: the JSON is {kind}; it must be a list of objects with timestamp and headline."
        )
    if not data:
        raise UnreadableFile(f"{file_name} holds an empty list; there are no headlines in it.")
    return _records(list(enumerate(data, start=1)), [], file_name)


def _json_lines(text: str, file_name: str) -> ParsedFile:
    records: list[tuple[int, Any]] = []
    rejected: list[Rejected] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, _load(line)))
        except json.JSONDecodeError as err:
            rejected.append(Rejected(number, f"is not valid JSON ({err.msg})", line[:RAW_CHARS]))
        except ValueError as err:
            rejected.append(Rejected(number, f"cannot be read: {err}", line[:RAW_CHARS]))
        if len(records) + len(rejected) > MAX_ROWS:
            break
    return _records(records, rejected, file_name)


def _records(records: list[tuple[int, Any]], rejected: list[Rejected], file_name: str) -> ParsedFile:
    parsed = ParsedFile(rejected=rejected)
    lacking: list[int] = []
    keys: list[Any] = []
    for number, record in records:
        if not isinstance(record, dict):
            reason = "is not an object with timestamp and headline"
            parsed.rejected.append(Rejected(number, reason, _raw(record) if _flat(record) else "(nested)"))
            continue
        columns, missing = canonical_columns(list(record))
        if missing:
            keys = keys or list(record)
            lacking.append(number)
            parsed.rejected.append(Rejected(number, f"has no {' or '.join(missing)} field", _raw(list(record))))
            continue
        values = {c: record.get(raw) for c, raw in columns.items()}
        nested = [c for c, v in values.items() if not _flat(v)]
        if nested:
            parsed.rejected.append(Rejected(number, f"has a {nested[0]} that is not text", "(nested)"))
            continue
        parsed.rows.append({"line": number, **values})
    if not parsed.rows and lacking and len(lacking) == len(records):
        raise missing_columns(file_name, [c for c in REQUIRED if c not in canonical_columns(keys)[0]], keys)
    if not parsed.rows and not parsed.rejected:
        raise UnreadableFile(f"{file_name} has no headlines in it.")
    return parsed


def _flat(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def read_lines(path: str | Path) -> list[str]:
    """The non-empty lines of a text file (one headline each), in whatever encoding it was saved."""
    path = Path(path)
    if path.is_dir():
        raise UnreadableFile(f"{path} is a folder; give a file with one headline per line.")
    if not path.is_file():
        raise UnreadableFile(f"There is no file at {path}.")
    text, _ = decode_text(gunzip(path.read_bytes(), path.name), path.name)
    if "\x00" in text:
        raise UnreadableFile(f"{path.name} is not a text file (it has NUL bytes).")
    return [repair_mojibake(line) for line in text.splitlines() if line.strip()]
