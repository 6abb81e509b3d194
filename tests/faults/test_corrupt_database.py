"""A truncated or overwritten database file: a clear message, `suite store check` says what is wrong, restore works."""

from __future__ import annotations

import os

import pytest

from suite.errors import StoreCorrupt
from suite.store import Store
from suite.store.maintenance import backup, check, restore
from tests.faults.userview import json_lines, one_line, run_suite


def _truncate(path):
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def _overwrite_middle(path):
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        handle.write(os.urandom(16384))


def _overwrite_header(path):
    with path.open("r+b") as handle:
        handle.write(os.urandom(4096))


@pytest.mark.parametrize("damage", [_truncate, _overwrite_middle, _overwrite_header])
def test_every_kind_of_damage_is_named_found_by_check_and_undone_by_restore(settings, tmp_path, damage):
    store = Store(settings, flush_interval_s=3600)
    store.execute("CREATE TABLE notes AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(100000)")
    backup(store, tmp_path / "b.duckdb")
    store.close()
    damage(settings.db_path)
    with pytest.raises(StoreCorrupt, match=r"is damaged .*suite store check.*suite store restore"):
        store.query("SELECT count(*), max(s) FROM notes")
    report = check(store)
    assert report.ok is False and "is damaged" in report.problems[0] and "restore" in report.advice
    restored = restore(store, tmp_path / "b.duckdb", force=True)
    assert restored.tables["notes"] == 100_000 and restored.kept_aside
    assert store.scalar("SELECT count(*) FROM notes") == 100_000 and check(store).ok
    store.close()


def test_what_the_user_sees_from_damage_to_recovery_with_no_acknowledged_row_lost(settings, tmp_path):
    damage = _overwrite_middle
    store = Store(settings, flush_interval_s=3600)
    store.execute("CREATE TABLE notes AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(100000)")
    before = [store.log_feedback(module="support", kind="thumbs", value={"up": True}) for _ in range(5)]
    store.flush(wait_s=5)
    backup = tmp_path / "nightly.duckdb"
    assert run_suite("store", "backup", str(backup)).returncode == 0
    store.close()

    damage(settings.db_path)

    # The page / service sees a SuiteError that names the file and the way out, not a DuckDB traceback.
    with pytest.raises(StoreCorrupt, match=r"is damaged .*suite store check.*suite store restore"):
        store.query("SELECT count(*), max(s) FROM notes")  # a page reading the rows
    # Feedback given meanwhile is still acknowledged: it waits in the journal (nothing is lost).
    during = store.log_feedback(module="support", kind="thumbs", value={"up": False})
    store.journal.seal()
    # Any command: works where it needs no damaged block (here it even copies the waiting feedback in), or
    # exits 2 with one line that names the damage. Never a traceback.
    status = run_suite("status")
    assert status.returncode == 0 or (status.returncode == 2 and "is damaged" in one_line(status))
    assert "Traceback" not in status.stderr
    # `suite store check` says what is wrong and what to do.
    check = run_suite("store", "check")
    assert check.returncode == 2 and "suite store restore" in one_line(check)
    [report] = json_lines(check.stdout)
    assert report["ok"] is False and "damaged" in report["problems"][0]

    restored = run_suite("store", "restore", str(backup), "--force")
    assert restored.returncode == 0, restored.stderr
    [result] = json_lines(restored.stdout)
    assert result["tables"]["notes"] == 100_000 and len(result["kept_aside"]) >= 1

    assert store.scalar("SELECT count(*) FROM notes") == 100_000
    found = {r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")}
    assert found == {*before, during}  # rows lost: 0
    healthy = run_suite("store", "check")
    assert healthy.returncode == 0, healthy.stderr
    store.close()


def test_a_damaged_backup_is_refused_and_the_database_is_left_alone(settings, tmp_path):
    store = Store(settings)
    store.execute("CREATE TABLE notes AS SELECT range AS i FROM range(50000)")
    backup = tmp_path / "b.duckdb"
    assert run_suite("store", "backup", str(backup)).returncode == 0
    _overwrite_middle(backup)
    result = run_suite("store", "restore", str(backup), "--force")
    assert result.returncode == 2 and "not a usable backup" in one_line(result)
    assert store.scalar("SELECT count(*) FROM notes") == 50000
    assert not list(settings.home.glob("*.before-restore-*"))
    store.close()
