"""All of the recommender's SQL: the catalog, the interaction log, its feedback and the lists it has shown.

Imports write on the cursor of their one transaction (`Store.transaction()`); everything else takes the store.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from suite.store import Store, from_json

MODULE = "recommend"
SHOWN_ACTIONS = ("for_user", "for_visitor")  # the `events` actions of lists shown to shoppers


# -- catalog ----------------------------------------------------------------------------------------------
def catalog(store: Store) -> pd.DataFrame:
    return store.query_df(
        "SELECT item_id, title, category, description, price, in_stock, consumable FROM rec_items ORDER BY item_id"
    )


def catalog_stamp(store: Store) -> tuple[int, str]:
    """How many products there are and when one last changed: a cheap key for what is cached per catalog."""
    row = store.query("SELECT count(*) AS n, max(updated_at) AS t FROM rec_items")[0]
    return int(row["n"]), str(row["t"])


def put_items(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Insert or replace products (columns as `rec_items`) on the import's cursor; how many were listed already."""
    con.register("rec_batch", frame)
    try:
        known = con.execute(
            "SELECT count(*) FROM rec_items WHERE item_id IN (SELECT item_id FROM rec_batch)"
        ).fetchall()[0][0]
        con.execute("INSERT OR REPLACE INTO rec_items SELECT * FROM rec_batch").fetchall()
    finally:
        con.unregister("rec_batch")
    return int(known)


def categories(store: Store) -> list[str]:
    return [r["category"] for r in store.query("SELECT DISTINCT category FROM rec_items ORDER BY category")]


def products(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT item_id, title FROM rec_items ORDER BY title")


def item_categories(store: Store) -> dict[str, str]:
    return {r["item_id"]: r["category"] for r in store.query("SELECT item_id, category FROM rec_items")}


# -- interactions ------------------------------------------------------------------------------------------
def add_interactions(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Insert interaction rows (columns as `rec_interactions`) on the import's cursor, skipping ones already there.

    Returns how many were new.
    """
    start = con.execute("SELECT count(*) FROM rec_interactions").fetchall()[0][0]
    con.register("rec_batch", frame)
    try:
        con.execute("INSERT OR IGNORE INTO rec_interactions SELECT * FROM rec_batch").fetchall()
    finally:
        con.unregister("rec_batch")
    return int(con.execute("SELECT count(*) FROM rec_interactions").fetchall()[0][0] - start)


def unknown_items(con: duckdb.DuckDBPyConnection) -> int:
    """Products in the log that the catalog does not list (0 while there is no catalog at all)."""
    if not con.execute("SELECT count(*) FROM rec_items").fetchall()[0][0]:
        return 0
    return int(
        con.execute(
            "SELECT count(DISTINCT item_id) FROM rec_interactions WHERE item_id NOT IN (SELECT item_id FROM rec_items)"
        ).fetchall()[0][0]
    )


def record_import(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    """One `rec_imports` row, in the same transaction as the rows it describes."""
    columns = ", ".join(row)
    con.execute(f"INSERT INTO rec_imports ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def interactions(store: Store) -> pd.DataFrame:
    return store.query_df("SELECT user_id, item_id, ts, event, value FROM rec_interactions")


def shoppers(store: Store, limit: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT user_id, count(*) AS interactions, max(ts) AS last_seen FROM rec_interactions "
        "GROUP BY user_id ORDER BY interactions DESC, user_id LIMIT ?",
        [limit],
    )


def recent_history(store: Store, user_id: str, limit: int) -> list[dict[str, Any]]:
    return store.query(
        "SELECT i.ts, i.event, i.item_id, coalesce(c.title, i.item_id) AS title, c.category "
        "FROM rec_interactions i LEFT JOIN rec_items c USING (item_id) WHERE i.user_id = ? "
        "ORDER BY i.ts DESC LIMIT ?",
        [user_id, limit],
    )


# -- a shopper's own feedback, honoured at once -------------------------------------------------------------
def user_history(store: Store, user_id: str) -> pd.DataFrame:
    """Interactions plus live "interested" clicks (not yet reviewed ones too: they are the shopper's own)."""
    frame = store.query_df(
        "SELECT item_id, event, value, ts FROM rec_interactions WHERE user_id = ? "
        "UNION ALL SELECT json_extract_string(value, '$.item_id'), 'click', NULL, ts FROM feedback "
        "WHERE module = ? AND kind = 'click' AND json_extract_string(value, '$.user_id') = ? "
        "AND review_state <> 'rejected' ORDER BY ts",
        [user_id, MODULE, user_id],
    )
    return frame.assign(user_id=user_id)


def dismissed_items(store: Store, user_id: str) -> set[str]:
    rows = store.query(
        "SELECT json_extract_string(value, '$.item_id') AS item_id FROM feedback WHERE module = ? "
        "AND kind = 'dismiss' AND json_extract_string(value, '$.user_id') = ? AND review_state <> 'rejected'",
        [MODULE, user_id],
    )
    return {row["item_id"] for row in rows}


def feedback_counts(store: Store) -> dict[str, int]:
    rows = store.query(
        "SELECT kind, count(*) AS n FROM feedback WHERE module = ? GROUP BY kind ORDER BY kind", [MODULE]
    )
    return {r["kind"]: int(r["n"]) for r in rows}


def demo_feedback_count(store: Store) -> int:
    return int(
        store.scalar(
            "SELECT count(*) FROM feedback WHERE module = ? AND json_extract_string(value, '$.demo') = 'true'",
            [MODULE],
        )
    )


# -- what was shown -------------------------------------------------------------------------------------
def shown_lists(store: Store, limit: int = 5000) -> list[dict[str, Any]]:
    """The latest lists shown to shoppers and visitors (decoded `output_summary`: user_id, items, ...)."""
    rows = store.query(
        "SELECT output_summary FROM events WHERE module = ? AND list_contains(?, action) "
        "AND status = 'ok' ORDER BY ts DESC LIMIT ?",
        [MODULE, list(SHOWN_ACTIONS), limit],
    )
    return [from_json(row["output_summary"] or "{}") for row in rows]
