"""Uploads with bad rows, mixed time formats, duplicates, unknown tickers and non-English text: nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from risk_helpers import watchlist

from suite.errors import InvalidInput
from suite.risk.service import ingest, ingest_folder, upsert_watchlist
from suite.timestamps import parse_timestamp

MESSY = (
    "timestamp,source,headline,url,ticker\n"
    '2025-03-11T09:30:00-05:00,Northwire,"Fennwick recalls 80,000 cars over faulty steering",https://x.example/1,FNWK\n'
    "11 Mar 2025 15:05 CET,City Post,FENNWICK RECALLS 80000 CARS OVER FAULTY STEERING!,,\n"
    "2025-03-11 16:00,Ledger Daily,<p>Acmera &amp; Fennwick sign a robotics deal 🤝</p>,,\n"
    "1741708800,Market Desk,Fennwick names a new finance chief,,ZZZZ\n"
    "2025-03-12T08:00:00Z,Market Desk,,,FNWK\n"
    "2025-03-12T08:00:00Z,Market Desk,too,many,fields,here\n"
    "not a date,Market Desk,Fennwick opens a plant,,\n"
    f"2025-03-12T09:00:00Z,Market Desk,{'Fennwick news ' * 400},,\n"
    "2025-03-12T10:00:00Z,Presse,Der Autobauer Fennwick ruft die Fahrzeuge wegen eines Fehlers zurück,,\n"
    "2025-03-12T11:00:00Z,Wire,Harbour cranes idle at an unlisted port,,\n"
)


@pytest.fixture
def watched(store, risk_settings):
    upsert_watchlist(store, watchlist(("FNWK", "ACMR")))
    return store


@pytest.mark.slow
def test_messy_upload_is_reported_row_by_row_and_nothing_is_lost(watched):
    report = ingest(watched, MESSY, "messy.csv")
    assert report.rows_read == 10
    assert report.added + report.duplicates + len(report.rejected) == report.rows_read
    assert report.duplicates == 1  # the same recall story from two outlets, in two time zones
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {6, 7, 8, 9}
    assert "empty headline" in reasons[6]
    assert "has 6 fields, expected 5" in reasons[7]
    assert "timestamp" in reasons[8]
    assert "5,599 characters long" in reasons[9]  # trailing space stripped
    assert report.unknown_tickers == {"ZZZZ": [5]}
    assert report.unlinked == 1 and report.low_confidence == 1 and report.assumed_utc == 1
    stored = watched.query("SELECT count(*) AS n FROM risk_rejects")[0]["n"]
    assert stored == 4  # rejected rows are kept with their reason

    rows = {r["headline"]: r for r in watched.query("SELECT * FROM risk_headlines")}
    recall = rows["Fennwick recalls 80,000 cars over faulty steering"]
    assert recall["sources"] == ["City Post", "Northwire"]
    assert recall["ts"].astimezone(UTC) == datetime(2025, 3, 11, 14, 30, tzinfo=UTC)
    assert recall["label"] == "negative"
    deal = rows["Acmera & Fennwick sign a robotics deal 🤝"]
    links = watched.query(
        "SELECT ticker FROM risk_mentions WHERE headline_id = ? ORDER BY ticker", [deal["headline_id"]]
    )
    assert [r["ticker"] for r in links] == ["ACMR", "FNWK"]
    assert rows["Der Autobauer Fennwick ruft die Fahrzeuge wegen eines Fehlers zurück"]["low_confidence"]

    again = ingest(watched, MESSY, "messy-again.csv")
    assert again.added == 0 and again.duplicates == 6


@pytest.mark.slow
def test_json_lines_and_missing_columns(watched):
    lines = (
        '{"timestamp": "2025-04-01T10:00:00+02:00", "source": "Wire", "headline": "Acmera wins a record order"}\n'
        "{broken\n"
        '{"published": "Apr 2, 2025 9:00 AM EST", "title": "Acmera shares slide on weak outlook", "symbol": "ACMR"}\n'
    )
    report = ingest(watched, lines, "feed.jsonl")
    assert report.added == 2 and [r.line for r in report.rejected] == [2]
    with pytest.raises(InvalidInput, match="missing headline"):
        ingest(watched, "timestamp,source\n2025-01-01,x\n", "bad.csv")
    with pytest.raises(InvalidInput, match="empty"):
        ingest(watched, "", "empty.csv")


def test_timestamps_in_many_formats_become_utc():
    assert parse_timestamp("2025-03-11T09:30:00-05:00") == (datetime(2025, 3, 11, 14, 30, tzinfo=UTC), False)
    assert parse_timestamp("Mar 11, 2025 9:30 AM EST")[0] == datetime(2025, 3, 11, 14, 30, tzinfo=UTC)
    assert parse_timestamp("1741708800")[0] == datetime(2025, 3, 11, 16, 0, tzinfo=UTC)
    assert parse_timestamp("2025-03-11 09:30") == (datetime(2025, 3, 11, 9, 30, tzinfo=UTC), True)
    with pytest.raises(ValueError):
        parse_timestamp("yesterday-ish")


def test_upload_needs_a_watchlist(store):
    with pytest.raises(InvalidInput, match="watchlist is empty"):
        ingest(store, MESSY, "messy.csv")


@pytest.mark.slow
def test_watched_folder_ingests_new_files_once(watched, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "monday.csv").write_text(
        "timestamp,source,headline\n2025-04-07T09:00:00Z,Wire,Acmera misses its sales target\n"
    )
    (inbox / "notes.txt").write_text("not headlines")
    reports = ingest_folder(watched, inbox)
    assert [r.file_name for r in reports] == ["monday.csv"] and reports[0].added == 1
    assert (inbox / "processed" / "monday.csv").exists() and (inbox / "notes.txt").exists()
    assert ingest_folder(watched, inbox) == []


@pytest.mark.slow
def test_a_file_is_stored_whole_or_not_at_all(watched, monkeypatch):
    """A failure at the last statement (the import's record) leaves none of the file's headlines behind."""
    import suite.risk.ingest as ingesting

    first = ingest(watched, "timestamp,headline\n2025-04-07T09:00:00Z,Acmera misses its sales target\n", "a.csv")
    before = watched.scalar("SELECT count(*) FROM risk_headlines")
    monkeypatch.setattr(ingesting, "new_id", lambda: first.batch_id)  # the record's key is taken: it cannot land
    with pytest.raises(Exception, match="(?i)constraint|duplicate"):
        ingest(watched, "timestamp,headline\n2025-04-08T09:00:00Z,Acmera wins a record order\nbad,row,x\n", "b.csv")
    assert watched.scalar("SELECT count(*) FROM risk_headlines") == before
    assert watched.scalar("SELECT count(*) FROM risk_rejects") == 0
    assert watched.scalar("SELECT count(*) FROM risk_imports") == 1
