"""Training defaults for a customer's own photos: size from the data, a time budget, the serving model's weights."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from inspect_helpers import SAMPLE_SET
from PIL import Image
from typer.testing import CliRunner

from suite.cli import app
from suite.inspect import custom_training, service
from suite.inspect.models import Scores


def _resized_set(root: Path, side: int, names: list[str] | None = None) -> Path:
    """8/4/4 sample images upscaled to side x side (YOLO labels are relative, so they stay right)."""
    for split, n in (("train", 8), ("val", 4), ("test", 4)):
        for kind in ("images", "labels"):
            (root / kind / split).mkdir(parents=True)
        for i in range(n):
            name = f"{split}_{i:03d}"
            image = Image.open(SAMPLE_SET / "images" / split / f"{name}.jpg").resize((side, side))
            image.save(root / "images" / split / f"{name}.jpg")
            shutil.copyfile(SAMPLE_SET / "labels" / split / f"{name}.txt", root / "labels" / split / f"{name}.txt")
    spec = yaml.safe_load((SAMPLE_SET / "data.yaml").read_text())
    spec = {"path": str(root), "train": "images/train", "val": "images/val", "test": "images/test"} | {
        "names": dict(enumerate(names)) if names else spec["names"]
    }
    (root / "data.yaml").write_text(yaml.safe_dump(spec))
    return root / "data.yaml"


@pytest.mark.parametrize(("median", "size"), [(384, 384), (250, 256), (3000, 640), (60, 128), (500, 512)])
def test_image_size_is_the_photos_native_size_rounded_to_32_and_capped(median, size):
    assert custom_training.pick_imgsz(median) == size


def test_default_plan_reads_the_size_from_the_photos_and_stops_on_a_time_budget(tmp_path):
    plan = custom_training.plan_training(_resized_set(tmp_path / "set", 384))
    assert (plan.imgsz, plan.median_side, plan.train_images) == (384, 384, 8)
    args = plan.trainer_args()
    assert args["imgsz"] == 384 and args["patience"] == custom_training.DEFAULT_PATIENCE
    assert args["time"] == pytest.approx(custom_training.DEFAULT_TIME_BUDGET_MIN / 60)  # Ultralytics: hours
    assert args["epochs"] == custom_training.MAX_AUTO_EPOCHS  # only a ceiling: the budget decides
    expected = 8 * custom_training.CPU_SECONDS_PER_IMAGE_256 * (384 / 256) ** 2 * args["epochs"] / 60
    assert plan.expected_min == pytest.approx(min(expected, custom_training.DEFAULT_TIME_BUDGET_MIN))
    text = plan.describe()
    assert "384 px" in text and "Expected time: about" in text and "20 min" in text


def test_asked_for_settings_win_and_a_fixed_epoch_count_has_no_budget_unless_given(tmp_path):
    data = _resized_set(tmp_path / "set", 384)
    fixed = custom_training.plan_training(data, epochs=5, imgsz=128)
    assert "time" not in fixed.trainer_args() and fixed.trainer_args()["epochs"] == 5 and fixed.imgsz == 128
    assert "as asked" in fixed.describe()
    both = custom_training.plan_training(data, epochs=50, time_budget_min=3)
    assert both.trainer_args()["time"] == pytest.approx(0.05) and both.expected_min <= 3
    with pytest.raises(Exception, match="time budget"):
        service.training_plan(data, time_budget_min=0)


def test_the_trainer_gets_the_plan_and_the_serving_weights_even_when_the_classes_differ(store, tmp_path, monkeypatch):
    import pipelines.detector_training as trainer

    calls: list[dict] = []

    def fake_train(data_yaml, run_dir, **kwargs):
        calls.append(kwargs)
        raise RuntimeError("stopped by the test after the arguments were built")

    monkeypatch.setattr(trainer, "train", fake_train)
    data = _resized_set(tmp_path / "set", 384, names=["dent", "burr", "smudge", "blot"])
    with pytest.raises(Exception, match="stopped by the test"):
        service.train_now(store, data, time_budget_min=7)
    (kwargs,) = calls
    assert str(kwargs["base"]).endswith(".pt")  # the bundled model's weights, not yolov8n.yaml
    assert kwargs["imgsz"] == 384 and kwargs["time"] == pytest.approx(7 / 60)
    assert kwargs["patience"] == custom_training.DEFAULT_PATIENCE and kwargs["warmup_epochs"] == 1
    assert store.query("SELECT * FROM model_versions WHERE module = 'inspect'") == []


def test_advice_names_the_weakest_class_and_larger_images():
    scores = Scores(0.2, 0.1, 0.3, 0.2, per_class_ap50={"dent": 0.5, "burr": 0.05, "smudge": 0.3})
    text = custom_training.advice(scores, 640, 2000)
    assert "weakest class is burr" in text and "more labelled images of burr" in text and "--imgsz" in text


@pytest.mark.slow
def test_cli_defaults_one_real_epoch_with_new_classes_say_the_plan_and_why_it_is_not_served(
    settings, tmp_path, monkeypatch
):
    """A real training from the serving weights on renamed classes (1 epoch at 128 px) under a floor raised to 0.99:
    it learns (the weights transferred) but is not served, and the CLI says so, naming the weakest class."""
    from suite.registry import gate

    monkeypatch.setitem(gate.FLOORS, "inspect", gate.Floor("map50", 0.99, label="mAP50"))
    data = _resized_set(tmp_path / "set", 128, names=["dent", "burr", "smudge", "blot"])
    result = CliRunner().invoke(app, ["inspect", "train", "--data", str(data), "--epochs", "1"])
    assert result.exit_code == 0, result.output
    assert "Expected time: under a minute" in result.output and "128 px" in result.output
    assert "Not good enough to serve: mAP50" in result.output and "misses the inspect floor" in result.output
    assert "weakest class is" in result.output and "more labelled images of" in result.output
    assert "(rejected)" in result.output
    score = float(result.output.split("(rejected): mAP50 ")[1].split()[0])
    assert score >= 0.3, "one epoch from the transferred weights should already find the (renamed) defects"
    assert service.serving_detector(settings).model_version.startswith("default")  # the serving model stays
