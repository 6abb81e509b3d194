"""Read headline files (CSV, JSON, JSON Lines), link them to watched companies, de-duplicate, score, store.

Every input row ends up somewhere: stored as a headline, counted as a duplicate of a stored story (its
source is added to that story), or kept in `risk_rejects` with the line number and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.text_classifier import clean_text
from suite.errors import InvalidInput
from suite.store import Store, new_id, now
from suite.tracking import track

logger = logging.getLogger(__name__)

MAX_HEADLINE_CHARS = 1000
_COLUMN_NAMES = {
    "timestamp": ("timestamp", "time", "date", "datetime", "published", "published_at"),
    "source": ("source", "outlet", "publisher"),
    "headline": ("headline", "title", "text"),
    "url": ("url", "link"),
    "ticker": ("ticker", "tickers", "symbol", "symbols"),
}
_TZINFOS = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600}
_TZINFOS |= {"PST": -8 * 3600, "PDT": -7 * 3600, "CET": 3600, "CEST": 7200, "BST": 3600, "JST": 9 * 3600}


@dataclass
class Rejected:
    line: int
    reason: str
    raw: str = ""


@dataclass
class IngestReport:
    """What happened to each row of one upload."""

    batch_id: str
    file_name: str
    rows_read: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    unknown_tickers: dict[str, list[int]] = field(default_factory=dict)
    unlinked: int = 0
    low_confidence: int = 0
    assumed_utc: int = 0
    new_alerts: list[str] = field(default_factory=list)
    model_version: str = ""

    def summary(self) -> str:
        parts = [f"{self.rows_read} rows read from {self.file_name}: {self.added} new headlines stored"]
        if self.duplicates:
            parts.append(f"{self.duplicates} repeats of stories already stored (their sources were added)")
        if self.rejected:
            first = "; ".join(f"line {r.line}: {r.reason}" for r in self.rejected[:5])
            parts.append(f"{len(self.rejected)} rows could not be used and were kept for review ({first})")
        if self.unknown_tickers:
            parts.append(f"unknown tickers {', '.join(sorted(self.unknown_tickers))} (add them to the watchlist)")
        if self.unlinked:
            parts.append(f"{self.unlinked} headlines mention no watched company")
        if self.low_confidence:
            parts.append(f"{self.low_confidence} headlines flagged as unsure (e.g. not English); they do not move tone")
        if self.assumed_utc:
            parts.append(f"{self.assumed_utc} timestamps had no time zone and were read as UTC")
        if self.new_alerts:
            parts.append(f"{len(self.new_alerts)} new alert(s)")
        return ". ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["rejected"] = [r.__dict__ for r in self.rejected]
        return data


# -- parsing ---------------------------------------------------------------------------------------
def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _canonical(columns: list[str]) -> dict[str, str]:
    found = {}
    for raw in columns:
        key = str(raw).strip().lower()
        for canonical, names in _COLUMN_NAMES.items():
            if key in names and canonical not in found:
                found[canonical] = raw
    missing = [c for c in ("timestamp", "headline") if c not in found]
    if missing:
        raise InvalidInput(
            f"The file needs the columns timestamp and headline (optional: source, url, ticker); "
            f"it is missing {', '.join(missing)}. Columns found: {', '.join(map(str, columns)) or 'none'}."
        )
    return found


def parse_rows(data: bytes | str, file_name: str = "upload.csv") -> tuple[list[dict], list[Rejected]]:
    """Rows as {line, timestamp, source, headline, url, ticker} plus rows that could not be read."""
    text = _decode(data)
    if not text.strip():
        raise InvalidInput(f"{file_name} is empty.")
    stripped = text.lstrip()
    if file_name.lower().endswith((".json", ".jsonl", ".ndjson")) or stripped[:1] in "[{":
        return _parse_json(stripped, file_name)
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except csv.Error as err:
        raise InvalidInput(f"{file_name} is not a readable CSV file ({err}).") from err
    columns = _canonical(header)
    index = {canonical: header.index(raw) for canonical, raw in columns.items()}
    rows, rejects = [], []
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            rejects.append(Rejected(reader.line_num, f"not valid CSV ({err})"))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            rejects.append(Rejected(line, f"has {len(record)} fields, expected {len(header)}", ",".join(record)))
            continue
        row = {c: record[i] for c, i in index.items()}
        rows.append({"line": line, **row})
    return rows, rejects


def _parse_json(text: str, file_name: str) -> tuple[list[dict], list[Rejected]]:
    records: list[tuple[int, Any]] = []
    rejects: list[Rejected] = []
    if text.startswith("["):
        try:
            records = list(enumerate(json.loads(text), start=1))
        except json.JSONDecodeError as err:
            raise InvalidInput(f"{file_name} is not valid JSON (line {err.lineno}: {err.msg}).") from err
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError as err:
                    rejects.append(Rejected(number, f"not valid JSON ({err.msg})", line[:2000]))
    rows = []
    for number, record in records:
        if not isinstance(record, dict):
            rejects.append(Rejected(number, "is not an object with timestamp and headline", str(record)[:2000]))
            continue
        columns = _canonical(list(record))
        rows.append({"line": number, **{c: record.get(raw) for c, raw in columns.items()}})
    return rows, rejects


def parse_timestamp(value: Any) -> tuple[datetime, bool]:
    """A UTC datetime from ISO, US-style, named-zone or epoch timestamps; True when no zone was given."""
    from dateutil import parser

    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError("has no timestamp")
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        seconds = float(text) / (1000 if len(text.split(".")[0]) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC), False
    try:
        stamp = parser.parse(text, tzinfos=_TZINFOS)
    except (ValueError, OverflowError) as err:
        raise ValueError(f"has a timestamp we cannot read ({text[:40]!r})") from err
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC), True
    return stamp.astimezone(UTC), False


# -- linking and de-duplication ------------------------------------------------------------------------
@dataclass
class Linker:
    """Finds watched companies in a headline by ticker ($ACMR or ACMR) or by any of their names."""

    tickers: set[str]
    patterns: list[tuple[str, re.Pattern]]

    @classmethod
    def from_store(cls, store: Store) -> Linker:
        rows = store.query("SELECT ticker, name, aliases FROM risk_watchlist")
        patterns = []
        for row in rows:
            names = sorted({row["name"], *(row["aliases"] or [])}, key=len, reverse=True)
            words = "|".join(re.escape(n) for n in names if n)
            pattern = rf"(?i:\b(?:{words})\b)|\$?\b{re.escape(row['ticker'])}\b"
            patterns.append((row["ticker"], re.compile(pattern)))
        return cls({r["ticker"] for r in rows}, patterns)

    def link(self, text: str) -> list[str]:
        return [ticker for ticker, pattern in self.patterns if pattern.search(text)]


def story_key(text: str, day: str) -> str:
    """The same story from several outlets: same words (case and punctuation ignored) on the same UTC day."""
    words = " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())
    return hashlib.sha1(f"{words}|{day}".encode()).hexdigest()[:20]


# -- the whole upload ------------------------------------------------------------------------------------
def ingest(store: Store, data: bytes | str, file_name: str = "upload.csv", *, user: str | None = None) -> IngestReport:
    """Parse, link, de-duplicate, classify and store one upload, then refresh the alerts it affects."""
    from suite.risk.alerts import refresh_alerts
    from suite.risk.model import current_classifier

    report = IngestReport(batch_id=new_id(), file_name=Path(file_name).name)
    rows, report.rejected = parse_rows(data, file_name)
    report.rows_read = len(rows) + len(report.rejected)
    linker = Linker.from_store(store)
    if not linker.tickers:
        raise InvalidInput("The watchlist is empty: add the companies you follow first (or load the demo data).")

    stories: dict[str, dict] = {}
    for row in rows:
        raw = json.dumps({k: v for k, v in row.items() if k != "line"}, ensure_ascii=False, default=str)
        text = clean_text(row.get("headline") or "")
        if not text:
            report.rejected.append(Rejected(row["line"], "has an empty headline", raw))
            continue
        if len(text) > MAX_HEADLINE_CHARS:
            reason = f"is {len(text):,} characters long; that looks like an article, not a headline"
            report.rejected.append(Rejected(row["line"], reason, raw))
            continue
        try:
            ts, naive = parse_timestamp(row.get("timestamp"))
        except ValueError as err:
            report.rejected.append(Rejected(row["line"], str(err), raw))
            continue
        report.assumed_utc += naive
        given = [t.strip().lstrip("$").upper() for t in re.split(r"[;,| ]+", str(row.get("ticker") or "")) if t.strip()]
        for ticker in given:
            if ticker not in linker.tickers:
                report.unknown_tickers.setdefault(ticker, []).append(row["line"])
        tickers = sorted({t for t in given if t in linker.tickers} | set(linker.link(text)))
        source = str(row.get("source") or "").strip() or "unknown"
        key = story_key(text, ts.date().isoformat())
        if key in stories:
            report.duplicates += 1
            story = stories[key]
            story["sources"] = sorted({*story["sources"], source})
            story["tickers"] = sorted({*story["tickers"], *tickers})
            continue
        stories[key] = {
            "headline_id": key,
            "ts": ts,
            "day": ts.date(),
            "source": source,
            "sources": [source],
            "headline": text,
            "url": str(row.get("url") or "").strip() or None,
            "tickers": tickers,
        }

    existing = _existing_ids(store, list(stories))
    fresh = [s for k, s in stories.items() if k not in existing]
    report.duplicates += len(stories) - len(fresh)
    report.unlinked = sum(1 for s in fresh if not s["tickers"])
    if fresh:
        classifier = current_classifier(store.settings)
        summary = f"{len(fresh)} headlines from {report.file_name}"
        with track(store, module="risk", action="classify_batch", user=user, input_summary=summary) as call:
            results = classifier.classify([s["headline"] for s in fresh])
            call.record(classifier)
            call.output = {"headlines": len(results), "negative": sum(r.label == "negative" for r in results)}
        report.model_version = classifier.model_version
        for story, result in zip(fresh, results, strict=True):
            story.update(
                label=result.label,
                confidence=result.confidence,
                score=result.score,
                p_negative=result.probabilities["negative"],
                p_neutral=result.probabilities["neutral"],
                p_positive=result.probabilities["positive"],
                low_confidence=result.low_confidence,
                model_version=result.model_version,
            )
        report.low_confidence = sum(s["low_confidence"] for s in fresh)
    _save(store, report, fresh, [stories[k] for k in existing if k in stories])
    report.added = len(fresh)
    affected = sorted({t for s in fresh for t in s["tickers"]})
    if affected:
        report.new_alerts = refresh_alerts(store, affected)
    store.log_event(
        module="risk", action="ingest", user=user, input_summary=report.file_name, output_summary=report.summary()
    )
    return report


def _existing_ids(store: Store, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    frame = pd.DataFrame({"headline_id": keys})
    with store.connect() as con:
        con.register("incoming", frame)
        rows = con.execute("SELECT h.headline_id FROM risk_headlines h JOIN incoming USING (headline_id)").fetchall()
    return {r[0] for r in rows}


def _save(store: Store, report: IngestReport, fresh: list[dict], repeats: list[dict]) -> None:
    stamp = now()
    columns = ["headline_id", "ts", "day", "source", "sources", "headline", "url", "label", "confidence", "score"]
    columns += ["p_negative", "p_neutral", "p_positive", "low_confidence", "model_version"]
    with store.transaction() as con:
        if fresh:
            frame = pd.DataFrame([{c: s[c] for c in columns} for s in fresh])
            frame["batch_id"], frame["ingested_at"] = report.batch_id, stamp
            con.register("new_headlines", frame)
            names = ", ".join([*columns, "batch_id", "ingested_at"])
            con.execute(f"INSERT OR IGNORE INTO risk_headlines ({names}) SELECT {names} FROM new_headlines")
            mentions = pd.DataFrame(
                [(s["headline_id"], t) for s in fresh for t in s["tickers"]], columns=["headline_id", "ticker"]
            )
            if len(mentions):
                con.register("new_mentions", mentions)
                con.execute("INSERT OR IGNORE INTO risk_mentions SELECT headline_id, ticker FROM new_mentions")
        for story in repeats:
            con.execute(
                "UPDATE risk_headlines SET sources = list_sort(list_distinct(list_concat(sources, ?))) "
                "WHERE headline_id = ?",
                [story["sources"], story["headline_id"]],
            )
        for reject in report.rejected:
            con.execute(
                "INSERT INTO risk_rejects VALUES (?, ?, ?, ?, ?, ?, ?)",
                [new_id(), report.batch_id, report.file_name, reject.line, reject.raw, reject.reason, stamp],
            )


def ingest_file(store: Store, path: str | Path, *, user: str | None = None) -> IngestReport:
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"There is no file at {path}.")
    return ingest(store, path.read_bytes(), path.name, user=user)


def ingest_folder(store: Store, folder: str | Path, *, user: str | None = None) -> list[IngestReport]:
    """The watched folder: ingest every new .csv/.json/.jsonl file, then move it to `processed/`."""
    folder = Path(folder)
    done = folder / "processed"
    done.mkdir(parents=True, exist_ok=True)
    reports = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".json", ".jsonl")):
        reports.append(ingest_file(store, path, user=user))
        path.rename(done / path.name)
    return reports


# -- watchlist and prices -----------------------------------------------------------------------------
def upsert_watchlist(store: Store, companies: list[dict]) -> int:
    """Add or update companies: {ticker, name, aliases (list or "a|b"), sector}."""
    stamp = now()
    with store.transaction() as con:
        for company in companies:
            ticker = str(company.get("ticker", "")).strip().upper()
            name = str(company.get("name", "")).strip()
            if not re.fullmatch(r"[A-Z0-9.\-]{1,10}", ticker) or not name:
                raise InvalidInput(f"Each company needs a ticker (letters, 1-10) and a name; got {company!r}.")
            aliases = company.get("aliases") or []
            if isinstance(aliases, str):
                aliases = [a.strip() for a in aliases.split("|") if a.strip()]
            con.execute(
                "INSERT INTO risk_watchlist VALUES (?, ?, ?, ?, ?) ON CONFLICT (ticker) DO UPDATE SET "
                "name = excluded.name, aliases = excluded.aliases, sector = excluded.sector",
                [ticker, name, aliases, company.get("sector"), stamp],
            )
    return len(companies)


def load_prices(store: Store, path: str | Path) -> int:
    frame = pd.read_csv(path, parse_dates=["date"])
    frame = frame.rename(columns={"date": "day"})[["ticker", "day", "close"]]
    with store.transaction() as con:
        con.register("prices", frame)
        con.execute("INSERT OR IGNORE INTO risk_prices SELECT ticker, CAST(day AS DATE), close FROM prices")
    return len(frame)
