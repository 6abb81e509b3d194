"""Bad inputs for the recommender: imports, `for-user` and similar products, through the CLI and the service.

A refusal must leave every table and file as it was (the harness checks). A file with some bad rows is
imported with a report naming them (`changes=True`): the good rows arrive and the report says which lines
were left out and why.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import io
import random
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from suite.recommend import csvfile, ingest, queries
from suite.recommend.service import import_interactions, similar_items
from suite.store import Store, from_json
from tests.bad_inputs.conftest import Refused, store_snapshot
from tests.recommend.seed import copy_seed

NAME = "Crème brûlée café"
CATALOG = "item_id,title,category,description,price\n"
LOG = "user_id,item_id,timestamp,event,value\n"
GOOD_LOG = "u1,P1,2025-03-01T10:00:00Z,view,\nu2,P2,2025-03-02T10:00:00Z,purchase,\n"


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def report(store: Store) -> dict:
    """The newest import's report, as recorded in `rec_imports` with its rows."""
    rows = store.query("SELECT report FROM rec_imports ORDER BY ts DESC LIMIT 1")
    assert rows, "no import record"
    return from_json(rows[0]["report"])


def bad_lines(store: Store) -> dict[int, str]:
    return {e["line"]: e["reason"] for e in report(store)["bad_examples"]}


def titles(store: Store) -> dict[str, str]:
    return {r["item_id"]: r["title"] for r in store.query("SELECT item_id, title FROM rec_items")}


def users(store: Store) -> list[str]:
    return sorted(r["user_id"] for r in store.query("SELECT user_id FROM rec_interactions"))


def cli_import(refused: Refused, kind: str, path: Path, *extra: str, **kwargs):
    return refused.cli("recommend", "import", f"--{kind}", str(path), *extra, **kwargs)


# -- files refused as a whole: nothing changes ------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("catalog", "", "is empty"),
        ("catalog", "\n\n  \n", "is empty"),
        ("interactions", LOG, "header but no rows"),
        ("interactions", "customer,product,when\na,b,2025-01-01\n", "missing the column(s) user_id, item_id"),
        ("catalog", "item_id;title;category\nA;Tent;Outdoor\n", "seems to use ';'"),
        ("catalog", "item_id,title,Title,category\nA,Tent,Tent 2,Outdoor\n", "title appear more than once"),
        ("interactions", LOG + "u1,P1,soon,view,\n,P2,2025-01-01,view,\n", "none of the 2 row(s) could be used"),
    ],
    ids=["empty", "blank-lines-only", "header-only", "missing-column", "semicolons", "duplicate-header", "no-good-row"],
)
def test_unusable_csv_is_refused_with_what_is_expected(refused, bad_files, kind, data, message):
    outcome = cli_import(refused, kind, write(bad_files, "file.csv", data))
    assert message in outcome.message


def test_missing_file_and_folder_are_refused(refused, bad_files):
    assert "File not found" in cli_import(refused, "catalog", bad_files / "nope.csv").message
    folder = bad_files / "catalog.csv"
    folder.mkdir()
    assert "is a folder" in cli_import(refused, "catalog", folder).message


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("log.csv.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4, "not a readable gzip file"),
        ("log.csv.gz", b"user_id,item_id,timestamp\nu1,P1,2025-01-01\n", "named .gz but is not gzip"),
        ("log.csv", random.Random(13).randbytes(8000), "not text in any encoding"),
        ("log.csv", b"user_id,item_id,timestamp\n" + bytes(range(32)) * 200, "binary file"),
        ("log.csv", b"\x00" * 200_000, "binary file"),
    ],
    ids=["corrupt-gzip", "not-gzip-named-gz", "random-bytes", "control-bytes", "zeros"],
)
def test_files_that_are_not_csv_text_are_refused(refused, bad_files, name, data, message):
    assert message in cli_import(refused, "interactions", write(bad_files, name, data)).message


def test_a_zip_renamed_csv_is_refused(refused, bad_files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("catalog.csv", CATALOG + "A,Tent,Outdoor,,10\n")
    outcome = cli_import(refused, "catalog", write(bad_files, "catalog.csv", buffer.getvalue()))
    assert "zip archive" in outcome.message


def test_gzip_cut_off_part_way_imports_nothing(refused, bad_files):
    rows = "".join(f"u{i},P{i % 500},2025-03-01T10:00:00Z,view,\n" for i in range(60_000))
    packed = gzip.compress((LOG + rows).encode(), compresslevel=1)
    path = write(bad_files, "log.csv.gz", packed[: len(packed) * 2 // 3])
    outcome = cli_import(refused, "interactions", path)  # found while detecting the encoding
    assert "not a readable gzip file (Compressed file ended" in outcome.message
    outcome = cli_import(refused, "interactions", path, "--encoding", "utf-8")  # found after 40,000 rows were read
    assert "could not be read to the end (Compressed file ended" in outcome.message


@pytest.mark.parametrize("depth", [5_000, 200_000], ids=["short", "over-field-limit"])
def test_deeply_nested_json_given_as_a_catalog_is_refused(refused, bad_files, depth):
    outcome = cli_import(refused, "catalog", write(bad_files, "catalog.csv", "[" * depth + "]" * depth))
    assert "missing the column(s)" in outcome.message or "header row cannot be read" in outcome.message


def test_text_that_is_not_in_the_named_or_detected_encoding_is_refused(refused, bad_files):
    path = write(bad_files, "catalog.csv", (CATALOG + f"A,{NAME},Food,,4\n").encode("cp1252"))
    assert "not valid utf-8" in cli_import(refused, "catalog", path, "--encoding", "utf-8").message
    assert "not a text encoding we know" in cli_import(refused, "catalog", path, "--encoding", "klingon").message
    late = write(bad_files, "late.csv", (CATALOG + "A,Tent,Outdoor,,4\n" * 5000).encode() + "B,é".encode("cp1252"))
    outcome = cli_import(refused, "catalog", late, "--encoding", "utf-8")
    assert "not valid utf-8" in outcome.message and "after line" in outcome.message


def test_more_text_than_the_cap_is_refused_while_streaming(refused, bad_files, monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_IMPORT_MB", 1)
    rows = "u1,P1,2025-03-01T10:00:00Z,view,\n" * 100_000  # 3.3 MB of text, 20 KB compressed
    path = write(bad_files, "log.csv.gz", gzip.compress((LOG + rows).encode()))
    assert path.stat().st_size < 2**20
    assert "more than 1 MB of text" in cli_import(refused, "interactions", path).message  # while detecting
    outcome = cli_import(refused, "interactions", path, "--encoding", "utf-8")  # while importing
    assert "more than 1 MB of text" in outcome.message
    plain = write(bad_files, "log.csv", LOG + rows)
    assert "larger than 1 MB" in cli_import(refused, "interactions", plain).message  # before reading


@pytest.mark.parametrize(
    ("fail_in", "error", "message"),
    [
        ("add_interactions", duckdb.IOException("No space left on device"), "disk holding"),
        ("add_interactions", duckdb.ConstraintException("Constraint Error: boom"), "nothing of it was saved"),
        ("record_import", duckdb.IOException("No space left on device"), "disk holding"),
    ],
    ids=["disk-full-mid-way", "database-error-mid-way", "fails-at-the-import-record"],
)
def test_import_that_fails_part_way_leaves_nothing(refused, store, bad_files, monkeypatch, fail_in, error, message):
    """The insert fails after the first chunk of rows went in: the transaction takes all of it back."""
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 3)
    real, calls = getattr(queries, fail_in), []

    def fails_after_one_call(con, frame):
        if calls:
            raise error
        calls.append(len(frame) if hasattr(frame, "__len__") else 1)
        return real(con, frame)

    monkeypatch.setattr(queries, fail_in, fails_after_one_call)
    if fail_in == "record_import":  # two files: the first record lands, the second fails
        catalog = write(bad_files, "cat.csv", CATALOG + "P1,Tent,Outdoor,,1\nP2,Mug,Kitchen,,-1\n")
        log = write(bad_files, "log.csv", LOG + GOOD_LOG + "u3,P3,someday,view,\n")
        outcome = refused.call(lambda: ingest.import_files(store, catalog=catalog, interactions=log))
    else:
        rows = "".join(f"u{i},P{i},2025-03-01T10:00:00Z,view,\n" for i in range(10)) + "u,P,never,view,\n"
        outcome = refused.call(lambda: import_interactions(store, write(bad_files, "log.csv", LOG + rows)))
    assert calls and message in outcome.message  # rows (and a rejects file) had been written, then taken back


# -- requests refused before anything runs -------------------------------------------------------------------
@pytest.mark.parametrize("k", ["0", "-1", str(10**9)])
def test_for_user_refuses_k_out_of_range(refused, k):
    assert "between 1 and 100" in refused.cli("recommend", "for-user", "U0005", f"--k={k}").message


@pytest.mark.parametrize(
    ("user_id", "message"),
    [("u" * 10_000, "at most 200 characters"), ("   ", "Pick a shopper"), ("U1\x00", "control characters")],
    ids=["10000-chars", "blank", "nul"],
)
def test_for_user_refuses_unusable_shopper_ids(refused, user_id, message):
    assert message in refused.cli("recommend", "for-user", user_id).message


@pytest.mark.parametrize("k", [0, -1, 10**9])
def test_similar_refuses_k_out_of_range(refused, store, k):
    assert "between 1 and 100" in refused.call(lambda: similar_items(store, "P1", k=k)).message


def test_similar_refuses_a_10000_character_product_id(refused, store):
    assert "at most 200 characters" in refused.call(lambda: similar_items(store, "P" * 10_000)).message


# -- files with some bad rows: the good rows arrive, the report names the bad lines ------------------------
def test_rows_with_extra_fields_are_reported_and_the_rest_imported(refused, store, bad_files):
    text = LOG + "u1,P1,2025-03-01,view,,EXTRA,MORE\nu2,P2,2025-03-01,view,\nu3,P3,2025-03-01,view,,,\n"
    cli_import(refused, "interactions", write(bad_files, "log.csv", text), expect=(0,), changes=True)
    assert users(store) == ["u2", "u3"]  # trailing empty fields are fine
    assert "has 7 fields but the header has 5" in bad_lines(store)[2]


def test_a_200000_character_field_is_one_bad_row(refused, store, bad_files):
    text = CATALOG + "A,Tent,Outdoor," + "x" * 200_000 + ",10\nB,Mug,Kitchen,ok,2\nC," + "t" * 600 + ",Kitchen,,1\n"
    cli_import(refused, "catalog", write(bad_files, "cat.csv", text), expect=(0,), changes=True)
    assert titles(store) == {"B": "Mug"}
    bad = bad_lines(store)
    assert "longer than 131,072 characters" in bad[2] and "title is 600 characters long" in bad[4]
    rejects = Path(report(store)["rejects_file"])
    assert rejects.is_relative_to(store.settings.home) and len(rejects.read_text()) < 10_000  # raw text capped


def test_timestamps_that_do_not_fit_in_utc_are_bad_rows(refused, store, bad_files):
    text = LOG + "u1,P1,9999-12-31T23:59:59-14:00,view,\nu2,P2,99999999999999999999,view,\n"
    text += "u3,P3,1900-01-01T00:00:00Z,view,\nu4,P4,2025-03-01T10:00:00+02:00,view,\n"
    cli_import(refused, "interactions", write(bad_files, "log.csv", text), expect=(0,), changes=True)
    assert users(store) == ["u4"]
    assert store.scalar("SELECT epoch(ts) FROM rec_interactions") == datetime(2025, 3, 1, 8, tzinfo=UTC).timestamp()
    bad = bad_lines(store)
    assert sorted(bad) == [2, 3, 4] and all(reason.startswith("timestamp ") for reason in bad.values())
    assert "outside 1970-2199" in bad[4]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        ((CATALOG + f"A,{NAME},Food,,4\n").encode("utf-16"), "utf-16"),
        ((CATALOG + f"A,{NAME},Food,,4\n").encode("utf-16-le"), "utf-16-le"),
        ((CATALOG + f"A,{NAME},Food,,4\n").encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF8 + (CATALOG + f"A,{NAME},Food,,4\n").encode(), "utf-8-sig"),
        ((CATALOG + f"A,{NAME},Food,Déjà vu – “smooth” naïve façade,4\n" * 3).encode("cp1252"), "cp1252"),
        ((CATALOG + "B,Tent,Outdoor,,1\n" * 4000 + f"A,{NAME},Food,,4\n").encode("cp1252"), "cp1252"),
    ],
    ids=["utf16-bom", "utf16le-no-bom", "utf16be-no-bom", "utf8-bom", "windows-1252", "windows-1252-after-64kb"],
)
def test_text_encodings_are_detected_and_never_stored_as_mojibake(refused, store, bad_files, encoded, encoding):
    cli_import(refused, "catalog", write(bad_files, "cat.csv", encoded), expect=(0,), changes=True)
    assert titles(store)["A"] == NAME
    assert report(store)["encoding"] == encoding


def test_unknown_events_and_bad_quantities_are_bad_rows(refused, store, bad_files):
    text = LOG + "u1,P1,2025-03-01,liked,\nu2,P1,2025-03-01,rating,nan\nu3,P1,2025-03-01,rating,inf\n"
    text += "u4,P1,2025-03-01,rating,-2\nu5,P1,2025-03-01,rating,4\nu6,P1,2025-03-01,rating,-inf\n"
    cli_import(refused, "interactions", write(bad_files, "log.csv", text), expect=(0,), changes=True)
    assert users(store) == ["u5"]
    bad = bad_lines(store)
    assert "unknown event 'liked'" in bad[2] and "not a finite number" in bad[3] and "not a finite number" in bad[4]
    assert "negative" in bad[5] and "not a finite number" in bad[7]


def test_negative_nan_and_infinite_prices_are_bad_rows(refused, store, bad_files):
    text = CATALOG + "A,Tent,Outdoor,,-5\nB,Mug,Kitchen,,NaN\nC,Cup,Kitchen,,1e999\nD,Pan,Kitchen,,12.5\n"
    cli_import(refused, "catalog", write(bad_files, "cat.csv", text), expect=(0,), changes=True)
    assert titles(store) == {"D": "Pan"}
    assert sorted(bad_lines(store)) == [2, 3, 4]


def test_a_10000_character_user_id_is_a_bad_row(refused, store, bad_files):
    text = LOG + "u" * 10_000 + ",P1,2025-03-01,view,\n" + GOOD_LOG
    cli_import(refused, "interactions", write(bad_files, "log.csv", text), expect=(0,), changes=True)
    assert users(store) == ["u1", "u2"] and "at most 200" in bad_lines(store)[2]


def test_a_nul_byte_is_a_bad_row(refused, store, bad_files):
    text = CATALOG + "A,Te\x00nt,Outdoor,,1\nB,Mug,Kitchen,,2\n"
    cli_import(refused, "catalog", write(bad_files, "cat.csv", text), expect=(0,), changes=True)
    assert titles(store) == {"B": "Mug"} and "control character" in bad_lines(store)[2]


def test_crlf_and_mixed_line_endings_import(refused, store, bad_files):
    text = CATALOG.replace("\n", "\r\n") + "A,Tent,Outdoor,,1\r\nB,Mug,Kitchen,,2\nC,Cup,Kitchen,,3\rD,Pan,Kitchen,,4"
    cli_import(refused, "catalog", write(bad_files, "cat.csv", text), expect=(0,), changes=True)
    assert titles(store) == {"A": "Tent", "B": "Mug", "C": "Cup", "D": "Pan"}
    assert report(store)["bad_rows"] == 0


def test_quoted_fields_with_embedded_newlines_import_and_lines_count_from_the_first(refused, store, bad_files):
    text = CATALOG + 'A,"Two-line\ntent",Outdoor,"Sleeps two.\r\nWaterproof.",1\nB,"Mug\n\nbig",Kitchen,,oops\n'
    cli_import(refused, "catalog", write(bad_files, "cat.csv", text), expect=(0,), changes=True)
    row = store.query("SELECT title, description FROM rec_items")[0]
    assert row == {"title": "Two-line\ntent", "description": "Sleeps two.\r\nWaterproof."}
    assert list(bad_lines(store)) == [5]  # the record that starts on line 5 (and spans three)


def test_json_in_a_text_column_is_stored_as_text(refused, store, bad_files):
    nested = '"' + ('{""a"":' * 2000 + "1" + "}" * 2000) + '"'
    text = CATALOG + f"A,Tent,Outdoor,{nested},1\n"
    cli_import(refused, "catalog", write(bad_files, "cat.csv", text), expect=(0,), changes=True)
    assert store.scalar("SELECT length(description) FROM rec_items") == 2000 * 5 + 1 + 2000


def test_gzip_is_recognised_by_its_content_and_a_huge_log_streams_in_chunks(refused, store, bad_files, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK_ROWS", 1000)
    real, sizes = queries.add_interactions, []

    def counted(con, frame):
        sizes.append(len(frame))
        return real(con, frame)

    monkeypatch.setattr(queries, "add_interactions", counted)
    rows = "".join(f"u{i},P{i % 97},2025-03-01T10:00:00Z,view,\n" for i in range(5000))
    path = write(bad_files, "log.csv", gzip.compress((LOG + rows).encode()))  # no .gz in the name
    cli_import(refused, "interactions", path, expect=(0,), changes=True)
    assert sizes == [1000] * 5 and store.scalar("SELECT count(*) FROM rec_interactions") == 5000


def test_catalog_and_log_in_one_command_are_one_batch(refused, store, bad_files):
    catalog = write(bad_files, "cat.csv", CATALOG + "P1,Tent,Outdoor,,1\n")
    log = write(bad_files, "log.csv", "user_id,item_id\nu1,P1\n")  # no timestamp column
    outcome = refused.cli("recommend", "import", "--catalog", str(catalog), "--interactions", str(log))
    assert "missing the column(s) timestamp" in outcome.message  # and the good catalog was not saved either


# -- with the real model: unknown shopper, unknown product ---------------------------------------------------
@pytest.fixture
def shop(settings) -> Refused:
    copy_seed(settings)
    store = Store(settings, flush_interval_s=0.2)
    yield Refused(store)
    store.close()


def _only_new_events(store: Store, before: dict) -> list[dict]:
    """The events logged since `before` (waiting for another Store's journal); nothing else may have changed."""
    deadline = time.monotonic() + 10
    while not store.scalar("SELECT count(*) FROM events") and time.monotonic() < deadline:
        time.sleep(0.2)
    after = store_snapshot(store)
    changed = {t for t in after["tables"] if after["tables"][t] != before["tables"].get(t)}
    assert changed <= {"events"} and after["files"] == before["files"], changed
    return store.query("SELECT action, status, error FROM events ORDER BY ts")


@pytest.mark.slow
def test_for_user_unknown_shopper_gets_popular_picks_with_a_note(shop):
    before = store_snapshot(shop.store)
    outcome = shop.cli("recommend", "for-user", "never-seen-shopper", expect=(0,), changes=True)
    assert outcome.code == 0
    (event,) = _only_new_events(shop.store, before)
    assert event["status"] == "ok"
    summary = from_json(shop.store.scalar("SELECT output_summary FROM events"))
    assert summary["cold_start"] is True and len(summary["items"]) == 10


@pytest.mark.slow
def test_similar_unknown_product_is_a_clean_not_found(shop):
    before = store_snapshot(shop.store)
    outcome = shop.call(lambda: similar_items(shop.store, "no-such-product"), changes=True)
    assert "No product with id 'no-such-product'" in outcome.message
    (event,) = _only_new_events(shop.store, before)  # the failed request is logged, nothing else changes
    assert event["action"] == "similar" and event["status"] == "error"


def test_a_full_disk_while_the_file_is_checked_is_a_clean_refusal(refused, store, bad_files, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", no_space)
    outcome = refused.call(lambda: import_interactions(store, write(bad_files, "log.csv", LOG + GOOD_LOG)))
    assert "is full" in outcome.message and "nothing was saved" in outcome.message
