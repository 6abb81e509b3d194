"""The warm-up: every module's default model loaded once per process before its first request (suite.warmup),
its state for pages (the "warming up" banner) and for other processes (the JSON file), and the dashboard's
server process starting it (suite.launch, as `suite serve` runs it)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.loading import loaded_keys
from suite import launch, warmup
from suite.cli import serve_command
from suite.errors import ModelUnavailable
from suite.modules import MODULE_KEYS
from suite.support.service import add_articles, ask

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = (
    "reset.md",
    b"# Reset your password\n\nOpen Settings, choose Security and press Reset password. "
    b"We email you a link that works for one hour.\n",
)


@pytest.fixture(autouse=True)
def no_warm_up_state_left(monkeypatch):
    """Each test starts, and leaves the process, with no warm-up state (pages then show no banner)."""
    monkeypatch.setattr(warmup, "_current", None)


def test_warm_up_goes_from_waiting_to_ready_with_real_models(store):
    add_articles(store, [ARTICLE])
    store.flush()
    events_before = store.counts().get("events", 0)
    path = warmup.state_path(store.settings, "test")

    thread = warmup.start(store.settings, store, state_file=path)
    first = {m: w.state for m, w in warmup.current().modules.items()}
    assert list(first) == list(MODULE_KEYS)
    assert set(first.values()) <= {warmup.WAITING, warmup.LOADING}
    assert warmup.warming("support")
    thread.join(timeout=600)
    assert not thread.is_alive()

    state = warmup.current()
    assert state.finished and state.pid == os.getpid()
    states = {m: w.state for m, w in state.modules.items()}
    # Nothing is built for the recommender in a fresh home: it fails with the page's reason, the others warm.
    assert states == {"support": "ready", "recommend": "failed", "inspect": "ready", "transcribe": "ready",
                      "risk": "ready"}  # fmt: skip
    assert "not been built" in state.modules["recommend"].detail
    assert state.shared["redaction"].state == "ready"  # the personal-data masker a stored question needs
    assert all(w.seconds is not None and w.seconds >= 0 for w in state.modules.values())
    assert not any(warmup.warming(m) for m in MODULE_KEYS)

    written = warmup.read_state(path)  # what `suite serve` and the benchmark read
    assert written is not None and written.as_dict() == state.as_dict()

    kinds = {key[0] for key in loaded_keys() if isinstance(key, tuple)}
    assert {"embedder", "multilingual-embedder", "support-index", "detector", "transcriber", "classifier"} <= kinds
    cached = set(loaded_keys())
    answer = ask(store, "How do I reset my password?")  # the first real question finds everything loaded
    assert answer.answered and answer.citations[0].source == "reset.md"
    assert set(loaded_keys()) == cached
    store.flush()
    assert store.counts().get("events", 0) == events_before + 1  # the warm-up itself logged no usage


def test_one_module_failing_does_not_keep_the_others_cold(settings, store):
    ran = []

    def refuses(settings, store):
        raise ModelUnavailable("The promoted model is incomplete; ask an admin to roll back.")

    def breaks(settings, store):
        raise RuntimeError("a bug")

    def works(settings, store):
        ran.append("works")
        return "a note"

    state = warmup.run(settings, store, steps={"support": refuses, "inspect": breaks, "risk": works})
    assert {m: (w.state, w.detail) for m, w in state.modules.items()} == {
        "support": ("failed", "The promoted model is incomplete; ask an admin to roll back."),
        "inspect": ("failed", "internal error (RuntimeError); see the log"),
        "risk": ("ready", "a note"),
    }
    assert ran == ["works"] and state.finished


def test_a_page_shows_the_banner_while_its_model_loads_and_not_after(store):
    add_articles(store, [ARTICLE])
    release = threading.Event()

    def support_blocked(settings, store):
        assert release.wait(120)
        return warmup.service_step("support")(settings, store)

    st.cache_resource.clear()
    thread = warmup.start(
        store.settings, store, steps={"support": support_blocked, "recommend": lambda _settings, _store: None}
    )
    try:
        at = AppTest.from_file(str(ROOT / "pages/support.py"), default_timeout=120).run()
        assert not at.exception
        [banner] = [i.value for i in at.info if "warming up" in i.value]
        assert banner.startswith("Support answers is warming up — ready in a moment (loading its model")

        recommend = AppTest.from_file(str(ROOT / "pages/recommend.py"), default_timeout=120).run()
        assert not recommend.exception  # next in line, its page says so too
        assert any("Recommendations is warming up" in i.value and "next in line" in i.value for i in recommend.info)
    finally:
        release.set()
        thread.join(timeout=300)
    assert warmup.module_state("support").state == "ready"
    at.run()
    assert not at.exception
    assert not [i.value for i in at.info if "warming up" in i.value]
    st.cache_resource.clear()


def test_pages_show_no_banner_when_the_process_started_no_warm_up(store):
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages/risk.py"), default_timeout=120).run()
    assert not at.exception
    assert not [i.value for i in at.info if "warming up" in i.value]
    st.cache_resource.clear()


def test_the_server_command_starts_the_warm_up_unless_told_not_to():
    assert serve_command(8502)[3:5] == ["run", str(ROOT / "app.py")]
    assert serve_command(8502, warm_up=False)[3:6] == ["--no-warm-up", "run", str(ROOT / "app.py")]
    assert launch.before_streamlit(["--no-warm-up", "run", "app.py"]) == ["run", "app.py"]
    assert warmup.current() is None  # nothing was started
    assert launch.port_of(["run", "app.py", "--server.port", "8765"]) == 8765
    assert launch.port_of(["run", "app.py", "--server.port=8766"]) == 8766
    assert launch.port_of(["run", "app.py"]) == 8501


@pytest.mark.slow
def test_the_dashboard_server_warms_up_in_its_own_process_and_says_ready(settings, store, tmp_path):
    from tests.serving_kit import free_port

    add_articles(store, [ARTICLE])
    store.flush()
    store.close()
    port = free_port()
    env = {**os.environ, "SUITE_HOME": str(settings.home), "SUITE_DEVICE": "cpu"}
    log = tmp_path / "server.log"
    since = time.time()
    with log.open("w") as err:
        server = subprocess.Popen(serve_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            state = warmup.wait_until_done(
                launch.state_file(settings, port), since=since, timeout_s=600, alive=lambda: server.poll() is None
            )
            assert state is not None, log.read_text()[-2000:]
            assert state.pid == server.pid  # the server process itself warmed up, not a helper
            assert state.modules["support"].state == "ready" and state.modules["risk"].state == "ready"
            deadline = time.monotonic() + 10
            while "Northstar Suite is ready: http://127.0.0.1:" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=30)
