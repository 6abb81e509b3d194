"""`suite store check|backup|restore` as a user runs them: JSON Lines out, exit 2 with one line on a problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from suite.store import Store

SUITE = str(Path(sys.executable).with_name("suite"))


def suite(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SUITE, *args], capture_output=True, text=True, env=dict(os.environ), timeout=300)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_check_reports_counts_and_the_journal_backlog(settings):
    store = Store(settings, flush_interval_s=3600)
    store.log_event(module="support", action="ask")
    store.flush()
    for _ in range(3):  # still in this process's open journal file
        store.log_feedback(module="support", kind="thumbs", value={"up": True})
    result = suite("store", "check")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    report = json.loads(line)
    assert report["ok"] is True and report["problems"] == []
    assert report["tables"]["events"] == 1 and report["tables"]["feedback"] == 0
    assert report["journal_files"] == 1 and report["journal_rows"] == 3
    assert report["quarantined"] == 0
    store.close()


def test_backup_and_restore_round_trip_keeping_the_replaced_file(settings, tmp_path):
    store = Store(settings)
    for i in range(5):
        store.log_event(module="risk", action="classify", latency_ms=float(i))
    store.flush()
    backup = tmp_path / "backup.duckdb"

    made = suite("store", "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["tables"]["events"] == 5 and backup.exists()
    again = suite("store", "backup", str(backup))
    assert again.returncode == 2 and "--force" in one_line(again)

    store.execute("DELETE FROM events")
    refused = suite("store", "restore", str(backup))
    assert refused.returncode == 2 and "already exists; pass --force" in one_line(refused)
    assert store.scalar("SELECT count(*) FROM events") == 0  # nothing changed

    restored = suite("store", "restore", str(backup), "--force")
    assert restored.returncode == 0, restored.stderr
    report = json.loads(restored.stdout)
    assert report["restored_from"] == str(backup) and report["tables"]["events"] == 5
    [aside] = report["kept_aside"]
    assert Path(aside).exists() and ".before-restore-" in aside
    assert store.scalar("SELECT count(*) FROM events") == 5  # the running store reads the restored file


def test_restore_refuses_a_file_that_is_not_a_backup(settings, tmp_path):
    Store(settings).counts()
    fake = tmp_path / "notes.duckdb"
    fake.write_bytes(b"just some text, not a database" * 100)
    result = suite("store", "restore", str(fake), "--force")
    assert result.returncode == 2 and "is not a usable backup" in one_line(result)
    missing = suite("store", "restore", str(tmp_path / "nope.duckdb"))
    assert missing.returncode == 2 and "is not a file" in one_line(missing)


def test_restore_waits_for_no_other_process_to_hold_the_file(settings, tmp_path):
    store = Store(settings)
    store.counts()
    backup = tmp_path / "b.duckdb"
    assert suite("store", "backup", str(backup)).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,duckdb; c=duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.readline()", str(settings.db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        result = subprocess.run(
            [SUITE, "store", "restore", str(backup), "--force"],
            capture_output=True, text=True, env={**os.environ}, timeout=300,
        )  # fmt: skip
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert result.returncode == 2 and "is using the database" in one_line(result)
    assert not list(settings.home.glob("suite.duckdb.before-restore-*"))  # nothing was moved
