"""The real model (trained on the sample shop) serving real requests."""

from __future__ import annotations

import pandas as pd
import pytest

from suite.errors import InvalidInput, NotFound
from suite.recommend.service import (
    import_catalog,
    import_interactions,
    recommend_for_user,
    recommend_for_visitor,
    record_feedback,
    similar_items,
)

pytestmark = pytest.mark.slow


def _log(tmp_path, store, rows, name="log.csv"):
    path = tmp_path / name
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event"]).to_csv(path, index=False)
    return import_interactions(store, path)


def _category_items(store, category, n):
    return [
        r["item_id"]
        for r in store.query("SELECT item_id FROM rec_items WHERE category = ? ORDER BY item_id LIMIT ?", [category, n])
    ]


def test_shopper_who_only_buys_one_category_gets_mostly_that_category(rec_store, tmp_path):
    items = _category_items(rec_store, "Pet Supplies", 6)
    _log(
        tmp_path,
        rec_store,
        [("pet-fan", item, f"2025-06-0{i + 1}T10:00:00Z", "purchase") for i, item in enumerate(items)],
    )
    result = recommend_for_user(rec_store, "pet-fan", max_per_category=None)
    categories = [r.category for r in result.items]
    assert len(categories) == 10 and categories.count("Pet Supplies") >= 7, categories
    assert not set(items) & {r.item_id for r in result.items if r.category != "Pet Supplies"}
    assert all(r.reason for r in result.items)
    # the same shopper's history changes: the list follows at once, without retraining
    books = _category_items(rec_store, "Books", 12)
    _log(
        tmp_path,
        rec_store,
        [("pet-fan", b, f"2025-07-{i + 10}T10:00:00Z", "purchase") for i, b in enumerate(books)],
        name="more.csv",
    )
    after = recommend_for_user(rec_store, "pet-fan", max_per_category=None)
    assert [r.category for r in after.items].count("Books") >= 3
    assert not {r.item_id for r in after.items} & set(books)  # already bought, not consumable


def test_dismissed_item_never_comes_back(rec_store):
    first = recommend_for_user(rec_store, "U0005")
    dismissed = first.items[0].item_id
    record_feedback(rec_store, first, dismissed, interested=False)
    for k in (10, 50):
        again = recommend_for_user(rec_store, "U0005", k=k)
        assert dismissed not in {r.item_id for r in again.items}
    row = rec_store.query("SELECT request_id, kind, value FROM feedback WHERE module = 'recommend'")[0]
    assert row["request_id"] == first.request_id and row["kind"] == "dismiss"
    assert '"list_shown"' in row["value"] and first.items[0].title in row["value"]


def test_new_product_with_no_history_is_recommended_through_content(rec_store, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text(
        "item_id,title,category,description,price,in_stock\n"
        "NEW-1,Glacier ultralight bivouac tent,Outdoor,"
        "A one-person ultralight bivouac tent for alpine hiking.,210,true\n"
    )
    import_catalog(rec_store, path)
    result = recommend_for_visitor(rec_store, text="ultralight bivouac tent for alpine hiking")
    ids = [r.item_id for r in result.items]
    assert "NEW-1" in ids[:5], ids
    assert result.items[ids.index("NEW-1")].source == "content"


def test_unknown_and_one_interaction_shoppers(rec_store, tmp_path):
    unknown = recommend_for_user(rec_store, "never-seen")
    assert unknown.cold_start and "no history" in unknown.note and len(unknown.items) == 10
    assert all(r.reason.startswith("Popular in") for r in unknown.items)
    item = _category_items(rec_store, "Garden", 1)[0]
    _log(tmp_path, rec_store, [("one-timer", item, "2025-05-01T09:00:00Z", "view")])
    single = recommend_for_user(rec_store, "one-timer")
    assert (
        "single interaction" in single.note
        and len(single.items) == 10
        and item not in [r.item_id for r in single.items]
    )
    with pytest.raises(InvalidInput):
        recommend_for_user(rec_store, "  ")
    with pytest.raises(InvalidInput):
        recommend_for_visitor(rec_store, interests=["Spaceships"])


def test_category_cap_out_of_stock_and_visitor_interests(rec_store):
    capped = recommend_for_user(rec_store, "U0005", max_per_category=2)
    assert max(pd.Series([r.category for r in capped.items]).value_counts()) <= 2
    out_of_stock = {r["item_id"] for r in rec_store.query("SELECT item_id FROM rec_items WHERE NOT in_stock")}
    assert out_of_stock and not out_of_stock & {r.item_id for r in capped.items}
    visitor = recommend_for_visitor(rec_store, interests=["Garden", "Kitchen"])
    assert {r.category for r in visitor.items} <= {"Garden", "Kitchen"}


def test_similar_items_and_logging(rec_store):
    tent = rec_store.query("SELECT item_id FROM rec_items WHERE title LIKE '%tent' AND in_stock LIMIT 1")[0]["item_id"]
    similar = similar_items(rec_store, tent)
    assert tent not in [r.item_id for r in similar.items]
    assert [r.category for r in similar.items].count("Outdoor") >= 6
    with pytest.raises(NotFound):
        similar_items(rec_store, "no-such-product")
    events = rec_store.query("SELECT action, status, model_version FROM events WHERE module = 'recommend' ORDER BY ts")
    assert [(e["action"], e["status"]) for e in events] == [("similar", "ok"), ("similar", "error")]
    assert events[0]["model_version"] == "default"
