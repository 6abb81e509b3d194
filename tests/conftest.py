"""Shared fixtures: an isolated SUITE_HOME per test, the real store, the real bundled models once per session."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from suite import clikit  # noqa: E402
from suite.settings import Settings  # noqa: E402
from suite.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "sample_data"


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings on a fresh SUITE_HOME (also exported, so pages and subprocesses see the same folder)."""
    monkeypatch.setenv("SUITE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SUITE_DEVICE", "cpu")
    return Settings.from_env()


@pytest.fixture
def store(settings) -> Store:
    store = Store(settings, flush_interval_s=0.2)
    yield store
    store.close()


@pytest.fixture(scope="session")
def embedder():
    """The real bundled MiniLM, loaded once for the whole run."""
    from pipelines.embedder import load_embedder

    return load_embedder(device="cpu")


@pytest.fixture
def sample_data() -> Path:
    return SAMPLE_DATA


@pytest.fixture(autouse=True)
def _stores_closed_after_the_test(tmp_path, monkeypatch):
    """Every Store a test opened is closed when it ends, also one a page or the audit trail keeps in a cache.

    pytest removes a passing test's SUITE_HOME at once; an open store's flusher then failed on the removed
    folder every second and logged a traceback from its thread, and Python 3.11 builds those tracebacks with
    `ast.parse`, which is not thread-safe there: a page that AppTest compiled at that moment failed with
    "AST constructor recursion depth mismatch" (three page tests in one CI run). A closed store stays usable.
    `tmp_path` is asked for so that this runs before pytest removes the folder. The CLI's store and settings
    are forgotten before and after, as between two processes: a test's command never reuses an earlier test's home.
    """
    clikit.reset()
    opened: list[Store] = []
    init = Store.__init__

    def tracked(self, *args, **kwargs):
        init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(Store, "__init__", tracked)
    yield
    clikit.reset()
    for store in opened:
        store.close()
