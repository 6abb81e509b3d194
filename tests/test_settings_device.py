from __future__ import annotations

import pytest

from pipelines.device import resolve_device
from suite.errors import InvalidInput
from suite.settings import Settings


def test_settings_read_suite_prefixed_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SUITE_HOME", str(tmp_path))
    monkeypatch.setenv("SUITE_DEVICE", "CPU")
    monkeypatch.setenv("SUITE_AUTO_PROMOTE", "off")
    monkeypatch.setenv("SUITE_RETRAIN_HOUR", "off")
    monkeypatch.setenv("SUITE_WORKER_POLL_S", "2.5")
    settings = Settings.from_env()
    assert settings.home == tmp_path and settings.device == "cpu" and settings.auto_promote is False
    assert settings.db_path == tmp_path / "suite.duckdb"
    assert settings.retrain_hour is None and settings.worker_poll_s == 2.5
    with pytest.raises(AttributeError):
        settings.device = "cuda"  # frozen


def test_bad_device_setting_names_the_choices():
    with pytest.raises(InvalidInput, match="auto, cpu, cuda"):
        Settings(device="tpu")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SUITE_PROMOTION_MARGIN", "abc"),
        ("SUITE_AUTO_PROMOTE", "maybe"),
        ("SUITE_RETRAIN_HOUR", "25"),
        ("SUITE_RETRAIN_MIN_FEEDBACK", "-3"),
        ("SUITE_WORKER_POLL_S", "soon"),
        ("SUITE_DEVICE", "tpu"),
    ],
)
def test_every_bad_setting_is_refused_at_start_naming_the_variable(variable, value):
    with pytest.raises(InvalidInput, match=variable):
        Settings.from_env({variable: value})


def test_device_policy_falls_back_to_cpu_without_cuda():
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_device("cuda") == expected
    assert resolve_device("cpu") == "cpu"
