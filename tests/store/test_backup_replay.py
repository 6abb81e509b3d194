"""Restoring a backup brings back the journaled rows written after it; copied journal files stay few."""

from __future__ import annotations

import pytest

from suite.errors import InvalidInput
from suite.store import Store
from suite.store.maintenance import backup, restore


def test_restore_replays_feedback_given_after_the_backup_exactly_once(settings, tmp_path):
    store = Store(settings, flush_interval_s=3600)
    before = {store.log_feedback(module="support", kind="thumbs", value={"up": True}) for _ in range(5)}
    store.flush()
    report = backup(store, tmp_path / "b.duckdb")
    assert report.tables["feedback"] == 5 and report.taken_at
    after = set()
    for _ in range(50):  # fifty flushes, as a busy dashboard makes in a minute
        after.add(store.log_feedback(module="support", kind="thumbs", value={"up": False}))
        store.flush()
    assert len(list(store.journal.retired_folder.iterdir())) == 1  # one archive per process and hour

    restored = restore(store, tmp_path / "b.duckdb", force=True)
    assert restored.replayed_rows >= 50
    rows = store.query("SELECT feedback_id FROM feedback")
    assert {r["feedback_id"] for r in rows} == before | after
    assert len(rows) == 55  # nothing twice
    store.close()


def test_a_backup_over_an_existing_file_needs_force_and_never_replaces_the_database_itself(settings, tmp_path):
    store = Store(settings)
    store.counts()
    target = tmp_path / "b.duckdb"
    backup(store, target)
    with pytest.raises(InvalidInput, match="--force"):
        backup(store, target)
    backup(store, target, force=True)
    with pytest.raises(InvalidInput, match="cannot replace the database"):
        backup(store, settings.db_path, force=True)
    with pytest.raises(InvalidInput, match="is a folder"):
        backup(store, tmp_path)
    store.close()
