"""All of the inspection module's SQL (and its journalled writes), as functions taking the store."""

from __future__ import annotations

from typing import Any

from suite.store import Store, from_json


def save_result(store: Store, row: dict[str, Any]) -> None:
    """One inspection, through the write journal (it is never lost when the database is busy)."""
    store.journal_row("inspect_results", row)


def result_row(store: Store, result_id: str) -> dict[str, Any] | None:
    """The stored inspection, waiting briefly for the journal when it was made seconds ago."""
    sql = "SELECT * FROM inspect_results WHERE result_id = ?"
    rows = store.query(sql, [result_id])
    if not rows:
        store.flush(wait_s=2.0)
        rows = store.query(sql, [result_id])
    return rows[0] if rows else None


def result_defects(store: Store, result_id: str | None) -> list[dict[str, Any]]:
    """The boxes (decoded) that an inspection recorded; [] when it is not in the store."""
    rows = store.query("SELECT defects FROM inspect_results WHERE result_id = ?", [result_id])
    return (from_json(rows[0]["defects"]) or []) if rows else []


def demo_inspections(store: Store) -> int:
    store.flush(wait_s=2.0)
    return int(store.scalar("SELECT count(*) FROM inspect_results WHERE \"user\" = 'demo'") or 0)


def results_since(store: Store, days: int) -> list[dict[str, Any]]:
    """(day, verdict, defects decoded) of every inspection of the last `days` days, oldest first."""
    store.flush(wait_s=1.0)
    rows = store.query(
        """SELECT CAST(ts AS DATE) AS day, verdict, defects FROM inspect_results
           WHERE ts >= now() - to_days(CAST(? AS INTEGER)) ORDER BY ts""",
        [days],
    )
    return [{**row, "defects": from_json(row["defects"]) or []} for row in rows]


def verdict_counts(store: Store) -> dict[str, int]:
    store.flush(wait_s=1.0)
    rows = store.query("SELECT verdict, count(*) AS n FROM inspect_results GROUP BY verdict")
    return {r["verdict"]: int(r["n"]) for r in rows}


def legacy_training_runs(store: Store, limit: int) -> list[dict[str, Any]]:
    """Trainings on uploaded data recorded before they became jobs (newer ones are `jobs` rows of kind 'train')."""
    return store.query(
        """SELECT run_id, started_at, finished_at, state, epochs, version, error FROM inspect_training_runs
           ORDER BY started_at DESC LIMIT ?""",
        [limit],
    )


def waiting_reviews(store: Store, limit: int) -> list[dict[str, Any]]:
    """REVIEW verdicts with no box review yet (no inspect feedback names the result), newest first."""
    store.flush(wait_s=1.0)
    rows = store.query(
        """SELECT r.result_id, r.ts, r.image_name, r."user", r.image_path, r.defects FROM inspect_results r
           WHERE r.verdict = 'REVIEW' AND NOT EXISTS (
               SELECT 1 FROM feedback f WHERE f.module = 'inspect' AND f.value->>'result_id' = r.result_id)
           ORDER BY r.ts DESC LIMIT ?""",
        [limit],
    )
    return [{**row, "defects": from_json(row["defects"]) or []} for row in rows]


def result_feedback(store: Store, result_id: str) -> list[dict[str, Any]]:
    """Every piece of feedback people gave on one inspection (box reviews, missed defects), oldest first."""
    store.flush(wait_s=2.0)
    rows = store.query(
        """SELECT feedback_id, ts, "user", kind, value FROM feedback
           WHERE module = 'inspect' AND value->>'result_id' = ? ORDER BY ts, feedback_id""",
        [result_id],
    )
    return [{**row, "value": from_json(row["value"]) or {}} for row in rows]
