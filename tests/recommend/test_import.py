from __future__ import annotations

import gzip

import pytest

from suite.errors import InvalidInput, NotFound
from suite.recommend.service import import_catalog, import_interactions
from suite.timestamps import parse_timestamps

LOG = """user_id,item_id,timestamp,event,value
u1,P00001,2025-03-01T10:00:00Z,view,
u1,P00001,2025-03-01 11:00:00,purchase,
u1,P00002,1740823200,click,
u2,P00003,2025/03/02 09:30,cart,
u2,P00003,02.03.2025 10:00,rating,4
u2,P00003,2025/03/02 09:30,cart,
u3,P00004,next tuesday,view,
,P00005,2025-03-01T10:00:00Z,view,
u4,P00006,2025-03-01T10:00:00Z,liked,
u5,P00007
u6,NOT-IN-CATALOG,2025-03-05T08:00:00+02:00,purchase,
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_timestamps_in_mixed_formats_become_utc():
    parsed = parse_timestamps(
        [
            "2025-03-01T10:00:00Z",
            "2025-03-01 10:00:00",
            "1740823200",
            "1740823200000",
            "2025/03/01 10:00",
            "01.03.2025 10:00",
            "2025-03-01T12:00:00+02:00",
            "soon",
        ]
    )
    assert parsed[:7].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2025-03-01 10:00"] * 7
    assert parsed.isna().tolist() == [False] * 7 + [True]


def test_interaction_import_reports_bad_rows_by_line_and_skips_repeats(store, tmp_path):
    import_catalog(store, write(tmp_path, "cat.csv", "item_id,title,category\nP00001,Tent,Outdoor\n"))
    report = import_interactions(store, write(tmp_path, "log.csv", LOG))
    assert report.rows_read == 11
    assert report.rows_added == 6  # the repeated cart row (line 7) is a duplicate
    assert report.duplicates == 1
    bad = {row["line"]: row["reason"] for row in report.bad_examples}
    assert sorted(bad) == [8, 9, 10, 11]
    assert "timestamp 'next tuesday'" in bad[8] and "empty" in bad[9] and "unknown event 'liked'" in bad[10]
    assert "fields" in bad[11]
    rejected = (tmp_path / "home" / "recommend" / "rejects").glob("*.csv")
    assert sum(len(p.read_text().splitlines()) - 1 for p in rejected) == 4  # every bad row kept for review
    assert report.unknown_items == 3  # P00002, P00003 and NOT-IN-CATALOG: kept in the log, counted so the user knows
    assert store.scalar("SELECT count(*) FROM rec_interactions") == 6
    again = import_interactions(store, write(tmp_path, "log.csv", LOG))
    assert again.rows_added == 0 and again.duplicates == 7
    assert store.scalar("SELECT count(*) FROM rec_interactions") == 6


def test_gzip_log_without_event_column_counts_rows_as_clicks(store, tmp_path):
    path = tmp_path / "log.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("USER_ID, Item_Id ,timestamp\na,b,2025-01-01\n")
    assert import_interactions(store, path).rows_added == 1
    assert store.scalar("SELECT event FROM rec_interactions") == "click"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("user_id,item_id,timestamp\n", "header but no rows"),
        ("customer,product,when\na,b,2025-01-01\n", "Expected columns: user_id, item_id, timestamp"),
    ],
)
def test_unusable_interaction_files_say_what_is_expected(store, tmp_path, text, message):
    with pytest.raises(InvalidInput, match=message):
        import_interactions(store, write(tmp_path, "log.csv", text))


def test_missing_file_and_bad_catalog_rows(store, tmp_path):
    with pytest.raises(NotFound):
        import_interactions(store, tmp_path / "nope.csv")
    catalog = (
        "item_id,title,category,price,in_stock\nA,Tent,Outdoor,49.5,yes\nB,Mug,Kitchen,cheap,no\nA,Tent 2,Outdoor,,0\n"
    )
    report = import_catalog(store, write(tmp_path, "cat.csv", catalog))
    assert report.bad_examples == [{"line": 3, "reason": "price 'cheap' is not a number"}]
    assert report.duplicates == 1
    row = store.query("SELECT title, price, in_stock FROM rec_items WHERE item_id = 'A'")[0]
    assert row == {"title": "Tent 2", "price": None, "in_stock": False}
