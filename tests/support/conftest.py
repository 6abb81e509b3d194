"""Support fixtures: the sample help center ingested once per session and copied into each test's store."""

from __future__ import annotations

import shutil

import pytest

from suite.settings import Settings
from suite.store import Store
from suite.support.evaluation import KB_DIR
from suite.support.service import ingest_paths


@pytest.fixture(scope="session")
def kb_template(tmp_path_factory):
    home = tmp_path_factory.mktemp("support-kb")
    store = Store(Settings.from_env(home=home, device="cpu"))
    report = ingest_paths(store, [KB_DIR])
    assert len(report.added) == 30 and not report.skipped
    store.close()
    return home / "suite.duckdb"


@pytest.fixture
def kb_store(store, kb_template):
    """The test's store, starting with the sample help center already ingested."""
    shutil.copy(kb_template, store.settings.db_path)
    return store
