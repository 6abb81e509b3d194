from __future__ import annotations

import pytest

from suite.store import Store
from tests.recommend.seed import copy_seed


@pytest.fixture
def rec_store(settings) -> Store:
    """A store with the sample shop imported and the default model built (copied from the session seed)."""
    copy_seed(settings)
    store = Store(settings, flush_interval_s=0.2)
    yield store
    store.close()
