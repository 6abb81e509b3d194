"""Fixtures for the sign-in tests (helpers other folders may import live in tests/auth/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def routed_app_test(monkeypatch):
    """AppTest of app.py that keeps running app.py after the first page (as `suite serve` does).

    AppTest resets `PagesManager.uses_pages_directory` before every run, so with a `pages/` folder beside app.py
    a second run would execute the last page's file directly and skip app.py's navigation and sign-in check.
    """
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield lambda: AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    st.cache_resource.clear()
