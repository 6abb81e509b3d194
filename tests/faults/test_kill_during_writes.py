"""`kill -9` while a process on a host named `web-1` journals feedback: no acknowledged row is lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from suite.store import journal as journal_module
from tests.faults.userview import json_lines, run_suite

WRITER = textwrap.dedent(
    """
    import socket, sys
    socket.gethostname = lambda: "web-1"          # hyphenated, like most container and VM host names
    from suite.settings import Settings
    from suite.store import Store
    store = Store(Settings.from_env(), flush_interval_s=0.05)
    i = 0
    while True:
        feedback_id = store.log_feedback(module="support", kind="correction", value={"i": i, "text": "x" * (i % 3000)})
        print(feedback_id, flush=True)   # acknowledged: log_feedback returned, the user saw "saved"
        i += 1
    """
)


@pytest.mark.parametrize("acked_before_kill", [1, 40, 400])
def test_kill_9_mid_write_on_a_hyphenated_host_loses_no_acknowledged_row(store, monkeypatch, acked_before_kill):
    monkeypatch.setattr(socket, "gethostname", lambda: "web-1")  # the dashboard that recovers runs on web-1 too
    monkeypatch.setattr(journal_module, "_HOST", "web-1", raising=False)
    writer = subprocess.Popen([sys.executable, "-c", WRITER], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    acked = [writer.stdout.readline().strip() for _ in range(acked_before_kill)]
    os.kill(writer.pid, signal.SIGKILL)  # in the middle of the next writes
    writer.wait(timeout=30)
    acked += [line.strip() for line in writer.stdout if line.strip()]  # acknowledged before it died
    writer.stdout.close()

    store.flush(wait_s=10)  # the dashboard's next flush seals the dead process's file and copies it
    found = {r["feedback_id"] for r in store.query("SELECT feedback_id FROM feedback")}
    lost = set(acked) - found
    assert lost == set(), f"{len(lost)} acknowledged row(s) lost"
    assert list(store.journal.folder.glob("*.open.jsonl")) == []
    torn = [e for e in store.quarantined() if e.table is None]
    assert len(torn) <= 1  # at most the one line being written at the kill, never acknowledged, kept aside

    store.close()
    report = json_lines(run_suite("store", "check").stdout)[0]
    assert report["tables"]["feedback"] == len(found) and report["journal_files"] == 0
    assert report["torn_lines"] == len(torn)
