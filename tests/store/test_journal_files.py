"""Journal files: names that survive any host name, appends that are whole or refused, never a false success."""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap

import pytest

from suite.errors import StoreFull
from suite.store import journal as journal_module
from suite.store.journal import host_tag, parse_name


@pytest.mark.parametrize("host", ["web-1", "db.eu-west-2.internal", "node_7", "ünïcode-host", "a-1-2-3"])
def test_any_host_name_reads_back_from_a_journal_file_name(host):
    name = f"j1_{host_tag(host)}_4242_0a1b2c3d.open.jsonl"
    assert parse_name(name) == (host, 4242)


def test_legacy_names_with_hyphenated_hosts_parse_from_the_right():
    assert parse_name("web-1-4242-0a1b2c3d.open.jsonl") == ("web-1", 4242)
    assert parse_name("not-a-journal.txt") is None


CHILD = textwrap.dedent(
    """
    import os, socket
    socket.gethostname = lambda: "web-1"          # a host name with a hyphen, like most container hosts
    from suite.settings import Settings
    from suite.store import Store
    store = Store(Settings.from_env(), flush_interval_s=3600)
    for _ in range(25):
        store.log_feedback(module="support", kind="thumbs", value={"up": False})
    os._exit(0)   # no atexit flush: the rows exist only in the journal
    """
)


def test_rows_of_a_dead_process_on_a_hyphenated_host_are_recovered(store, monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "web-1")
    monkeypatch.setattr(journal_module, "_HOST", "web-1", raising=False)  # the name the old code cached
    subprocess.run([sys.executable, "-c", CHILD], check=True, env=dict(os.environ), timeout=120)
    assert store.scalar("SELECT count(*) FROM feedback WHERE review_state = 'new'") == 25
    assert list(store.journal.folder.glob("*.open.jsonl")) == []


def test_a_live_process_keeps_its_open_file_even_if_its_pid_looks_dead(store, settings):
    """The owner's lock, not its pid, decides: a pid can be reused, a lock dies with its process."""
    from suite.store.journal import Journal

    other = Journal(settings.spool_dir)  # a second journal of this process holds its file's lock
    other.append("events", {"request_id": "x"})
    [path] = list(settings.spool_dir.glob("*.open.jsonl"))
    fake = path.with_name(path.name.replace(f"_{os.getpid()}_", "_999999_"))
    path.rename(fake)  # same open file, now named as if written by a process that is gone
    assert store.journal.ready_files() == []
    assert fake.exists()


def test_rows_of_an_open_file_removed_under_the_process_are_saved_again(settings, caplog):
    """Someone empties the spool folder while the app runs: the rows written before and after still arrive."""
    import shutil

    from suite.store import Store

    store = Store(settings, flush_interval_s=3600)
    for _ in range(3):
        store.log_feedback(module="support", kind="thumbs", value={"up": True})
    shutil.rmtree(settings.spool_dir)  # the open file and its folder are gone; the descriptor still holds them
    store.log_feedback(module="support", kind="thumbs", value={"up": False})
    with caplog.at_level(logging.WARNING, logger="suite.store.journal"):
        assert store.scalar("SELECT count(*) FROM feedback") == 4
    assert "was removed while in use; its 4 rows were saved again" in caplog.text
    store.log_feedback(module="support", kind="thumbs", value={"up": True})  # a new file, as usual
    assert store.scalar("SELECT count(*) FROM feedback") == 5
    store.close()


def _short_writes(monkeypatch, limit: int) -> list[int]:
    real_write = os.write
    calls: list[int] = []

    def write(fd, data):
        chunk = bytes(data[:limit])
        calls.append(len(chunk))
        return real_write(fd, chunk)

    monkeypatch.setattr(os, "write", write)
    return calls


def test_short_writes_are_continued_so_a_large_correction_arrives_whole(store, monkeypatch):
    calls = _short_writes(monkeypatch, 1000)
    value = {"text": "x" * 10_000}
    feedback_id = store.log_feedback(module="transcribe", kind="correction", value=value)
    monkeypatch.undo()
    assert len(calls) > 10  # the record really went out in pieces
    row = store.query("SELECT value FROM feedback WHERE feedback_id = ?", [feedback_id])
    assert [json.loads(r["value"]) for r in row] == [value]
    assert not (store.journal.folder / "torn").exists()


def _disk_fills_after(monkeypatch, allowed: int) -> None:
    real_write = os.write
    left = {"bytes": allowed}

    def write(fd, data):
        if left["bytes"] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        chunk = bytes(data[: left["bytes"]])
        left["bytes"] -= len(chunk)
        return real_write(fd, chunk)

    monkeypatch.setattr(os, "write", write)


def test_feedback_on_a_full_disk_raises_and_leaves_no_torn_line(store, monkeypatch):
    kept = store.log_feedback(module="support", kind="thumbs", value={"up": True})
    _disk_fills_after(monkeypatch, 3000)  # room for a third of the next record
    with pytest.raises(StoreFull, match="disk .* is full.*not saved"):
        store.log_feedback(module="transcribe", kind="correction", value={"text": "y" * 10_000})
    monkeypatch.undo()  # space was freed
    later = store.log_feedback(module="support", kind="thumbs", value={"up": False})
    ids = {r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")}
    assert ids == {kept, later}
    assert store.quarantined() == []  # nothing half-written to put aside


def test_a_usage_event_on_a_full_disk_never_breaks_the_request_but_is_counted_and_logged(store, monkeypatch, caplog):
    _disk_fills_after(monkeypatch, 0)
    with caplog.at_level(logging.ERROR, logger="suite.store.store"):
        request_id = store.log_event(module="support", action="ask")
    monkeypatch.undo()
    assert request_id and store.unsaved_events == 1
    assert any("NOT SAVED" in r.getMessage() and request_id in r.getMessage() for r in caplog.records)
    assert store.scalar("SELECT count(*) FROM events") == 0


def test_journaled_tickets_raise_on_a_full_disk(store, monkeypatch):
    _disk_fills_after(monkeypatch, 10)
    with pytest.raises(StoreFull):
        store.journal_row("events", {"request_id": "r1", "ts": "2024-01-01", "module": "m", "action": "a"})


def test_a_rescue_that_fails_is_tried_again_at_the_next_seal(settings, monkeypatch):
    """The disk is full when the rows of a removed file are written out again: nothing is lost, the next seal
    writes them (the half-written copy of the failed try is overwritten, not in the way)."""
    import shutil

    from suite.store import Store

    store = Store(settings, flush_interval_s=3600)
    for _ in range(2):
        store.log_feedback(module="support", kind="thumbs", value={"up": True})
    shutil.rmtree(settings.spool_dir)
    real_write = journal_module.write_all

    def full_disk(fd, data):
        real_write(fd, data[:5])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module, "write_all", full_disk)
    with pytest.raises(OSError):
        store.journal.seal()
    monkeypatch.setattr(journal_module, "write_all", real_write)
    assert store.scalar("SELECT count(*) FROM feedback") == 2
    assert not list(settings.spool_dir.glob("*.init"))
    store.close()
