"""The CPU path: the default model exported to ONNX (OpenVINO / ONNX Runtime) gives PyTorch's boxes, faster."""

from __future__ import annotations

import json
import sys

import pytest
from inspect_helpers import SAMPLE_SET, iou
from PIL import Image

from pipelines.detector import Detector
from suite.inspect.model_files import current_model, exported_weights, get_detector

sys.path.insert(0, str(SAMPLE_SET.parent))
from generate import large_image  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def torch_detector(inspect_home):
    weights, version = current_model(inspect_home)
    return Detector(weights, version=version, device="cpu").warm_up()


def assert_same_boxes(expected, got, *, floor: float = 0.25, min_iou: float = 0.85, score_gap: float = 0.06):
    """Every box at or above `floor` in one result has a box of the same class, same place, similar score."""
    for ours, theirs in ((expected, got), (got, expected)):
        for d in ours.detections:
            if d.confidence < floor:
                continue
            twins = [e for e in theirs.detections if e.class_id == d.class_id and iou(e.box, d.box) >= min_iou]
            assert twins, (d, [e for e in theirs.detections if e.confidence >= floor - score_gap])
            assert min(abs(e.confidence - d.confidence) for e in twins) <= score_gap, (d, twins)


def test_the_cpu_serves_the_export_made_at_prepare(detector, inspect_home):
    assert detector.runtime.startswith(("openvino", "onnxruntime")), detector.runtime
    weights, version = current_model(inspect_home)
    exported = exported_weights(inspect_home, weights, version)
    meta = json.loads((exported.parent / "export.json").read_text())
    assert exported.parent.name == version and meta["check_max_diff"] <= 0.05
    assert meta["names"] == {str(k): v for k, v in detector.names.items()}
    stamp = (exported.parent / "export.json").stat().st_mtime_ns
    assert get_detector(inspect_home) is get_detector(inspect_home)  # loaded once per process
    assert (exported.parent / "export.json").stat().st_mtime_ns == stamp  # and the export is not made again


@pytest.mark.parametrize("stem", ["test_014", "test_005", "test_000", "test_001", "test_002", "test_003"])
def test_sample_images_get_the_same_boxes_as_pytorch(detector, torch_detector, stem):
    image = Image.open(SAMPLE_SET / "images" / "test" / f"{stem}.jpg")
    assert_same_boxes(torch_detector.detect(image), detector.detect(image))


def test_a_tiled_photo_gets_the_same_boxes_with_every_tile_in_one_call(detector, torch_detector):
    image, _ = large_image(seed=500, size=(3000, 2000), n_defects=12)
    calls = []
    fast = Detector(detector.weights, version="t", device="cpu", exported=detector.exported).warm_up()
    inner = fast._onnx.run
    fast._onnx.run = lambda inputs: calls.append(inputs["images"].shape) or inner(inputs)
    got = fast.detect(image)
    assert got.tiled and got.tiles == 8 and got.runtime == detector.runtime
    assert calls[0] == (8, 1024, 800, 3) and len(calls) == 2  # all tiles, then the whole-image pass
    expected = torch_detector.detect(image)
    assert len(got.detections) >= 8
    assert_same_boxes(expected, got)


def test_onnx_runtime_gives_the_same_boxes_too(detector, torch_detector):
    ort = Detector(detector.weights, version="t", device="cpu", exported=detector.exported, runtime="onnxruntime")
    assert ort.warm_up().runtime == "onnxruntime-fp32"
    for stem in ("test_014", "test_000"):
        image = Image.open(SAMPLE_SET / "images" / "test" / f"{stem}.jpg")
        assert_same_boxes(torch_detector.detect(image), ort.detect(image), score_gap=0.01, min_iou=0.97)
    # not square: letterboxed to a padded rectangle, as Ultralytics' predictor does, boxes scaled back
    crop = Image.open(SAMPLE_SET / "images" / "test" / "test_014.jpg").crop((0, 40, 256, 230)).resize((512, 380))
    expected, got = torch_detector.detect(crop), ort.detect(crop)
    assert any(d.confidence >= 0.25 for d in expected.detections)
    assert_same_boxes(expected, got, score_gap=0.01, min_iou=0.97)


def test_a_broken_export_falls_back_to_pytorch(tmp_path, detector, caplog):
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not a model")
    (tmp_path / "export.json").write_text("{}")
    fallback = Detector(detector.weights, version="t", device="cpu", exported=broken).warm_up()
    assert fallback.runtime == "torch" and "using the PyTorch model" in caplog.text
    assert fallback.detect(Image.open(SAMPLE_SET / "images" / "test" / "test_014.jpg")).runtime == "torch"
