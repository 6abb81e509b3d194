"""The committed default model on the seeded sample set: real predictions, real verdicts."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from inspect_helpers import SAMPLE_SET, iou, labels, pixel_box
from PIL import Image

from pipelines.boxes import merge_boxes
from pipelines.detector import DetectOptions, tile_layout
from suite.inspect.models import CLASSES, FAIL, PASS, Thresholds
from suite.inspect.service import inspect_image
from suite.inspect.verdicts import verdict

sys.path.insert(0, str(SAMPLE_SET.parent))
from generate import large_image  # noqa: E402

KNOWN_DEFECT = "test_014"  # one stain (see its label file)
DEFECT_FREE = "test_005"  # empty label file


@pytest.mark.slow
def test_known_defect_image_fails_with_the_right_class(store):
    truth = labels("test", KNOWN_DEFECT)
    result = inspect_image(store, SAMPLE_SET / "images" / "test" / f"{KNOWN_DEFECT}.jpg")
    assert result.verdict == FAIL
    expected = {CLASSES[row[0]] for row in truth}
    hits = [
        d
        for d in result.shown_defects()
        if d.class_name in expected and any(iou(d.box, pixel_box(row)) > 0.4 for row in truth)
    ]
    assert hits, f"expected {expected} near {truth}, got {result.as_dict()}"
    store.flush(wait_s=5)
    row = store.query("SELECT verdict, model_version FROM inspect_results WHERE result_id = ?", [result.result_id])
    assert row == [{"verdict": FAIL, "model_version": result.model_version}]
    event = store.query("SELECT status, model_version FROM events WHERE request_id = ?", [result.request_id])
    assert event[0]["status"] == "ok" and event[0]["model_version"].startswith("default-")


@pytest.mark.slow
def test_defect_free_image_passes(store):
    assert labels("test", DEFECT_FREE) == []
    result = inspect_image(store, SAMPLE_SET / "images" / "test" / f"{DEFECT_FREE}.jpg")
    assert result.verdict == PASS, result.as_dict()


def test_thresholds_move_an_image_between_fail_review_and_pass():
    boxes = [("scratch", 0.55)]
    assert verdict(boxes, Thresholds(fail_at={"scratch": 0.5})) == "FAIL"
    assert verdict(boxes, Thresholds(fail_at={"scratch": 0.7})) == "REVIEW"
    assert verdict(boxes, Thresholds(fail_at={"scratch": 0.9}, review_band=0.2)) == "PASS"
    assert "at least 60% sure" in Thresholds(fail_at={"scratch": 0.6}).describe("scratch")


@pytest.mark.slow
def test_tiling_finds_small_flaws_on_a_large_image(detector):
    image, truth = large_image(seed=101, size=(2400, 1600), n_defects=10)

    def recall(result) -> float:
        found = sum(any(iou(d.box, t[1:]) > 0.2 and d.confidence >= 0.25 for d in result.detections) for t in truth)
        return found / len(truth)

    tiled = detector.detect(image)
    whole = detector.detect(image, DetectOptions(tile="never"))
    assert tiled.tiled and tiled.tiles == 6 and not whole.tiled  # 3 x 2 tiles of 832 px
    assert recall(tiled) >= 0.5 and recall(tiled) > recall(whole), (recall(tiled), recall(whole))


@pytest.mark.slow
def test_a_defect_larger_than_a_tile_is_still_found_on_a_large_image(detector):
    from generate import add_defect, surface

    rng = np.random.default_rng(5)
    pixels = surface(rng, 2400, 1600, "metal")
    truth = add_defect(rng, pixels, 3, scale=8.0)  # a stain about 330 px across
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    result = detector.detect(image)
    assert result.tiled
    assert any(d.class_name == "stain" and d.confidence >= 0.5 and iou(d.box, truth) > 0.5 for d in result.detections)
    tiles_only = detector.detect(image, DetectOptions(whole_pass=False))
    assert not any(iou(d.box, truth) > 0.5 and d.confidence >= 0.5 for d in tiles_only.detections)


@pytest.mark.parametrize("length", [257, 1000, 1001, 2000, 2400, 3000, 4000, 6000])
@pytest.mark.parametrize(("size", "overlap"), [(1024, 48), (256, 48), (640, 96)])
def test_tiles_cover_every_pixel_and_overlap_by_at_least_the_overlap(length, size, overlap):
    tile, starts = tile_layout(length, size, overlap)
    assert tile % 32 == 0 and tile <= max(size, 32) and starts[0] == 0
    if len(starts) == 1:
        assert tile >= length
    else:
        assert starts[-1] + tile == length and all(
            b - a <= tile - overlap for a, b in zip(starts, starts[1:], strict=False)
        )
        assert len(starts) == -(-(length - overlap) // (size - overlap))  # no more tiles than needed


def test_merge_boxes_joins_a_flaw_split_by_a_tile_seam():
    rows = np.array(
        [
            [100, 100, 140, 110, 0.9, 0],
            [102, 100, 141, 110, 0.8, 0],
            [120, 100, 140, 110, 0.7, 0],
            [0, 0, 5, 5, 0.6, 1],
        ],
        dtype=np.float32,
    )
    merged = merge_boxes(rows, iou=0.5)
    assert merged[:, 4].tolist() == [np.float32(0.9), np.float32(0.6)]


@pytest.mark.slow
def test_a_12000_by_9000_photo_is_checked_without_running_out_of_memory(detector, tmp_path):
    from suite.inspect.images import load_image

    path = tmp_path / "huge.png"
    Image.new("RGB", (12000, 9000), (128, 128, 128)).save(path, compress_level=1)
    image = load_image(path)
    result = detector.detect(image, DetectOptions(max_side=2000))  # the default is 6000; smaller keeps CI fast
    assert (result.width, result.height) == (12000, 9000) and result.scale < 0.2 and result.tiled
    assert all(0 <= d.box[0] <= d.box[2] <= 12000 for d in result.detections)


@pytest.mark.slow
def test_exif_rotated_photo_gets_boxes_where_the_user_sees_the_defect(store, tmp_path):
    upright = Image.open(SAMPLE_SET / "images" / "test" / f"{KNOWN_DEFECT}.jpg")
    stored = upright.rotate(90, expand=True)  # what a phone writes, with "rotate 90 CW" in its EXIF
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=95, exif=exif)
    result = inspect_image(store, buffer.getvalue(), name="phone.jpg")
    truth = [pixel_box(row) for row in labels("test", KNOWN_DEFECT)]
    assert (result.width, result.height) == upright.size
    assert any(iou(d.box, t) > 0.4 for d in result.shown_defects() for t in truth), result.as_dict()
    assert Path(result.image_path).exists()


@pytest.mark.slow
def test_a_promoted_champion_is_served_without_restart(settings):
    import shutil
    import time

    import suite.inspect
    from suite.inspect.model_files import default_weights
    from suite.inspect.service import serving_detector
    from suite.registry import set_champion

    started = time.perf_counter()
    suite.inspect.prepare(settings)  # the committed model is there: nothing to build
    assert time.perf_counter() - started < 5
    status = suite.inspect.model_status(settings)
    assert status[0].on_disk and status[0].version.startswith("default-")
    folder = settings.models_dir / "inspect" / "v-test"
    folder.mkdir(parents=True)
    shutil.copyfile(default_weights(settings), folder / "best.pt")
    set_champion(settings, "inspect", "v-test")
    assert serving_detector(settings).model_version == "v-test"
    set_champion(settings, "inspect", None)
    assert serving_detector(settings).model_version.startswith("default-")
