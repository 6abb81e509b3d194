"""A full disk (a real 4 MB tmpfs as SUITE_HOME): every write either lands or says it did not; nothing half-done."""

from __future__ import annotations

import logging

import pytest

from suite.errors import StoreFull
from suite.store import Store
from tests.faults.conftest import fill
from tests.faults.userview import json_lines, one_line, run_suite


def test_a_full_disk_is_reported_to_the_user_and_nothing_acknowledged_is_lost(small_disk, caplog):
    store = Store(small_disk, flush_interval_s=3600)
    saved = [store.log_feedback(module="support", kind="thumbs", value={"up": True}) for _ in range(3)]
    assert store.flush(wait_s=5) is True
    filler = fill(small_disk.home)

    # What the user sees: the feedback form says it was not saved (a SuiteError, shown by the page / exit 2).
    with pytest.raises(StoreFull, match="disk .* is full.*not saved.*Free some disk space"):
        store.log_feedback(module="transcribe", kind="correction", value={"text": "y" * 10_000})
    # Usage logging never breaks the request, but it does not pretend either: logged and counted.
    with caplog.at_level(logging.ERROR, logger="suite.store.store"):
        request_id = store.log_event(module="support", action="ask")
    assert store.unsaved_events == 1 and any(request_id in r.getMessage() for r in caplog.records)
    # A database write says so too, in plain words, and changes nothing.
    with pytest.raises(StoreFull, match="could not save this change"):
        store.execute("CREATE TABLE big AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(200000)")
    assert store.scalar("SELECT count(*) FROM feedback") == 3  # reads keep working

    # `suite store check` names the problem in one line (exit 2) and its JSON says how much space is left.
    result = run_suite("store", "check")
    assert result.returncode == 2 and "MB free" in one_line(result)
    assert json_lines(result.stdout)[0]["free_bytes"] < 2**20

    filler.unlink()  # space freed: everything works again, with nothing torn or half-saved
    later = store.log_feedback(module="support", kind="thumbs", value={"up": False})
    store.execute("CREATE TABLE big AS SELECT range AS i FROM range(1000)")
    found = {r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")}
    assert found == {*saved, later}
    assert store.scalar("SELECT count(*) FROM big") == 1000
    assert store.quarantined() == []
    store.close()


def test_rows_journaled_before_the_disk_filled_wait_and_land_when_space_returns(small_disk):
    store = Store(small_disk, flush_interval_s=3600)
    store.counts()
    pending = [store.log_feedback(module="risk", kind="label", value={"label": "negative"}) for _ in range(20)]
    filler = fill(small_disk.home)
    store.flush(wait_s=2)  # may fail to commit for want of space: the rows must stay in the journal
    filler.unlink()
    assert store.flush(wait_s=5) is True
    assert {r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")} == set(pending)
    store.close()
