"""The committed default model's recipe (`python -m suite.inspect.model_files`), run for real on a tiny set."""

from __future__ import annotations

import json

from suite.inspect import model_files


def test_the_two_stage_recipe_writes_the_weights_and_a_report_with_each_stage(
    settings, tiny_set, tmp_path, monkeypatch
):
    """One epoch from the architecture, one fine-tune epoch from its weights: the report names both stages, as the
    committed default_model/training.json does, so a rerun of the recipe rewrites that file in the same shape."""
    from ultralytics import YOLO

    monkeypatch.setattr(model_files, "SAMPLE_SET", tiny_set)
    out = tmp_path / "default_model" / "best.pt"
    report = model_files.build_default_model(settings, out, epochs=1, fine_tune_epochs=1)

    assert list(report["stages"]) == ["from the architecture", "fine-tune"]
    assert all(stage["seconds"] > 0 for stage in report["stages"].values())
    assert report["train_seconds"] >= sum(stage["seconds"] for stage in report["stages"].values()) - 0.2  # rounding
    assert 0.0 <= report["test"]["map50"] <= 1.0
    assert json.loads(out.with_name("training.json").read_text()) == report
    committed = json.loads((model_files.DEFAULT_DIR / "training.json").read_text())
    assert set(committed) == set(report) and set(committed["stages"]) == set(report["stages"])
    assert len(YOLO(str(out)).names) == 4
