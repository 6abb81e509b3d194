"""Headline files (CSV, JSON, JSON Lines, gzipped or not) in: link to watched companies, de-duplicate, score, store.

Every input row ends up somewhere: stored as a headline, counted as a duplicate of a stored story (its
source is added to that story), or kept in `risk_rejects` with the line number and the reason. One file is
one transaction: its headlines, their company links, its rejected rows and its record in `risk_imports` are
stored together or not at all. A file that cannot be used as a whole (`UnreadableFile`) changes nothing;
in a watched folder it is moved to `rejected/` with a `.reason.txt`, and the next file is read as usual.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.text_classifier import clean_text
from suite.errors import InvalidInput, SuiteError
from suite.risk import queries
from suite.risk.languages import has_han
from suite.risk.models import EmptyWatchlist, IngestReport, Rejected, Thresholds, UnreadableFile
from suite.risk.parsing import RAW_CHARS, base_name, parse_file
from suite.store import Store, new_id, now
from suite.textfiles import repair_mojibake
from suite.timestamps import parse_timestamp
from suite.tracking import track
from suite.uploads import display_name

logger = logging.getLogger(__name__)

MAX_HEADLINE_CHARS = 1000
MAX_SOURCE_CHARS = 200
MAX_TICKER_FIELD_CHARS = 200
MAX_URL_CHARS = 2000
FUTURE_SLACK = timedelta(days=1)  # a headline dated later than this after now is refused (a wrong clock or zone)
FILE_SUFFIXES = (".csv", ".json", ".jsonl")  # what uploads and the watched folder accept (also gzipped: .csv.gz)
_TICKER = re.compile(r"[A-Z0-9.\-]{1,10}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
            words = "|".join(re.escape(n) for n in names if n and not has_han(n))
            pattern = rf"(?i:\b(?:{words})\b)|" if words else ""
            # Chinese is written without spaces, so a Chinese name has no word boundary around it (腾讯发布...)
            han = "|".join(re.escape(n) for n in names if n and has_han(n))
            pattern += f"(?:{han})|" if han else ""
            # a ticker beside Chinese text (ACMR股价) has no \b either: only ASCII letters and digits stop it
            pattern += rf"(?<![A-Za-z0-9_])\$?{re.escape(row['ticker'])}(?![A-Za-z0-9_])"
            patterns.append((row["ticker"], re.compile(pattern)))
        return cls({r["ticker"] for r in rows}, patterns)

    def link(self, text: str) -> list[str]:
        return [ticker for ticker, pattern in self.patterns if pattern.search(text)]


def story_key(text: str, day: str) -> str:
    """The same story from several outlets: same words (case and punctuation ignored) on the same UTC day."""
    words = " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())
    return hashlib.sha1(f"{words}|{day}".encode()).hexdigest()[:20]


def accepted_file(name: str) -> bool:
    """Whether a file name is one the upload and the watched folder read (.csv, .json, .jsonl, each also .gz)."""
    return base_name(name).endswith(FILE_SUFFIXES)


# -- one row ---------------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """A field as plain text: control characters other than whitespace dropped, mojibake repaired."""
    return repair_mojibake(_CONTROL.sub(" ", "" if value is None else str(value)))


def _story(row: dict[str, Any], latest: Any) -> tuple[dict[str, Any] | None, str, bool]:
    """The story of one row, or None with the reason it cannot be used; the flag says 'no zone, read as UTC'."""
    if any(isinstance(v, str) and "\x00" in v for v in row.values()):
        return None, "contains NUL bytes (a binary or UTF-16 fragment, not text)", False
    headline = row.get("headline")
    if headline is not None and not isinstance(headline, str | int | float):
        return None, "has a headline that is not text", False
    raw = _text(headline)
    if len(raw) > 20 * MAX_HEADLINE_CHARS:  # not worth cleaning: far too long either way
        return None, f"is {len(raw):,} characters long; that looks like an article, not a headline", False
    text = clean_text(raw)
    if not text:
        return None, "has an empty headline", False
    if len(text) > MAX_HEADLINE_CHARS:
        return None, f"is {len(text):,} characters long; that looks like an article, not a headline", False
    try:
        ts, naive = parse_timestamp(row.get("timestamp"))
    except ValueError as err:
        return None, str(err), False
    if ts > latest:
        return None, f"has a timestamp in the future ({ts:%Y-%m-%d %H:%M} UTC)", False
    tickers = str(row.get("ticker") or "")
    if len(tickers) > MAX_TICKER_FIELD_CHARS:
        return None, f"has a ticker field of {len(tickers):,} characters", False
    url = clean_text(_text(row.get("url")))
    story = {
        "ts": ts,
        "day": ts.date(),
        "source": clean_text(_text(row.get("source")))[:MAX_SOURCE_CHARS] or "unknown",
        "headline": text,
        "url": url if url.lower().startswith(("http://", "https://")) and len(url) <= MAX_URL_CHARS else None,
        "given": [t.strip().lstrip("$").upper() for t in re.split(r"[;,| ]+", tickers) if t.strip()],
    }
    return story, "", naive


# -- the whole upload ------------------------------------------------------------------------------------
def ingest(store: Store, data: bytes | str, file_name: str = "upload.csv", *, user: str | None = None) -> IngestReport:
    """Parse, link, de-duplicate, classify and store one file in one transaction, then refresh the alerts it affects.

    Raises:
        UnreadableFile: the file as a whole cannot be used (nothing was stored).
        EmptyWatchlist: no company is watched yet.
    """
    from suite.risk.classifier import current_thresholds, served_classifier

    report = IngestReport(batch_id=new_id(), file_name=display_name(file_name))
    thresholds = current_thresholds(store.settings)  # a damaged champion refuses before anything is stored
    parsed = parse_file(data, report.file_name)
    report.rejected, report.encoding = parsed.rejected, parsed.encoding
    report.rows_read = len(parsed.rows) + len(parsed.rejected)
    linker = Linker.from_store(store)
    if not linker.tickers:
        raise EmptyWatchlist("The watchlist is empty: add the companies you follow first (or load the demo data).")

    latest = now() + FUTURE_SLACK
    stories: dict[str, dict] = {}
    for row in parsed.rows:
        story, reason, naive = _story(row, latest)
        if story is None:
            raw = json.dumps({k: v for k, v in row.items() if k != "line"}, ensure_ascii=False, default=str)
            report.rejected.append(Rejected(row["line"], reason, raw[:RAW_CHARS]))
            continue
        report.assumed_utc += naive
        given = story.pop("given")
        for ticker in given:
            if ticker not in linker.tickers:
                report.unknown_tickers.setdefault(ticker[:20], []).append(row["line"])
        tickers = sorted({t for t in given if t in linker.tickers} | set(linker.link(story["headline"])))
        key = story_key(story["headline"], story["day"].isoformat())
        if key in stories:
            report.duplicates += 1
            known = stories[key]
            known["sources"] = sorted({*known["sources"], story["source"]})
            known["tickers"] = sorted({*known["tickers"], *tickers})
            continue
        stories[key] = {**story, "headline_id": key, "sources": [story["source"]], "tickers": tickers}
    report.rejected.sort(key=lambda r: r.line)

    existing = queries.stored_headline_ids(store, list(stories))
    fresh = [s for k, s in stories.items() if k not in existing]
    report.duplicates += len(stories) - len(fresh)
    report.unlinked = sum(1 for s in fresh if not s["tickers"])
    if fresh:
        _score(store, report, fresh, served_classifier(store.settings), user)
    report.added = len(fresh)
    _save(store, report, fresh, [stories[k] for k in existing if k in stories], user)
    affected = sorted({t for s in fresh for t in s["tickers"]})
    if affected:
        report.new_alerts = _refresh(store, affected, thresholds, report)
    store.log_event(
        module="risk", action="ingest", user=user, input_summary=report.file_name, output_summary=report.summary()
    )
    return report


def _score(store: Store, report: IngestReport, fresh: list[dict], classifier: Any, user: str | None) -> None:
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


def _refresh(store: Store, tickers: list[str], thresholds: Thresholds, report: IngestReport) -> list[str]:
    """New alerts for the companies the file touched; the import stands even if this fails (the next one catches up)."""
    from suite.risk.alerts import refresh_alerts

    try:
        return refresh_alerts(store, tickers, thresholds=thresholds)
    except Exception as err:  # the headlines are stored; a later import or refresh raises the alerts
        if not isinstance(err, SuiteError):
            logger.exception("refreshing alerts after importing %s failed", report.file_name)
        report.alerts_note = "the headlines are stored, but alerts could not be refreshed now; the next import will"
        return []


def _save(store: Store, report: IngestReport, fresh: list[dict], repeats: list[dict], user: str | None) -> None:
    stamp = now()
    columns = ["headline_id", "ts", "day", "source", "sources", "headline", "url", "label", "confidence", "score"]
    columns += ["p_negative", "p_neutral", "p_positive", "low_confidence", "model_version"]
    headlines = pd.DataFrame([{c: s[c] for c in columns} for s in fresh], columns=columns)
    headlines["batch_id"], headlines["ingested_at"] = report.batch_id, stamp
    mentions = pd.DataFrame(
        [(s["headline_id"], t) for s in fresh for t in s["tickers"]], columns=["headline_id", "ticker"]
    )
    rejects = pd.DataFrame(
        [(new_id(), report.batch_id, report.file_name, r.line, r.raw, r.reason, stamp) for r in report.rejected],
        columns=["reject_id", "batch_id", "file_name", "line", "raw", "reason", "ts"],
    )
    record = [report.batch_id, report.file_name, user, stamp, report.encoding, report.rows_read, report.added]
    record += [report.duplicates, len(report.rejected), report.error or None, report.summary()]
    queries.save_batch(
        store,
        headlines=headlines,
        mentions=mentions,
        repeats=[(s["headline_id"], s["sources"]) for s in repeats],
        rejects=rejects,
        record=record,
    )


def ingest_file(store: Store, path: str | Path, *, user: str | None = None) -> IngestReport:
    """One headlines file on disk (see `ingest`)."""
    path = Path(path)
    if path.is_dir():
        raise UnreadableFile(f"{path} is a folder, not a file of headlines.")
    if not path.is_file():
        raise InvalidInput(f"There is no file at {path}.")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UnreadableFile(f"{path.name} cannot be read ({err.strerror or err}).") from None
    return ingest(store, data, path.name, user=user)


def ingest_folder(store: Store, folder: str | Path, *, user: str | None = None) -> list[IngestReport]:
    """The watched folder: ingest every new headlines file, then move it to `processed/`.

    A file that cannot be used is moved to `rejected/` with `<name>.reason.txt` and reported with its `error`;
    the folder keeps flowing. Problems that are not the file's (an empty watchlist, a missing model, a busy
    store) stop the run and leave the remaining files where they are, for the next run.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(f"There is no folder at {folder}.")
    names = sorted(p.name for p in folder.iterdir() if accepted_file(p.name) and not p.name.startswith("."))
    reports = []
    for name in names:
        path = folder / name
        if not path.exists():
            continue  # another process took it meanwhile
        try:
            report = ingest_file(store, path, user=user)
        except UnreadableFile as err:
            reports.append(_set_aside(store, path, str(err), user))
            continue
        except SuiteError:
            raise
        except Exception:  # a bug must not block the folder: the file waits in rejected/ and the error is logged
            logger.exception("importing %s from the watched folder failed", path)
            reason = "it could not be imported because of a problem on our side (logged); try it again later"
            reports.append(_set_aside(store, path, reason, user))
            continue
        _move(path, folder / "processed")
        reports.append(report)
    return reports


def _set_aside(store: Store, path: Path, reason: str, user: str | None) -> IngestReport:
    report = IngestReport(batch_id=new_id(), file_name=display_name(path.name), error=reason)
    moved = _move(path, path.parent / "rejected")
    if moved is not None:
        try:
            moved.with_name(moved.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
        except OSError as err:  # the file is aside already; its reason is also in the import record
            logger.warning("could not write the reason for %s: %s", moved, err)
    empty = pd.DataFrame()
    record = [report.batch_id, report.file_name, user, now(), None, 0, 0, 0, 0, reason, report.summary()]
    queries.save_batch(store, headlines=empty, mentions=empty, repeats=[], rejects=empty, record=record)
    logger.warning("watched folder: %s", report.summary())
    return report


def _move(path: Path, target_dir: Path) -> Path | None:
    """Move a file (or a folder) into `target_dir` without replacing one of the same name; None if it vanished."""
    target = target_dir / path.name
    if target.exists() or target.with_name(target.name + ".reason.txt").exists():
        target = target_dir / f"{now():%Y%m%dT%H%M%S}-{new_id()[:6]}-{path.name}"
    try:
        target_dir.mkdir(exist_ok=True)
        path.rename(target)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise InvalidInput(
            f"{path.name} cannot be moved to {target_dir} ({err.strerror or err}); check the folder's permissions."
        ) from None
    return target


# -- watchlist and prices -----------------------------------------------------------------------------
def upsert_watchlist(store: Store, companies: list[dict]) -> int:
    """Add or update companies: {ticker, name, aliases and names_zh (list or "a|b"), sector}; all or none."""
    rows = []
    for number, company in enumerate(companies, start=1):
        if not isinstance(company, dict):
            raise InvalidInput(f"Company {number} is not a record with a ticker and a name.")
        ticker = _text(company.get("ticker", "")).strip().upper()
        name = clean_text(_text(company.get("name", "")))
        if not _TICKER.fullmatch(ticker) or not name or len(name) > 200:
            shown = f"{ticker[:12]!r}, {name[:40]!r}"
            raise InvalidInput(
                f"Company {number} needs a ticker (1-10 letters, digits, '.' or '-') and a name; got {shown}."
            )
        aliases = []
        for field in ("aliases", "names_zh"):  # names_zh: the Chinese names (全称|简称), linked like any alias
            given = company.get(field) or []
            aliases += given.split("|") if isinstance(given, str) else list(given)
        aliases = list(dict.fromkeys(clean_text(_text(a)) for a in aliases if clean_text(_text(a))))
        if len(aliases) > 50 or any(len(a) > 200 for a in aliases):
            raise InvalidInput(f"Company {number} ({ticker}) has more than 50 aliases or one over 200 characters.")
        sector = clean_text(_text(company.get("sector"))) or None
        rows.append((ticker, name, aliases, sector))
    queries.upsert_companies(store, rows, now())
    return len(companies)


def load_prices(store: Store, path: str | Path) -> int:
    """Daily closes from a CSV with date, ticker, close; days already stored stay as they are."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"There is no prices file at {path}.")
    try:
        frame = pd.read_csv(path, dtype={"ticker": str})
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InvalidInput(f"{path.name} is not a readable CSV file ({str(err).splitlines()[0][:200]}).") from None
    missing = [c for c in ("date", "ticker", "close") if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{path.name} needs the columns date, ticker and close; it is missing {', '.join(missing)}.")
    frame["day"] = pd.to_datetime(frame["date"], errors="coerce")
    frame["close"] = pd.to_numeric(frame["close"], errors="coerce")
    bad = frame["day"].isna() | frame["close"].isna() | ~(frame["close"] > 0) | frame["ticker"].isna()
    if bad.any():
        lines = (frame.index[bad][:5] + 2).tolist()
        raise InvalidInput(f"{path.name}: rows on lines {lines} need a date, a ticker and a positive close.")
    frame = frame[["ticker", "day", "close"]]
    queries.insert_prices(store, frame)
    return len(frame)
