"""The committed `.streamlit/config.toml`: the upload limit equals the suite's own, and the server stays private."""

from __future__ import annotations

import tomllib
from pathlib import Path

from suite.uploads import MAX_UPLOAD_MB

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_streamlit_upload_limit_is_the_suites_limit():
    config = tomllib.loads(CONFIG.read_text())
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB


def test_streamlit_serves_locally_without_toolbar_or_usage_statistics():
    config = tomllib.loads(CONFIG.read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["browser"]["gatherUsageStats"] is False
