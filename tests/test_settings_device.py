from __future__ import annotations

import pytest

from pipelines.device import resolve_device
from suite.errors import InvalidInput
from suite.settings import Settings


def test_settings_read_suite_prefixed_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SUITE_HOME", str(tmp_path))
    monkeypatch.setenv("SUITE_DEVICE", "CPU")
    monkeypatch.setenv("SUITE_AUTO_PROMOTE", "off")
    monkeypatch.setenv("SUITE_WORKER_SCHEDULE", "nightly")
    settings = Settings.from_env()
    assert settings.home == tmp_path and settings.device == "cpu" and settings.auto_promote is False
    assert settings.db_path == tmp_path / "suite.duckdb"
    assert settings.extra["worker_schedule"] == "nightly"
    with pytest.raises(AttributeError):
        settings.device = "cuda"  # frozen


def test_bad_device_setting_names_the_choices():
    with pytest.raises(InvalidInput, match="auto, cpu, cuda"):
        Settings(device="tpu")


def test_device_policy_falls_back_to_cpu_without_cuda():
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_device("cuda") == expected
    assert resolve_device("cpu") == "cpu"
