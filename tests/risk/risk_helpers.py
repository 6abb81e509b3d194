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

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "risk"
_trained: dict[str, Path] = {}


def install_default_model(settings: Settings, scratch: Path) -> Path:
    """Train the default classifier once per test run (real training), then copy it into this SUITE_HOME."""
    if "dir" not in _trained:
        trained = Settings.from_env(home=scratch / "risk-model-home", device="cpu")
        prepare(trained)
        _trained["dir"] = default_dir(trained)
    target = default_dir(settings)
    if not target.exists():
        shutil.copytree(_trained["dir"], target)
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
