"""Shared by the risk tests and the risk page test: one trained default model per run, a small real data slice."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from suite.risk.classifier import default_dir, prepare
from suite.risk.service import ingest, load_prices, upsert_watchlist
from suite.settings import Settings
from suite.store import Store
from tests.homes import process_folder

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "risk"
_trained: dict[str, Path] = {}


def install_default_model(settings: Settings) -> Path:
    """Train the default classifier once per test run (real training), then copy it into this SUITE_HOME,
    with the embedder's ONNX export that `prepare` made (so no test exports it again).

    It is trained in a folder of its own that lasts as long as this process: under a test's tmp_path it went
    with that test (pytest removes a passing test's folder) and every later copy failed."""
    if "dir" not in _trained:
        trained = Settings.from_env(home=process_folder("suite-risk-model-") / "home", device="cpu")
        prepare(trained)
        _trained["dir"] = default_dir(trained)
        _trained["onnx"] = trained.models_dir / "onnx"
    target = default_dir(settings)
    if not target.exists():
        shutil.copytree(_trained["dir"], target)
    if _trained["onnx"].exists() and not (settings.models_dir / "onnx").exists():
        shutil.copytree(_trained["onnx"], settings.models_dir / "onnx")
    return target


def watchlist(tickers: tuple[str, ...]) -> list[dict]:
    with (SAMPLE / "watchlist.csv").open(newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["ticker"] in tickers]


def slice_csv(tickers: tuple[str, ...] = ("FNWK", "ACMR"), until: str = "2025-04-30") -> str:
    """The sample headlines about some companies up to a date, as CSV text (same format as the full file)."""
    names = [a for c in watchlist(tickers) for a in (c["name"], *c["aliases"].split("|"), c["ticker"])]
    out = io.StringIO()
    with (SAMPLE / "headlines.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        for row in reader:
            if row["timestamp"][:10] <= until and any(n in row["headline"] for n in names):
                writer.writerow(row)
    return out.getvalue()


def load_slice(store: Store, tickers: tuple[str, ...] = ("FNWK", "ACMR"), until: str = "2025-04-30"):
    """Watchlist, prices and headlines for the slice; returns the ingest report."""
    upsert_watchlist(store, watchlist(tickers))
    prices = SAMPLE / "prices.csv"
    rows = [r for r in csv.DictReader(prices.open(newline="")) if r["ticker"] in tickers and r["date"] <= until]
    subset = store.settings.home / "prices-slice.csv"
    with subset.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["date", "ticker", "close"])
        writer.writeheader()
        writer.writerows(rows)
    load_prices(store, subset)
    return ingest(store, slice_csv(tickers, until), "slice.csv", user="test")


def seed_scored_headlines(
    store: Store,
    ticker: str = "FNWK",
    *,
    bad_news: tuple[str, ...] = (),
    start: str = "2025-05-01",
    quiet_days: int = 12,
) -> str:
    """Already-scored headlines without a model: a quiet run of neutral days, then one day of bad news (which
    `refresh_alerts` turns into an alert). Returns that day's date."""
    from datetime import UTC, date, datetime, timedelta

    import pandas as pd

    from suite.risk import queries

    first = date.fromisoformat(start)
    rows = []
    for offset in range(quiet_days):
        day = first + timedelta(days=offset)
        rows.append((f"{ticker}-quiet-{offset}", day, f"{ticker} holds its regular meeting number {offset}", 0.0))
    bad_day = first + timedelta(days=quiet_days)
    texts = bad_news or tuple(f"{ticker} shares crash as regulators open probe {n}" for n in range(5))
    rows += [(f"{ticker}-bad-{n}", bad_day, text, -0.9) for n, text in enumerate(texts)]
    stamp = datetime.now(UTC)
    frame = pd.DataFrame(
        [
            {
                "headline_id": key,
                "ts": datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
                "day": day,
                "source": "Wire",
                "sources": ["Wire"],
                "headline": text,
                "url": None,
                "label": "negative" if score < 0 else "neutral",
                "confidence": 0.9,
                "score": score,
                "p_negative": 0.9 if score < 0 else 0.05,
                "p_neutral": 0.05 if score < 0 else 0.9,
                "p_positive": 0.05,
                "low_confidence": False,
                "model_version": "seeded",
                "batch_id": f"seed-{ticker}",
                "ingested_at": stamp,
            }
            for key, day, text, score in rows
        ]
    )
    mentions = pd.DataFrame([(key, ticker) for key, *_ in rows], columns=["headline_id", "ticker"])
    record = [f"seed-{ticker}", "seed.csv", "test", stamp, "utf-8", len(rows), len(rows), 0, 0, None, "seeded"]
    queries.save_batch(store, headlines=frame, mentions=mentions, repeats=[], rejects=pd.DataFrame(), record=record)
    return bad_day.isoformat()


def accepted_correction(store: Store, headline: str, corrected: str = "negative") -> str:
    """A reviewer-accepted staff correction of a headline's tone (what risk retraining learns from); its id."""
    feedback_id = store.log_feedback(
        module="risk",
        kind="correction",
        value={"headline": headline, "model_label": "neutral", "corrected_label": corrected},
        user="ana",
    )
    store.flush(wait_s=5)
    store.execute("UPDATE feedback SET review_state = 'accepted' WHERE feedback_id = ?", [feedback_id])
    return feedback_id
