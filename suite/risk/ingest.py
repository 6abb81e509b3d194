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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.text_classifier import clean_text
from suite.errors import InvalidInput
from suite.risk import queries
from suite.risk.models import EmptyWatchlist, IngestReport, Rejected
from suite.store import Store, new_id, now
from suite.timestamps import parse_timestamp
from suite.tracking import track
from suite.uploads import display_name

logger = logging.getLogger(__name__)

MAX_HEADLINE_CHARS = 1000
_COLUMN_NAMES = {
    "timestamp": ("timestamp", "time", "date", "datetime", "published", "published_at"),
    "source": ("source", "outlet", "publisher"),
    "headline": ("headline", "title", "text"),
    "url": ("url", "link"),
    "ticker": ("ticker", "tickers", "symbol", "symbols"),
}


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


# -- linking and de-duplication ------------------------------------------------------------------------
@dataclass
class Linker:
    """Finds watched companies in a headline by ticker ($ACMR or ACMR) or by any of their names."""

    tickers: set[str]
    patterns: list[tuple[str, re.Pattern]]

    @classmethod
    def from_store(cls, store: Store) -> Linker:
        rows = queries.watchlist(store)
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
    from suite.risk.classifier import current_classifier

    report = IngestReport(batch_id=new_id(), file_name=display_name(file_name))
    rows, report.rejected = parse_rows(data, file_name)
    report.rows_read = len(rows) + len(report.rejected)
    linker = Linker.from_store(store)
    if not linker.tickers:
        raise EmptyWatchlist("The watchlist is empty: add the companies you follow first (or load the demo data).")

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

    existing = queries.stored_headline_ids(store, list(stories))
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


def _save(store: Store, report: IngestReport, fresh: list[dict], repeats: list[dict]) -> None:
    stamp = now()
    columns = ["headline_id", "ts", "day", "source", "sources", "headline", "url", "label", "confidence", "score"]
    columns += ["p_negative", "p_neutral", "p_positive", "low_confidence", "model_version"]
    headlines = pd.DataFrame([{c: s[c] for c in columns} for s in fresh], columns=columns)
    headlines["batch_id"], headlines["ingested_at"] = report.batch_id, stamp
    mentions = pd.DataFrame(
        [(s["headline_id"], t) for s in fresh for t in s["tickers"]], columns=["headline_id", "ticker"]
    )
    rejects = [(new_id(), report.batch_id, report.file_name, r.line, r.raw, r.reason, stamp) for r in report.rejected]
    queries.save_batch(
        store,
        headlines=headlines,
        mentions=mentions,
        repeats=[(s["headline_id"], s["sources"]) for s in repeats],
        rejects=rejects,
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
    """Add or update companies: {ticker, name, aliases (list or "a|b"), sector}; all of them or none."""
    rows = []
    for company in companies:
        ticker = str(company.get("ticker", "")).strip().upper()
        name = str(company.get("name", "")).strip()
        if not re.fullmatch(r"[A-Z0-9.\-]{1,10}", ticker) or not name:
            raise InvalidInput(f"Each company needs a ticker (letters, 1-10) and a name; got {company!r}.")
        aliases = company.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [a.strip() for a in aliases.split("|") if a.strip()]
        rows.append((ticker, name, list(aliases), company.get("sector")))
    queries.upsert_companies(store, rows, now())
    return len(companies)


def load_prices(store: Store, path: str | Path) -> int:
    """Daily closes from a CSV with date, ticker, close; days already stored stay as they are."""
    frame = pd.read_csv(path, parse_dates=["date"])
    frame = frame.rename(columns={"date": "day"})[["ticker", "day", "close"]]
    queries.insert_prices(store, frame)
    return len(frame)
