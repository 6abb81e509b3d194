"""Import interaction logs and catalogs from CSV (plain or .gz): streamed, validated, de-duplicated.

Bad rows are never dropped silently: each import reports how many there were with the first examples by
line number, and writes every one of them (line, reason, raw text) to a rejects file under SUITE_HOME.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from suite.errors import InvalidInput, NotFound
from suite.progress import Progress, no_progress
from suite.recommend import queries
from suite.recommend.models import ImportReport
from suite.recommend.recmodel import EVENT_WEIGHTS
from suite.store import Store, now, to_json
from suite.timestamps import parse_timestamps

logger = logging.getLogger(__name__)

MODULE = "recommend"
DEFAULT_EVENT = "click"  # logs without an event column count every row as a click
INTERACTION_REQUIRED = ("user_id", "item_id", "timestamp")
INTERACTION_OPTIONAL = ("event", "value")
CATALOG_REQUIRED = ("item_id", "title", "category")
CATALOG_OPTIONAL = ("description", "price", "in_stock", "consumable")
CHUNK_ROWS = 100_000
MAX_EXAMPLES = 20
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


class _Rejects:
    """Collects bad rows: all of them to a CSV file, the first few in the report."""

    def __init__(self, report: ImportReport, folder: Path) -> None:
        self.report, self.folder = report, folder
        self._writer: Any = None
        self._handle: Any = None

    def add(self, line: int, reason: str, raw: list[str] | str) -> None:
        self.report.bad_rows += 1
        if len(self.report.bad_examples) < MAX_EXAMPLES:
            self.report.bad_examples.append({"line": line, "reason": reason})
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{self.report.kind}-{self.report.import_id}.csv"
            self._handle = path.open("w", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["line", "reason", "raw"])
            self.report.rejects_file = str(path)
        self._writer.writerow([line, reason, raw if isinstance(raw, str) else ",".join(raw)])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _open_rows(path: Path) -> tuple[Any, Iterator[list[str]], Any]:
    if not path.exists():
        raise NotFound(f"File not found: {path}. Check the path and try again.")
    raw = path.open("rb")
    binary = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
    return raw, csv.reader(text), text


def _header(reader: Any, path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, int]:
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(f"{path.name} is empty. Expected a header row: {', '.join(required)}.") from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise InvalidInput(
            f"{path.name} is missing the column(s) {', '.join(missing)}. Expected columns: "
            f"{', '.join(required)} (optional: {', '.join(optional)}); found: {', '.join(names) or 'none'}."
        )
    return {name: names.index(name) for name in (*required, *optional) if name in names}


def _chunks(reader: Any, text: Any, size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in reader:
        if not row or all(not cell.strip() for cell in row):
            continue
        chunk.append((reader.line_num, row))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_interactions(
    store: Store, path: str | Path, *, source: str = "import", progress: Progress = no_progress
) -> ImportReport:
    """Stream an interaction log into `rec_interactions`; idempotent (a repeated row is counted, not added)."""
    path = Path(path)
    report = ImportReport(kind="interactions", file=str(path))
    raw, reader, text = _open_rows(path)
    rejects = _Rejects(report, store.settings.module_dir(MODULE) / "rejects")
    total_bytes = max(path.stat().st_size, 1)
    try:
        cols = _header(reader, path, INTERACTION_REQUIRED, INTERACTION_OPTIONAL)
        width = max(cols.values()) + 1
        for chunk in _chunks(reader, text, CHUNK_ROWS):
            good: list[tuple[int, str, str, str, str, float | None]] = []
            for line, row in chunk:
                report.rows_read += 1
                if len(row) < width:
                    rejects.add(line, f"expected at least {width} fields, found {len(row)}", row)
                    continue
                user, item, stamp = (row[cols[c]].strip() for c in INTERACTION_REQUIRED)
                event = row[cols["event"]].strip().lower() if "event" in cols else DEFAULT_EVENT
                event = event or DEFAULT_EVENT
                value_text = row[cols["value"]].strip() if "value" in cols else ""
                if not user or not item:
                    rejects.add(line, "user_id and item_id must not be empty", row)
                    continue
                if event not in EVENT_WEIGHTS:
                    rejects.add(line, f"unknown event {event!r} (expected {', '.join(EVENT_WEIGHTS)})", row)
                    continue
                try:
                    value = float(value_text) if value_text else None
                except ValueError:
                    rejects.add(line, f"value {value_text!r} is not a number", row)
                    continue
                good.append((line, user, item, stamp, event, value))
            _insert_interactions(store, good, report, rejects, source)
            position = raw.tell()
            progress(min(position, total_bytes), total_bytes, f"{report.rows_read:,} rows read")
        if report.rows_read == 0:
            raise InvalidInput(f"{path.name} has a header but no rows.")
        report.unknown_items = queries.unknown_items(store)
    finally:
        text.close()
        raw.close()
        rejects.close()
    _record_import(store, report)
    logger.info("interaction import: %s", report.summary())
    return report


def _insert_interactions(store: Store, good: list, report: ImportReport, rejects: _Rejects, source: str) -> None:
    if not good:
        return
    frame = pd.DataFrame(good, columns=["line", "user_id", "item_id", "stamp", "event", "value"])
    frame["ts"] = parse_timestamps(frame["stamp"].tolist())
    for line, stamp in frame.loc[frame["ts"].isna(), ["line", "stamp"]].itertuples(index=False):
        rejects.add(
            int(line), f"timestamp {stamp!r} not understood (use ISO 8601 like 2025-03-01T14:30:00Z)", str(stamp)
        )
    frame = frame[frame["ts"].notna()]
    before = len(frame)
    frame = frame.drop_duplicates(subset=["user_id", "item_id", "ts", "event"])
    report.duplicates += before - len(frame)
    frame = frame.assign(source=source, imported_at=now())[
        ["user_id", "item_id", "ts", "event", "value", "source", "imported_at"]
    ]
    added = queries.add_interactions(store, frame)
    report.rows_added += added
    report.duplicates += len(frame) - int(added)


def _flag(text: str, default: bool) -> bool | None:
    value = text.strip().lower()
    if not value:
        return default
    return True if value in _TRUE else False if value in _FALSE else None


def import_catalog(store: Store, path: str | Path, *, progress: Progress = no_progress) -> ImportReport:
    """Add or update products in `rec_items` (a product listed again replaces the stored one)."""
    path = Path(path)
    report = ImportReport(kind="catalog", file=str(path))
    raw, reader, text = _open_rows(path)
    rejects = _Rejects(report, store.settings.module_dir(MODULE) / "rejects")
    try:
        cols = _header(reader, path, CATALOG_REQUIRED, CATALOG_OPTIONAL)
        width = max(cols.values()) + 1
        for chunk in _chunks(reader, text, CHUNK_ROWS):
            rows: dict[str, dict[str, Any]] = {}
            for line, row in chunk:
                report.rows_read += 1
                if len(row) < width:
                    rejects.add(line, f"expected at least {width} fields, found {len(row)}", row)
                    continue
                item, title, category = (row[cols[c]].strip() for c in CATALOG_REQUIRED)
                if not item or not title or not category:
                    rejects.add(line, "item_id, title and category must not be empty", row)
                    continue
                price_text = row[cols["price"]].strip() if "price" in cols else ""
                try:
                    price = float(price_text) if price_text else None
                except ValueError:
                    rejects.add(line, f"price {price_text!r} is not a number", row)
                    continue
                in_stock = _flag(row[cols["in_stock"]], True) if "in_stock" in cols else True
                consumable = _flag(row[cols["consumable"]], False) if "consumable" in cols else False
                if in_stock is None or consumable is None:
                    rejects.add(line, "in_stock and consumable must be true/false (or yes/no, 1/0)", row)
                    continue
                if item in rows:
                    report.duplicates += 1
                rows[item] = {
                    "item_id": item,
                    "title": title,
                    "category": category,
                    "description": row[cols["description"]].strip() if "description" in cols else "",
                    "price": price,
                    "in_stock": in_stock,
                    "consumable": consumable,
                    "updated_at": now(),
                }
            if rows:
                frame = pd.DataFrame(list(rows.values()))
                report.rows_added += len(frame) - queries.put_items(store, frame)
            progress(min(raw.tell(), path.stat().st_size), max(path.stat().st_size, 1), f"{report.rows_read:,} rows")
        if report.rows_read == 0:
            raise InvalidInput(f"{path.name} has a header but no rows.")
    finally:
        text.close()
        raw.close()
        rejects.close()
    _record_import(store, report)
    return report


def _record_import(store: Store, report: ImportReport) -> None:
    store.journal_row(
        "rec_imports",
        {
            "import_id": report.import_id,
            "ts": now().isoformat(),
            "kind": report.kind,
            "file": report.file,
            "rows_read": report.rows_read,
            "rows_added": report.rows_added,
            "duplicates": report.duplicates,
            "bad_rows": report.bad_rows,
            "report": to_json(report.as_dict()),
        },
    )
