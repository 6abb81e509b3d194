"""Import interaction logs and catalogs from CSV (plain or gzip, any common text encoding): checked, then saved.

An import is one batch. First every row of every file is read and checked (streamed, in chunks, the good
rows staged on disk under SUITE_HOME): nothing is written to the database while a file is read. Then one
transaction adds the good rows and the import's `rec_imports` row together. So an import either lands
whole, with a report of its bad rows (line number and reason; every one of them also written to a rejects
file under SUITE_HOME), or not at all (a file that is unusable as a whole, a database that refuses the
batch): never part of a file, never rows without their import record.
"""

from __future__ import annotations

import csv
import errno
import logging
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from suite.errors import InvalidInput, StoreFull, message
from suite.progress import Progress, no_progress
from suite.recommend import queries
from suite.recommend.csvfile import CsvFile, Row, open_csv
from suite.recommend.models import ImportFailed, ImportReport
from suite.recommend.recmodel import EVENT_WEIGHTS
from suite.store import Store, now, to_json
from suite.timestamps import parse_timestamp, parse_timestamps

logger = logging.getLogger(__name__)

MODULE = "recommend"
DEFAULT_EVENT = "click"  # logs without an event column count every row as a click
INTERACTION_REQUIRED = ("user_id", "item_id", "timestamp")
INTERACTION_OPTIONAL = ("event", "value")
CATALOG_REQUIRED = ("item_id", "title", "category")
CATALOG_OPTIONAL = ("description", "price", "in_stock", "consumable")
MAX_ID_CHARS = 200  # shopper and product ids
MAX_TEXT_CHARS = {"title": 500, "category": 200, "description": 20_000}
CHUNK_ROWS = 100_000  # rows checked and staged at a time (and at most CHUNK_CHARS of text)
CHUNK_CHARS = 64 * 2**20
MAX_EXAMPLES = 20
MAX_REJECT_CHARS = 2000  # of a bad row's raw text kept in the rejects file
STALE_STAGING_S = 24 * 3600
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_CHECKED = ["line", "user_id", "item_id", "stamp", "event", "value"]
_ID_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TEXT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Bad(Exception):
    """One row's problem (its message is the reason reported)."""


class _Rejects:
    """Collects bad rows: every one to a CSV file in the staging folder, the first few in the report."""

    def __init__(self, report: ImportReport, staging: Path) -> None:
        self.report, self.staging = report, staging
        self.path: Path | None = None
        self._handle: Any = None
        self._writer: Any = None

    def add(self, line: int, reason: str, raw: list[str] | str | None) -> None:
        self.report.bad_rows += 1
        if len(self.report.bad_examples) < MAX_EXAMPLES:
            self.report.bad_examples.append({"line": line, "reason": reason})
        if self._writer is None:
            self.path = self.staging / f"{self.report.kind}-{self.report.import_id}.csv"
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["line", "reason", "raw"])
        text = raw if isinstance(raw, str) else ",".join(raw or [])
        self._writer.writerow([line, reason, text[:MAX_REJECT_CHARS]])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@dataclass
class _Batch:
    """One file read and checked: its report, its good rows staged as Parquet parts, its rejects."""

    report: ImportReport
    rejects: _Rejects
    parts: list[Path] = field(default_factory=list)
    good_rows: int = 0

    @classmethod
    def new(cls, kind: str, path: Path, staging: Path) -> _Batch:
        report = ImportReport(kind=kind, file=str(path))
        return cls(report, _Rejects(report, staging))


def import_files(
    store: Store,
    *,
    catalog: str | Path | None = None,
    interactions: str | Path | None = None,
    source: str = "import",
    encoding: str | None = None,
    progress: Progress = no_progress,
) -> list[ImportReport]:
    """Check a catalog and/or an interaction log, then save both in one transaction (catalog first).

    Products listed again replace the stored ones; interactions already stored are counted, not added.

    Raises:
        NotFound, InvalidInput: a file cannot be used at all (nothing was saved).
        ImportFailed, StoreFull, StoreBusy: the database did not take the batch (nothing was saved).
    """
    if catalog is None and interactions is None:
        raise InvalidInput(message("services.import.nothing_given"))
    folder = store.settings.module_dir(MODULE) / "staging"
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix="import-") as tmp:
        staging = Path(tmp)
        batches: list[_Batch] = []
        try:
            if catalog is not None:
                batches.append(_Batch.new("catalog", Path(catalog), staging))
                _read_catalog(batches[-1], encoding, progress)
            if interactions is not None:
                batches.append(_Batch.new("interactions", Path(interactions), staging))
                _read_interactions(batches[-1], source, encoding, progress)
        except OSError as err:  # the input's own read errors are InvalidInput already: this is our staging area
            raise _staging_failed(err, folder) from err
        finally:
            for batch in batches:
                batch.rejects.close()
        progress(0, 1, "saving")
        _save(store, batches)
        progress(1, 1, "saved")
    for batch in batches:
        logger.info("%s import: %s", batch.report.kind, batch.report.summary())
    return [batch.report for batch in batches]


# -- reading and checking ------------------------------------------------------------------------------
def _read_interactions(batch: _Batch, source: str, encoding: str | None, progress: Progress) -> None:
    report, staging = batch.report, batch.rejects.staging
    with open_csv(report.file, encoding=encoding) as file:
        report.encoding = file.encoding
        cols, width = _columns(file, INTERACTION_REQUIRED, INTERACTION_OPTIONAL)
        for chunk in _chunks(file, batch, width):
            good = []
            for row in chunk:
                try:
                    good.append(_interaction(row, cols))
                except _Bad as bad:
                    batch.rejects.add(row.line, str(bad), row.cells)
            frame = _with_timestamps(pd.DataFrame(good, columns=_CHECKED), batch)
            batch.good_rows += len(frame)
            if len(frame):
                frame = frame.assign(source=source, imported_at=now())[
                    ["user_id", "item_id", "ts", "event", "value", "source", "imported_at"]
                ]
                batch.parts.append(_stage(frame, staging, report, len(batch.parts)))
            progress(file.position(), file.size, f"{report.rows_read:,} rows read")
        _refuse_if_unusable(file, report, batch.good_rows)


def _interaction(row: Row, cols: dict[str, int]) -> tuple:
    cells = row.cells or []
    user = _identifier(cells[cols["user_id"]], "user_id")
    item = _identifier(cells[cols["item_id"]], "item_id")
    stamp = cells[cols["timestamp"]].strip()
    event = (cells[cols["event"]].strip().lower() if "event" in cols else "") or DEFAULT_EVENT
    if event not in EVENT_WEIGHTS:
        raise _Bad(f"unknown event {event[:40]!r} (expected {', '.join(EVENT_WEIGHTS)})")
    value = _number(cells[cols["value"]], "value") if "value" in cols else None
    return row.line, user, item, stamp, event, value


def _with_timestamps(frame: pd.DataFrame, batch: _Batch) -> pd.DataFrame:
    """The frame with a UTC `ts`; rows whose timestamp cannot be read (or held in UTC) go to the rejects."""
    frame["ts"] = parse_timestamps(frame["stamp"].tolist())
    for line, stamp in frame.loc[frame["ts"].isna(), ["line", "stamp"]].itertuples(index=False):
        try:
            parse_timestamp(stamp)
            why = "not understood"
        except ValueError as err:
            beyond = "outside" in str(err) or isinstance(err.__cause__, OverflowError)
            why = "is outside 1970-2199 in UTC" if beyond else "not understood"
        reason = f"timestamp {stamp[:40]!r} {why} (use ISO 8601 like 2025-03-01T14:30:00Z)"
        batch.rejects.add(int(line), reason, stamp)
    return frame[frame["ts"].notna()]


def _read_catalog(batch: _Batch, encoding: str | None, progress: Progress) -> None:
    report, staging = batch.report, batch.rejects.staging
    seen: set[str] = set()
    with open_csv(report.file, encoding=encoding) as file:
        report.encoding = file.encoding
        cols, width = _columns(file, CATALOG_REQUIRED, CATALOG_OPTIONAL)
        for chunk in _chunks(file, batch, width):
            rows: dict[str, dict[str, Any]] = {}
            for row in chunk:
                try:
                    product = _product(row, cols)
                except _Bad as bad:
                    batch.rejects.add(row.line, str(bad), row.cells)
                    continue
                if product["item_id"] in seen:
                    report.duplicates += 1
                seen.add(product["item_id"])
                rows[product["item_id"]] = product  # a product listed again: the last listing wins
            if rows:
                frame = pd.DataFrame(list(rows.values()))
                batch.parts.append(_stage(frame, staging, report, len(batch.parts)))
            progress(file.position(), file.size, f"{report.rows_read:,} rows read")
        batch.good_rows = len(seen)
        _refuse_if_unusable(file, report, batch.good_rows)


def _product(row: Row, cols: dict[str, int]) -> dict[str, Any]:
    cells = row.cells or []
    item = _identifier(cells[cols["item_id"]], "item_id")
    title, category = (_text(cells[cols[name]], name, required=True) for name in ("title", "category"))
    description = _text(cells[cols["description"]], "description") if "description" in cols else ""
    price = _number(cells[cols["price"]], "price") if "price" in cols else None
    in_stock = _flag(cells[cols["in_stock"]], True) if "in_stock" in cols else True
    consumable = _flag(cells[cols["consumable"]], False) if "consumable" in cols else False
    if in_stock is None or consumable is None:
        raise _Bad("in_stock and consumable must be true/false (or yes/no, 1/0)")
    return {
        "item_id": item,
        "title": title,
        "category": category,
        "description": description,
        "price": price,
        "in_stock": in_stock,
        "consumable": consumable,
        "updated_at": now(),
    }


def _columns(file: CsvFile, required: tuple[str, ...], optional: tuple[str, ...]) -> tuple[dict[str, int], int]:
    """Where each known column is, and how many fields a row must have at least (refuses unusable headers)."""
    header = file.header()
    if header is None:
        raise InvalidInput(message("services.import.empty", file=file.name, required=", ".join(required)))
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        seps = [sep for sep in (";", "\t", "|") if sep in header[0]]
        raise InvalidInput(
            message(
                "services.import.missing_columns_sep" if seps else "services.import.missing_columns",
                file=file.name,
                missing=", ".join(missing),
                required=", ".join(required),
                optional=", ".join(optional),
                found=_shown(names),
                sep=repr(seps[0]) if seps else "",
            )
        )
    repeated = sorted({n for n in names if n in (*required, *optional) and names.count(n) > 1})
    if repeated:
        raise InvalidInput(message("services.import.repeated_columns", file=file.name, repeated=", ".join(repeated)))
    cols = {name: names.index(name) for name in (*required, *optional) if name in names}
    return cols, max(cols.values()) + 1


def _chunks(file: CsvFile, batch: _Batch, width: int) -> Iterator[list[Row]]:
    """The file's rows with enough fields, a chunk at a time; unreadable and misshapen rows go to the rejects."""
    columns = file.header_width
    chunk: list[Row] = []
    chars = 0
    for row in file.rows():
        batch.report.rows_read += 1
        if row.cells is None:
            batch.rejects.add(row.line, row.error, "")
            continue
        if len(row.cells) < width:
            batch.rejects.add(row.line, f"expected at least {width} fields, found {len(row.cells)}", row.cells)
            continue
        if len(row.cells) > columns and any(cell.strip() for cell in row.cells[columns:]):
            reason = f"has {len(row.cells)} fields but the header has {columns} (an unquoted comma?)"
            batch.rejects.add(row.line, reason, row.cells)
            continue
        chunk.append(row)
        chars += sum(map(len, row.cells))
        if len(chunk) >= CHUNK_ROWS or chars >= CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _refuse_if_unusable(file: CsvFile, report: ImportReport, good: int) -> None:
    if report.rows_read == 0:
        raise InvalidInput(message("services.import.no_rows", file=file.name))
    if good == 0:
        first = report.bad_examples[0]
        raise InvalidInput(
            message("services.import.none_usable", file=file.name, rows=report.rows_read, line=first["line"],
                    reason=first["reason"])
        )  # fmt: skip


# -- one field -------------------------------------------------------------------------------------------
def _identifier(value: str, name: str) -> str:
    text = value.strip()
    if not text:
        raise _Bad(f"{name} must not be empty")
    if len(text) > MAX_ID_CHARS:
        raise _Bad(f"{name} is {len(text):,} characters long; ids have at most {MAX_ID_CHARS}")
    if _ID_BAD.search(text):
        raise _Bad(f"{name} contains a control character")
    return text


def _text(value: str, name: str, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise _Bad(f"{name} must not be empty")
    if len(text) > MAX_TEXT_CHARS[name]:
        raise _Bad(f"{name} is {len(text):,} characters long; at most {MAX_TEXT_CHARS[name]:,} are kept")
    if _TEXT_BAD.search(text):
        raise _Bad(f"{name} contains a control character (a NUL byte?)")
    return text


def _number(value: str, name: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise _Bad(f"{name} {text[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise _Bad(f"{name} {text[:40]!r} is not a finite number")
    if number < 0:
        raise _Bad(f"{name} {text[:40]!r} is negative")
    return number


def _flag(text: str, default: bool) -> bool | None:
    value = text.strip().lower()
    if not value:
        return default
    return True if value in _TRUE else False if value in _FALSE else None


def _shown(names: list[str]) -> str:
    """Header names for a one-line message: printable, short, the first ten."""
    shown = [re.sub(r"[^\w .\-]", "?", n)[:40] for n in names[:10] if n]
    return ", ".join(shown) + (", ..." if len(names) > 10 else "") if shown else "none"


# -- staging and saving ------------------------------------------------------------------------------------
def _sweep(folder: Path) -> None:
    """Remove staging folders left by an import that was killed (older than `STALE_STAGING_S`)."""
    for path in folder.glob("import-*"):
        try:
            if time.time() - path.stat().st_mtime > STALE_STAGING_S:
                shutil.rmtree(path, ignore_errors=True)
        except FileNotFoundError:
            continue


def _staging_failed(err: OSError, folder: Path) -> Exception:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(
            f"The disk holding {folder} is full, so the import could not be checked (nothing was saved). "
            "Free some disk space and try again."
        )
    return ImportFailed(f"The import could not be staged in {folder} ({err.strerror or err}); nothing was saved.")


def _stage(frame: pd.DataFrame, staging: Path, report: ImportReport, number: int) -> Path:
    path = staging / f"{report.kind}-{number:05d}.parquet"
    frame.to_parquet(path, index=False)
    return path


def _save(store: Store, batches: list[_Batch]) -> None:
    """All staged rows and each file's import record in one transaction; the rejects files kept on success."""
    kept: list[Path] = []
    try:
        with store.transaction() as con:
            for batch in batches:
                _save_batch(con, batch)
                if batch.rejects.path is not None:
                    target = store.settings.module_dir(MODULE) / "rejects" / batch.rejects.path.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(batch.rejects.path, target)
                    kept.append(target)
                    batch.report.rejects_file = str(target)
                queries.record_import(con, _import_row(batch.report))
    except BaseException as err:
        for path in kept:
            path.unlink(missing_ok=True)
        if isinstance(err, duckdb.Error):
            logger.error("import not saved: %s", err)
            logger.debug("import not saved", exc_info=True)
            raise ImportFailed(
                f"The database did not take the import ({str(err).splitlines()[0][:200]}); nothing of it was saved."
            ) from err
        raise


def _save_batch(con: duckdb.DuckDBPyConnection, batch: _Batch) -> None:
    report = batch.report
    if report.kind == "catalog":
        for part in batch.parts:
            frame = pd.read_parquet(part)
            report.rows_added += len(frame) - queries.put_items(con, frame)
        return
    for part in batch.parts:
        report.rows_added += queries.add_interactions(con, pd.read_parquet(part))
    report.duplicates = batch.good_rows - report.rows_added  # repeated in the file or already stored
    report.unknown_items = queries.unknown_items(con)


def _import_row(report: ImportReport) -> dict[str, Any]:
    return {
        "import_id": report.import_id,
        "ts": now(),
        "kind": report.kind,
        "file": report.file,
        "rows_read": report.rows_read,
        "rows_added": report.rows_added,
        "duplicates": report.duplicates,
        "bad_rows": report.bad_rows,
        "report": to_json(report.as_dict()),
    }
