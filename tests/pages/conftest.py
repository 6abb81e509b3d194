"""Page tests: each AppTest run sees the test's own SUITE_HOME, not a cached store from an earlier test."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_page(settings):
    """Build an AppTest for a page file (path relative to the repo root) on the test's SUITE_HOME."""
    st.cache_resource.clear()
    st.cache_data.clear()

    def make(page: str, timeout: float = 120) -> AppTest:
        return AppTest.from_file(str(ROOT / page), default_timeout=timeout)

    yield make
    st.cache_resource.clear()
