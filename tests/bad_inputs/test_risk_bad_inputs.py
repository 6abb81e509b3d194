"""Bad inputs for market-risk alerts, through `suite risk ...` and the service functions.

Each case ends with exit 0 or 2 (or a `SuiteError`) and a one-line message, no traceback, in time, and a
refusal leaves every table and file as it was (the harness in conftest.py checks it). Files that are partly
usable (`changes=True`) are followed by what landed and by the report naming the bad lines. Refusals happen
before the sentiment model loads; the cases that store headlines load the real model and are marked slow.
"""

from __future__ import annotations

import gzip
import json

import pytest

from suite.registry.champion import set_champion
from suite.risk.models import Thresholds
from suite.risk.service import (
    act_on_alert,
    correct_label,
    ingest,
    ingest_file,
    ingest_folder,
    ingest_upload,
    list_alerts,
    load_prices,
    upsert_watchlist,
)
from tests.risk.risk_helpers import install_default_model, seed_scored_headlines, watchlist

FILE_LIMIT_S = 30  # a refused file is refused quickly, whatever it holds
CAFE = "Nestlé’s café"
GOOD = "timestamp,source,headline\n2025-04-07T09:00:00Z,Wire,Acmera misses its sales target\n"


@pytest.fixture
def watched(store):
    upsert_watchlist(store, watchlist(("FNWK", "ACMR")))
    return store


@pytest.fixture
def scoring(watched, settings):
    """The watched store with the real trained sentiment model in its SUITE_HOME."""
    install_default_model(settings)
    return watched


def _headlines(store) -> dict[str, dict]:
    return {r["headline"]: r for r in store.query("SELECT headline, ts, sources FROM risk_headlines")}


def _rejects(store) -> dict[int, str]:
    return {r["line"]: r["reason"] for r in store.query("SELECT line, reason FROM risk_rejects")}


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


# -- files that cannot be used: exit 2 with the reason, nothing changed --------------------------------------
FILES = {
    "empty-file": ("empty.csv", b"", "is empty"),
    "only-whitespace": ("blank.csv", b" \n\t\n  \n", "is empty"),
    "header-only": ("header.csv", b"timestamp,source,headline\n", "header but no rows"),
    "missing-headline-column": ("cols.csv", b"timestamp,source\n2025-01-01,Wire\n", "missing headline"),
    "json-top-level-number": ("n.json", b"42", "is a number"),
    "json-top-level-string": ("s.json", b'"Fennwick recalls cars"', "is a string"),
    "json-empty-list": ("e.json", b"[]", "empty list"),
    "json-deeply-nested": ("deep.json", _deep(100_000).encode(), "nested too deeply"),
    "json-broken": ("broken.json", b'[{"timestamp": "2025-01-01", "headline": "x"', "not valid JSON"),
    "json-objects-without-headline": ("nohead.jsonl", b'{"time": "2025-01-01"}\n{"time": "2025-01-02"}\n', "missing"),
    "corrupt-gzip": ("news.csv.gz", gzip.compress(GOOD.encode())[:-12], "gzip"),
    "not-gzip-named-gz": ("news.csv.gz", GOOD.encode(), "not a gzip file"),
    "png-named-csv": ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "an image"),
    "zip-named-json": ("feed.json", b"PK\x03\x04" + b"\x00" * 200, "zip archive"),
    "binary-not-text": ("noise.csv", bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 400, "not text"),
    "nul-bytes-throughout": ("nul.csv", b"timestamp,headline\n" + b"\x00" * 5000, "NUL bytes"),
    "utf16-bom-but-broken": ("u16.csv", b"\xff\xfe" + "timestamp,headline\n".encode("utf-16-le") + b"\x00", "UTF-16"),
    "ten-mb-single-line": ("line.csv", b"x" * (10 * 2**20), "not a CSV header"),
}


@pytest.mark.parametrize("case", list(FILES), ids=list(FILES))
def test_unusable_file_is_refused_through_the_cli(refused, watched, bad_files, case):
    name, data, expected = FILES[case]
    path = bad_files / name
    path.write_bytes(data)
    outcome = refused.cli("risk", "ingest", str(path), limit_s=FILE_LIMIT_S)
    assert expected in outcome.message
    assert path.exists()  # a single file named on the command line stays where it is


def test_unsupported_upload_types_are_refused(refused, watched):
    assert "not supported" in refused.call(lambda: ingest_upload(watched, "run.exe", b"MZ")).message
    assert ".csv.gz" in refused.call(lambda: ingest_upload(watched, "notes.txt.gz", gzip.compress(b"x"))).message
    assert "empty" in refused.call(lambda: ingest_upload(watched, "news.csv", b"")).message


def test_a_folder_passed_as_a_file(refused, watched, bad_files):
    assert "is a folder" in refused.call(lambda: ingest_file(watched, bad_files)).message
    assert "is a folder" in refused.cli("risk", "classify", "--batch", str(bad_files)).message


def test_a_missing_file_or_folder(refused, watched, tmp_path):
    assert "no file" in refused.cli("risk", "ingest", str(tmp_path / "missing.csv")).message
    assert "no folder" in refused.call(lambda: ingest_folder(watched, tmp_path / "inbox")).message
    assert not (tmp_path / "inbox").exists()  # no folder (and no processed/ in it) made by a refusal


def test_no_watchlist_yet(refused, bad_files):
    path = bad_files / "news.csv"
    path.write_text(GOOD)
    assert "watchlist is empty" in refused.cli("risk", "ingest", str(path)).message


def test_damaged_or_negative_champion_thresholds_refuse_before_storing(refused, watched, settings, bad_files):
    champion = settings.models_dir / "risk" / "v9"
    champion.mkdir(parents=True)
    (champion / "thresholds.json").write_text(json.dumps({"per_company_z": {"FNWK": -1.0}}))
    set_champion(settings, "risk", "v9")
    path = bad_files / "news.csv"
    path.write_text(GOOD)
    outcome = refused.cli("risk", "ingest", str(path))
    assert "thresholds" in outcome.message and "must be a number above 0" in outcome.message
    (champion / "thresholds.json").write_text("{not json")
    assert "thresholds" in refused.cli("risk", "ingest", str(path)).message


@pytest.mark.parametrize(
    "change",
    [{"z": -1.0}, {"window_days": -5}, {"cooldown_days": -1}, {"volume_tone": 3.0}, {"z": float("nan")}],
    ids=["negative-z", "negative-window", "negative-cooldown", "tone-out-of-range", "nan-z"],
)
def test_negative_or_impossible_thresholds(refused, change):
    outcome = refused.call(lambda: Thresholds(**change))
    assert next(iter(change)) in outcome.message


# -- alerts: unknown ids, actions, dates, tickers ---------------------------------------------------------------
@pytest.fixture
def alerted(watched):
    """One real alert from seeded, already-scored headlines (no model needed)."""
    from suite.risk.alerts import refresh_alerts

    seed_scored_headlines(watched, "FNWK")
    [alert_id] = refresh_alerts(watched)
    return alert_id


def test_ack_an_unknown_alert(refused, alerted):
    assert "no alert" in refused.cli("risk", "act", "NOPE-2025-01-01", "acknowledge").message
    assert "no alert" in refused.call(lambda: act_on_alert(refused.store, "X" * 10_000, "acknowledge")).message


def test_an_invalid_action(refused, alerted):
    assert "Unknown action" in refused.cli("risk", "act", alerted, "explode").message
    assert "Unknown action" in refused.call(lambda: act_on_alert(refused.store, alerted, "")).message


@pytest.mark.parametrize("days", ["-3", "0", "100000"])
def test_snooze_for_an_impossible_time(refused, alerted, days):
    assert "A snooze lasts" in refused.cli("risk", "act", alerted, "snooze", "--days", days).message


@pytest.mark.parametrize(
    ("since", "expected"),
    [("last tuesday", "must be a date"), ("2999-01-01", "in the future"), ("2025-02-30", "must be a date")],
    ids=["not-a-date", "future", "impossible-day"],
)
def test_since_that_is_not_a_usable_date(refused, alerted, since, expected):
    assert expected in refused.cli("risk", "alerts", "--since", since).message
    if expected == "in the future":
        assert expected in refused.call(lambda: list_alerts(refused.store, since=since)).message


def test_unknown_ticker_states_and_limits(refused, alerted):
    assert "not on the watchlist" in refused.cli("risk", "alerts", "--ticker", "ZZZZ").message
    assert "Unknown alert state" in refused.call(lambda: list_alerts(refused.store, states=("bogus",))).message
    assert "limit" in refused.call(lambda: list_alerts(refused.store, limit=-1)).message


def test_label_corrections_that_cannot_be_used(refused, alerted):
    headline_id = refused.store.query("SELECT headline_id FROM risk_headlines LIMIT 1")[0]["headline_id"]
    assert "must be one of" in refused.call(lambda: correct_label(refused.store, headline_id, "terrible")).message
    assert "no headline" in refused.call(lambda: correct_label(refused.store, "nope", "negative")).message


def test_a_file_webhook_is_refused_at_configuration_time(refused, monkeypatch):
    monkeypatch.setenv("SUITE_ALERT_WEBHOOK", "file:///etc/passwd")
    outcome = refused.cli("risk", "alerts")
    assert "SUITE_ALERT_WEBHOOK" in outcome.message and "http" in outcome.message


# -- classify and the other inputs --------------------------------------------------------------------------
def test_headlines_of_only_whitespace_or_nul_are_refused_before_the_model(refused, settings):
    assert "empty" in refused.cli("risk", "classify", "   ").message
    assert "empty" in refused.cli("risk", "classify", "\x00\x00\t").message
    assert not (settings.models_dir / "risk").exists()  # refused before any model was trained or loaded


def test_too_many_headlines_at_once(refused, bad_files):
    batch = bad_files / "many.txt"
    batch.write_text("Fennwick recalls cars\n" * 20_000)
    assert "too many" in refused.cli("risk", "classify", "--batch", str(batch)).message


def test_watchlist_and_prices_that_cannot_be_used(refused, store, bad_files):
    assert "needs a ticker" in refused.call(lambda: upsert_watchlist(store, [{"ticker": "$$", "name": "X"}])).message
    long_name = [{"ticker": "LONG", "name": "N" * 10_000}]
    assert "needs a ticker" in refused.call(lambda: upsert_watchlist(store, long_name)).message
    prices = bad_files / "prices.csv"
    prices.write_text("day,price\n2025-01-01,3\n")
    assert "date, ticker and close" in refused.call(lambda: load_prices(store, prices)).message
    prices.write_text("date,ticker,close\n2025-01-01,FNWK,-3\nnot-a-date,FNWK,4\n")
    assert "positive close" in refused.call(lambda: load_prices(store, prices)).message


# -- files that are partly usable: the good rows in (one transaction), the bad lines named ----------------------
def test_a_ten_mb_json_line_is_one_rejected_row(refused, watched, bad_files):
    path = bad_files / "feed.jsonl"
    big = json.dumps({"timestamp": "2025-04-07T09:00:00Z", "headline": "x" * (10 * 2**20)})
    path.write_text(big + "\n" + _deep(50_000) + "\n")
    outcome = refused.cli("risk", "ingest", str(path), expect=(0,), changes=True, limit_s=FILE_LIMIT_S)
    assert "line 1: is 10,485,760 characters long" in outcome.message and "line 2: cannot be read" in outcome.message
    raws = [r["raw"] for r in watched.query("SELECT raw FROM risk_rejects ORDER BY line")]
    assert len(raws) == 2 and all(len(r) <= 2000 for r in raws)
    assert watched.scalar("SELECT count(*) FROM risk_imports") == 1


MESSY_ROWS = (
    "timestamp,source,headline,ticker\n"
    "2025-04-07T09:00:00Z,Wire,Acmera misses its sales target,ACMR\n"  # 2: good
    "2025-04-07T10:00:00Z,Wire,Acmera,cuts,jobs,ACMR\n"  # 3: extra fields
    f'2025-04-07T11:00:00Z,Wire,"{"Acmera " * 28_572}",ACMR\n'  # 4: a 200,000-character field
    "2025-04-07T12:00:00Z,Wire,Acmera \x00 wins an order,ACMR\n"  # 5: NUL bytes
    "9999-12-31T23:59:59-05:00,Wire,Acmera opens a plant,ACMR\n"  # 6: overflows when converted to UTC
    "0001-01-01T00:00:00+01:00,Wire,Acmera names a chief,ACMR\n"  # 7: overflows the other way
    "2199-06-01T00:00:00Z,Wire,Acmera from the future,ACMR\n"  # 8: in the future
    "2025-04-07T13:00:00Z,Wire,   ,ACMR\n"  # 9: headline of only whitespace
    "2025-04-07T14:00:00Z,Desk,ACMERA MISSES ITS SALES TARGET!,ACMR\n"  # 10: the story of line 2 again
    "2025-04-07T15:00:00Z,Wire,Acmera lists on a new exchange,ZZZZ\n"  # 11: unknown ticker (kept, reported)
)


@pytest.mark.slow
def test_rows_that_cannot_be_used_are_named_and_the_rest_lands(refused, scoring, bad_files):
    path = bad_files / "messy.csv"
    path.write_text(MESSY_ROWS)
    outcome = refused.cli("risk", "ingest", str(path), expect=(0,), changes=True)
    assert "2 new headlines stored" in outcome.message and "1 repeats" in outcome.message
    for line in (3, 4, 5, 6, 7):
        assert f"line {line}:" in outcome.message
    rejects = _rejects(scoring)
    assert set(rejects) == {3, 4, 5, 6, 7, 8, 9}
    assert "has 6 fields" in rejects[3] and "longer than" in rejects[4] and "NUL" in rejects[5]
    assert "cannot read" in rejects[6] and "cannot read" in rejects[7] and "future" in rejects[8]
    assert "empty headline" in rejects[9]
    stored = _headlines(scoring)
    assert set(stored) == {"Acmera misses its sales target", "Acmera lists on a new exchange"}
    assert stored["Acmera misses its sales target"]["sources"] == ["Desk", "Wire"]
    assert "ZZZZ" in outcome.message
    record = scoring.query("SELECT rows_read, added, duplicates, rejected FROM risk_imports")[0]
    assert record == {"rows_read": 10, "added": 2, "duplicates": 1, "rejected": 7}


ENCODINGS = {
    "utf16-bom": lambda text: text.encode("utf-16"),
    "utf16-le-no-bom": lambda text: text.encode("utf-16-le"),
    "utf16-be-no-bom": lambda text: text.encode("utf-16-be"),
    "windows-1252": lambda text: text.encode("cp1252"),
    "utf8-bom": lambda text: text.encode("utf-8-sig"),
    "utf8-with-mojibake": lambda text: text.encode("utf-8").decode("cp1252").encode("utf-8"),
    "gzipped-windows-1252": lambda text: gzip.compress(text.encode("cp1252")),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(ENCODINGS), ids=list(ENCODINGS))
def test_text_in_any_common_encoding_is_stored_as_written(refused, scoring, bad_files, case):
    text = "timestamp,source,headline\n" + f"2025-04-07T09:00:00Z,Presse,{CAFE}\n"
    text += "2025-04-07T10:00:00Z,Wire,Acmera: «Œuvre» €5m\n"
    path = bad_files / ("news.csv.gz" if case.startswith("gzipped") else "news.csv")
    path.write_bytes(ENCODINGS[case](text))
    outcome = refused.cli("risk", "ingest", str(path), expect=(0,), changes=True)
    assert "2 new headlines stored" in outcome.message
    assert set(_headlines(scoring)) == {CAFE, "Acmera: «Œuvre» €5m"}  # never mojibake


@pytest.mark.slow
def test_json_lines_with_one_broken_line(refused, scoring, bad_files):
    path = bad_files / "feed.jsonl"
    lines = [
        {"published": "2025-04-01T10:00:00+02:00", "title": "Acmera wins a record order"},
        "{broken",
        {"timestamp": "2025-04-02T09:00:00Z", "headline": {"nested": ["not", "text"]}},
        {"timestamp": "2025-04-02T10:00:00Z", "headline": "Acmera shares slide on weak outlook"},
    ]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    outcome = refused.cli("risk", "ingest", str(path), expect=(0,), changes=True)
    assert "2 new headlines stored" in outcome.message and "line 2:" in outcome.message
    assert set(_rejects(scoring)) == {2, 3}
    assert set(_headlines(scoring)) == {"Acmera wins a record order", "Acmera shares slide on weak outlook"}


@pytest.mark.slow
def test_duplicate_headlines_are_stored_once(refused, scoring, bad_files):
    path = bad_files / "dupes.csv"
    rows = ["2025-04-07T09:00:00Z,Wire,Acmera misses its sales target"] * 3
    rows += ["2025-04-07T11:00:00Z,Desk,acmera misses its sales target."]
    path.write_text("timestamp,source,headline\n" + "\n".join(rows) + "\n")
    outcome = refused.cli("risk", "ingest", str(path), expect=(0,), changes=True)
    assert "1 new headlines stored" in outcome.message and "3 repeats" in outcome.message
    assert list(_headlines(scoring)) == ["Acmera misses its sales target"]
    again = refused.cli("risk", "ingest", str(path), expect=(0,), changes=True)
    assert "0 new headlines stored" in again.message and scoring.scalar("SELECT count(*) FROM risk_headlines") == 1


@pytest.mark.slow
def test_watched_folder_moves_a_bad_file_aside_and_keeps_flowing(refused, scoring, bad_files):
    inbox = bad_files / "inbox"
    inbox.mkdir()
    (inbox / "a-broken.json").write_text("42")
    (inbox / "b-empty.csv").write_bytes(b"")
    (inbox / "c-folder.csv").mkdir()
    (inbox / "d-good.csv").write_text(GOOD)
    (inbox / "e-cut.csv.gz").write_bytes(gzip.compress(GOOD.encode())[:-12])
    outcome = refused.cli("risk", "ingest", str(inbox), expect=(0,), changes=True)
    assert "1 new headlines stored" in outcome.message
    assert "a-broken.json was not imported" in outcome.message and "e-cut.csv.gz was not imported" in outcome.message
    rejected = inbox / "rejected"
    bad = ("a-broken.json", "b-empty.csv", "c-folder.csv", "e-cut.csv.gz")
    assert sorted(p.name for p in rejected.iterdir()) == sorted([*bad, *(f"{name}.reason.txt" for name in bad)])
    assert "is a number" in (rejected / "a-broken.json.reason.txt").read_text()
    assert (rejected / "c-folder.csv").is_dir()
    assert [p.name for p in (inbox / "processed").iterdir()] == ["d-good.csv"]
    assert list(_headlines(scoring)) == ["Acmera misses its sales target"]
    errors = scoring.query("SELECT file_name, error FROM risk_imports WHERE error IS NOT NULL ORDER BY file_name")
    assert [e["file_name"] for e in errors] == list(bad)

    (inbox / "d-good.csv").write_text(GOOD.replace("misses its sales target", "beats its sales target"))
    later = refused.cli("risk", "ingest", str(inbox), expect=(0,), changes=True)
    assert "1 new headlines stored" in later.message  # the same name again: processed, not overwritten
    assert len(list((inbox / "processed").iterdir())) == 2


@pytest.mark.slow
def test_a_service_upload_with_bad_rows(refused, scoring):
    data = "timestamp,headline\n2025-04-07T09:00:00Z,Acmera beats forecasts\nbad,row,extra\n".encode("utf-16")
    report = ingest_upload(scoring, "upload.csv", data)
    assert report.added == 1 and [r.line for r in report.rejected] == [3] and report.encoding == "utf-16-le"
    assert "line 3" in report.summary()
    again = ingest(scoring, data, "upload.csv")
    assert again.added == 0 and again.duplicates == 1
