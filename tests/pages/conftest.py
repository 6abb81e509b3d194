"""Page tests: each AppTest run sees the test's own SUITE_HOME, not a cached store from an earlier test."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_page(settings, store):
    """Build an AppTest for a page file (path relative to the repo root) on the test's SUITE_HOME.

    A page under `pages/` runs signed in as an admin (`page.admin`): the domain functions refuse anyone else what
    their role may not do. `app.py` starts as a visitor (it shows the sign-in page). A test that wants another role
    signs in itself (`tests.auth.helpers.sign_in_app_test`), which replaces this session.
    """
    from tests.auth.helpers import sign_in_app_test, signed_in

    st.cache_resource.clear()
    st.cache_data.clear()
    session = []

    def make(page: str, timeout: float = 120) -> AppTest:
        at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
        if not page.startswith("pages/"):
            return at
        if not session:
            session.append(signed_in(store, "admin", name="page.admin"))
        return sign_in_app_test(at, session[0])

    yield make
    st.cache_resource.clear()
