"""Fixtures for the sign-in tests (helpers other folders may import live in tests/auth/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from tests.auth.helpers import keep_app_routing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def routed_app_test(monkeypatch):
    """Make AppTests of app.py that go through app.py's routing and sign-in check on every run."""
    from streamlit.testing.v1 import AppTest

    keep_app_routing(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield lambda: AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    st.cache_resource.clear()
