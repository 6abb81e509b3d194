"""Inspection fixtures: the real committed default model, loaded once; tiny data sets made from sample_data."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from inspect_helpers import SAMPLE_SET

from suite.settings import Settings


@pytest.fixture(scope="session")
def inspect_home(tmp_path_factory) -> Settings:
    """A SUITE_HOME where the default model's ONNX export was made once (as `suite prepare` makes it)."""
    from suite.inspect.model_files import prepare_exported

    settings = Settings.from_env(home=tmp_path_factory.mktemp("inspect-home"), device="cpu")
    prepare_exported(settings)
    return settings


@pytest.fixture(autouse=True)
def _exported_model(request, inspect_home):
    """Each test's SUITE_HOME starts with that export, as after `suite prepare` (no test pays for exporting)."""
    if "settings" in request.fixturenames:
        exported = inspect_home.module_dir("inspect") / "exported"
        target = request.getfixturevalue("settings").module_dir("inspect") / "exported"
        if exported.exists():
            shutil.copytree(exported, target, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def detector(inspect_home):
    """The serving default detector (committed weights, its ONNX export on the CPU), loaded once."""
    from suite.inspect.service import serving_detector

    return serving_detector(inspect_home)


@pytest.fixture
def tiny_set(tmp_path) -> Path:
    """A YOLO data set of 8 train, 4 val and 4 test images copied from the sample set."""
    root = tmp_path / "tiny"
    for split, n in (("train", 8), ("val", 4), ("test", 4)):
        for kind, suffix in (("images", ".jpg"), ("labels", ".txt")):
            (root / kind / split).mkdir(parents=True)
            for i in range(n):
                name = f"{split}_{i:03d}{suffix}"
                shutil.copyfile(SAMPLE_SET / kind / split / name, root / kind / split / name)
    shutil.copyfile(SAMPLE_SET / "data.yaml", root / "data.yaml")
    return root


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the network is recorded and fails."""
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2]))
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts
