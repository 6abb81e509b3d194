"""Bad inputs for the inspection module, through the CLI (`suite inspect ...`) and the service functions.

Each case ends with exit 0/2 (or a `SuiteError`) and one line, no traceback, within its time limit, and a
refusal changes nothing under SUITE_HOME (see `conftest.py`). Zip bombs are real: 200 MB of zeros deflated,
a header that understates a member's size, 100,000 members; their peak memory is measured in a fresh
process, and the temp folder and SUITE_HOME are checked to be empty afterwards.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from suite.errors import InvalidInput
from suite.inspect import service
from suite.inspect.models import Defect, Inspection, Thresholds
from tests.bad_inputs.conftest import store_snapshot

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SET = ROOT / "sample_data" / "inspect" / "defects"
NAMES = "names: [scratch, pit, crack, stain]\n"
MB = 1 << 20


# ---- makers of bad files -----------------------------------------------------------------------------------


def image_bytes(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims width x height pixels (a decompression bomb if anything decoded it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = (SAMPLE_SET / "images" / "test" / "test_000.jpg").read_bytes()
    return data[: len(data) // 2]


def zip_of(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16) | 0x20  # a symbolic link, as `zip -y` stores one
            archive.writestr(info, target)
    return buffer.getvalue()


def zeros_bomb(path: Path, member: str = "part.png", size: int = 200 * MB) -> Path:
    """`size` bytes of zeros deflated into a zip of a few hundred KB, written without holding them in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(member, "w") as out:
            zero = bytes(MB)
            for _ in range(size // MB):
                out.write(zero)
    return path


def lying_bomb(bomb: Path, path: Path, claimed: int, *, forge_crc: bool = False) -> Path:
    """A copy of a one-member bomb whose central directory and local header claim `claimed` bytes."""
    data = bytearray(bomb.read_bytes())
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    central = data.rindex(b"PK\x01\x02")
    local = info.header_offset
    struct.pack_into("<I", data, central + 24, claimed)
    struct.pack_into("<I", data, local + 22, claimed)
    if forge_crc:  # what zipfile checks at the end of the claimed bytes
        crc = zlib.crc32(bytes(claimed))
        struct.pack_into("<I", data, central + 16, crc)
        struct.pack_into("<I", data, local + 14, crc)
    path.write_bytes(bytes(data))
    return path


def many_members(path: Path, count: int = 100_000, *, claim: int | None = None) -> Path:
    """A zip of `count` empty members; `claim` rewrites the member count its end record announces."""
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(count):
            archive.writestr(f"{i}.png", b"")
    if claim is not None:
        data = bytearray(path.read_bytes())
        end = data.rindex(b"PK\x05\x06")
        struct.pack_into("<HH", data, end + 8, claim, claim)
        if data[end - 20 : end - 16] == b"PK\x06\x07":  # the zip64 record holds the count past 65,535
            (record,) = struct.unpack_from("<Q", data, end - 12)
            struct.pack_into("<QQ", data, record + 24, claim, claim)
        path.write_bytes(bytes(data))
    return path


def yolo_set(root: Path, *, yaml_text: str | None = None, label: str = "0 0.5 0.5 0.1 0.1\n", n: int = 4) -> Path:
    """A small YOLO set (n train, n val images from the sample set) with one label line per image."""
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            shutil.copyfile(SAMPLE_SET / "images" / "test" / f"test_{i:03d}.jpg", root / "images" / split / f"{i}.jpg")
            (root / "labels" / split / f"{i}.txt").write_text(label)
    (root / "data.yaml").write_text(
        yaml_text if yaml_text is not None else f"train: images/train\nval: images/val\n{NAMES}"
    )
    return root / "data.yaml"


def zipped(folder: Path, dest: Path) -> Path:
    return Path(shutil.make_archive(str(dest), "zip", folder))


def datasets_left(settings) -> list[str]:
    folder = settings.home / "inspect" / "datasets"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    """The zip bombs, made once (building 200 MB of zeros takes a second or two)."""
    folder = tmp_path_factory.mktemp("bombs")
    zeros = zeros_bomb(folder / "zeros.zip")
    return {
        "zeros": zeros,
        "lying": lying_bomb(zeros, folder / "lying.zip", claimed=1_000_000),
        "lying_crc": lying_bomb(zeros, folder / "lying-crc.zip", claimed=1_000_000, forge_crc=True),
        "many": many_members(folder / "many.zip"),
        "many_claims_one": many_members(folder / "many-claims-one.zip", claim=1),
    }


def inspection(width: int = 256, height: int = 256) -> Inspection:
    """An inspection as the page holds it, with two boxes (no model needed to review it)."""
    defects = [
        Defect(0, "scratch", 0.9, [10.0, 10.0, 50.0, 30.0], "FAIL"),
        Defect(1, "pit", 0.4, [5, 5, 9, 9], "REVIEW"),
    ]
    return Inspection(
        "r-1", "q-1", "part.jpg", "/nowhere/part.png", width, height, "FAIL", defects, "yolo", "v1", "cpu"
    )


# ---- images through `suite inspect predict` ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("cut.jpg", truncated_jpeg, "damaged or cut off"),
        ("huge.png", huge_png_header, "larger than we can check"),
        ("notes.jpg", lambda: b"this is a text file, not a photo\n", "not an image"),
        ("moving.gif", animated_gif, "is an animation"),
        ("empty.png", lambda: b"", "not an image"),
        ("half-png.png", lambda: image_bytes(Image.new("RGB", (64, 64), 7), "PNG")[:60], "damaged or cut off"),
    ],
)
def test_predict_refuses_a_bad_image_in_one_line(refused, bad_files, name, make, reason):
    path = bad_files / name
    path.write_bytes(make())
    outcome = refused.cli("inspect", "predict", str(path), limit_s=30)
    assert reason in outcome.message and name in outcome.message


def test_predict_a_missing_file_and_an_empty_folder(refused, bad_files):
    assert "was not found" in refused.cli("inspect", "predict", str(bad_files / "gone.jpg")).message
    (bad_files / "empty").mkdir()
    assert "No images found" in refused.cli("inspect", "predict", str(bad_files / "empty")).message


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--fail-at", "1.5"], "between 0 and 1"),
        (["--fail-at", "nan"], "between 0 and 1"),
        (["--review-band", "-0.1"], "between 0 and 1"),
        (["--flag", "scratch=2"], "scratch threshold"),
        (["--flag", "scratch=abc"], "CLASS=CONFIDENCE"),
        (["--flag", "=0.5"], "CLASS=CONFIDENCE"),
    ],
)
def test_predict_thresholds_out_of_range(refused, args, reason):
    image = SAMPLE_SET / "images" / "test" / "test_000.jpg"
    assert reason in refused.cli("inspect", "predict", str(image), *args).message


def test_thresholds_out_of_range_through_the_service(refused):
    assert "between 0 and 1" in refused.call(lambda: Thresholds(default_fail_at=-0.5)).message
    assert "between 0 and 1" in refused.call(lambda: Thresholds(fail_at={"pit": float("inf")})).message
    assert "between 0 and 1" in refused.call(lambda: Thresholds(review_band="0.2")).message  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("members", "links", "reason"),
    [
        ({"../../etc/x.png": b"\x89PNG"}, None, "unsafe path"),
        ({"/tmp/suite-absolute.png": b"\x89PNG"}, None, "unsafe path"),
        ({"C:/Windows/x.png": b"\x89PNG"}, None, "unsafe path"),
        ({"ok/..\\..\\x.png": b"\x89PNG"}, None, "unsafe path"),
        ({}, {"link.png": "/etc/passwd"}, "contains a link"),
        ({}, None, "contains no images"),
        ({"notes.txt": b"no images here"}, None, "contains no images"),
    ],
)
def test_predict_refuses_a_bad_zip(refused, bad_files, tmp_path, members, links, reason):
    path = bad_files / "batch.zip"
    path.write_bytes(zip_of(members, links=links))
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    outcome = refused.cli("inspect", "predict", str(path), limit_s=30)
    assert reason in outcome.message
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before  # nothing written beside the test folders
    assert not Path("/tmp/suite-absolute.png").exists()


@pytest.mark.parametrize(
    ("bomb", "reason"),
    [
        ("zeros", "zip bomb"),
        ("lying", "not a readable zip"),  # zipfile stops at the claimed size; the checksum then fails
        ("lying_crc", "not an image"),  # a forged checksum: 1 MB of zeros come out, which is no image
        ("many", "the limit is 20,000"),
        ("many_claims_one", "more files than the 20,000"),
    ],
)
def test_predict_refuses_zip_bombs(refused, bombs, bomb, reason):
    outcome = refused.cli("inspect", "predict", str(bombs[bomb]), limit_s=30)
    assert reason in outcome.message


# ---- images through the service ----------------------------------------------------------------------------


def test_a_folder_passed_as_an_image_file(refused, bad_files):
    assert "is a folder" in refused.call(lambda: service.inspect_image(refused.store, bad_files)).message


def test_a_batch_of_bad_uploads_lists_one_line_per_file_and_changes_nothing(refused, bombs, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    uploads = [
        ("cut.jpg", truncated_jpeg()),
        ("huge.png", huge_png_header()),
        ("notes.jpg", b"plain text"),
        ("setup.exe", b"MZ"),
        ("../../etc/passwd.png", b"nope"),
        ("bomb.zip", bombs["zeros"].read_bytes()),
        ("slip.zip", zip_of({"../../x.png": b"\x89PNG"})),
        ("members.zip", bombs["many"].read_bytes()),
        ("folder/", b""),
    ]
    before = store_snapshot(refused.store)
    batch = service.inspect_many(refused.store, uploads)
    assert batch.results == [] and len(batch.problems) == len(uploads)
    for problem in batch.problems:
        assert problem.message and "\n" not in problem.message and "/" not in problem.name.replace(".zip/", ""), problem
    assert "passwd.png" in [p.name for p in batch.problems]  # the upload's name is only shown, never a path
    assert store_snapshot(refused.store) == before
    assert list((tmp_path / "tmp").iterdir()) == []


# ---- training data through `suite inspect validate|train|evaluate` -----------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "label", "reason"),
    [
        ("train: images/train\nval: images/val\n", None, "no `names`"),
        (f"train: images/train\nval: images/val\n{NAMES}", "5 0.5 0.5 0.1 0.1\n", "unknown class id 5"),
        (f"train: images/train\nval: images/val\n{NAMES}", "0 1.5 0.5 0.1 0.1\n", "between 0 and 1"),
        (f"train: images/train\nval: images/val\n{NAMES}", "0 nan 0.5 0.1 0.1\n", "between 0 and 1"),
        (f"train: images/train\nval: images/val\n{NAMES}", "0 0.5 0.5 -0.1 0.1\n", "between 0 and 1"),
        (f"train: images/train\nval: images/val\n{NAMES}", "0 0.98 0.5 0.2 0.1\n", "outside the image"),
        (f"train: images/train\nval: images/val\n{NAMES}", "zero 0.5 0.5 0.1 0.1\n", "not numbers"),
        (f"train: images/train\n{NAMES}", None, "no `val` folder"),
        (f"train: images/train\nval: images/missing\n{NAMES}", None, "does not exist"),
        ("train: images/train\nval: images/val\nnames: {a: scratch, b: pit}\n", None, "class ids 0, 1, 2"),
        ("train: images/train\nval: images/val\nnames: [scratch, scratch]\n", None, "same class twice"),
        ("train: images/train\nval: images/val\nnames: [[1, 2], pit]\n", None, "plain name"),
        (f"train: [images/train, images/val]\nval: images/val\n{NAMES}", None, "must be one folder"),
        (f"path: 7\ntrain: images/train\nval: images/val\n{NAMES}", None, "must be a folder name"),
        ("- just\n- a list\n", None, "must be a mapping"),
        ("train: [unclosed\n", None, "not valid YAML"),
    ],
)
def test_validate_lists_a_bad_data_set_and_exits_2(refused, bad_files, yaml_text, label, reason):
    data_yaml = yolo_set(bad_files / "set", yaml_text=yaml_text, label=label or "0 0.5 0.5 0.1 0.1\n")
    outcome = refused.cli("inspect", "validate", str(data_yaml), limit_s=30)
    assert reason in outcome.message


def test_validate_a_yaml_bomb_and_a_deeply_nested_yaml(refused, bad_files):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    data_yaml = yolo_set(bad_files / "laughs", yaml_text=laughs + "train: images/train\nval: images/val\nnames: *i\n")
    assert "plain name" in refused.cli("inspect", "validate", str(data_yaml), limit_s=20).message
    deep = yolo_set(bad_files / "deep", yaml_text="names: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert "not valid YAML" in refused.cli("inspect", "validate", str(deep), limit_s=20).message


def test_validate_a_label_file_of_many_bad_lines_lists_a_few(refused, bad_files):
    data_yaml = yolo_set(bad_files / "set", label="9 0.5 0.5 0.1 0.1\n" * 40_000)
    outcome = refused.cli("inspect", "validate", str(data_yaml), limit_s=60)
    assert "unknown class id 9" in outcome.message
    big = yolo_set(bad_files / "big", label="0 0.5 0.5 0.1 0.1\n" * 70_000)  # over 1 MB: not one image's labels
    assert "larger than 1 MB" in refused.cli("inspect", "validate", str(big), limit_s=60).message


def test_validate_a_folder_named_like_a_yaml_and_missing_paths(refused, bad_files):
    (bad_files / "data.yaml").mkdir()
    assert "is a folder" in refused.cli("inspect", "validate", str(bad_files / "data.yaml")).message
    assert "not found" in refused.cli("inspect", "validate", str(bad_files / "gone.yaml")).message
    assert "not found" in refused.cli("inspect", "validate", str(bad_files / "gone.zip")).message
    (bad_files / "notes.txt").write_text("x")
    assert "neither a folder nor a .zip" in refused.cli("inspect", "validate", str(bad_files / "notes.txt")).message


@pytest.mark.parametrize(
    ("yaml_text", "reason"),
    [
        (f"path: /\ntrain: etc\nval: etc\n{NAMES}", "points outside the uploaded data"),
        (f"path: ../../../..\ntrain: images/train\nval: images/val\n{NAMES}", "points outside the uploaded data"),
        (f"train: ../../../../../../etc\nval: images/val\n{NAMES}", "outside the uploaded data"),
    ],
)
def test_an_uploaded_data_set_cannot_point_outside_itself(refused, settings, bad_files, tmp_path, yaml_text, reason):
    yolo_set(bad_files / "set", yaml_text=yaml_text)
    archive = zipped(bad_files / "set", tmp_path / "upload")
    outcome = refused.cli("inspect", "validate", str(archive), limit_s=30)
    assert reason in outcome.message
    message = refused.call(
        lambda: service.check_dataset_upload(settings, "set.zip", archive.read_bytes()).raise_if_bad()
    )
    assert reason in message.message
    assert datasets_left(settings) == []


@pytest.mark.parametrize(
    ("members", "links", "reason"),
    [
        ({"data.yaml": NAMES.encode(), "../../escape.txt": b"x"}, None, "unsafe path"),
        ({"data.yaml": NAMES.encode()}, {"images/train/0.jpg": "/etc/passwd"}, "contains a link"),
        ({}, None, "is empty"),
        ({"images/train/huge.png": huge_png_header()}, None, "no data.yaml"),
    ],
)
def test_a_bad_data_set_zip_leaves_nothing_behind(refused, settings, members, links, reason):
    data = zip_of(members, links=links)
    outcome = refused.call(lambda: service.check_dataset_upload(settings, "set.zip", data).raise_if_bad())
    assert reason in outcome.message
    assert datasets_left(settings) == []


def test_a_data_set_with_a_decompression_bomb_image_is_listed(refused, settings, bad_files, tmp_path):
    yolo_set(bad_files / "set")
    (bad_files / "set" / "images" / "train" / "huge.png").write_bytes(huge_png_header())
    archive = zipped(bad_files / "set", tmp_path / "upload")
    assert "too large to train on" in refused.cli("inspect", "validate", str(archive), limit_s=30).message
    assert datasets_left(settings) == []


@pytest.mark.parametrize("bomb", ["zeros", "lying", "many", "many_claims_one"])
def test_a_data_set_zip_bomb_is_refused(refused, settings, bombs, bomb):
    outcome = refused.cli("inspect", "validate", str(bombs[bomb]), limit_s=30)
    assert "zip" in outcome.message
    assert datasets_left(settings) == []


def test_an_upload_that_is_not_a_zip(refused, settings):
    assert "not supported" in refused.call(lambda: service.check_dataset_upload(settings, "set.rar", b"Rar!")).message
    assert (
        "not a readable zip"
        in refused.call(lambda: service.check_dataset_upload(settings, "set.zip", b"PK\x03\x04 truncated")).message
    )


@pytest.mark.parametrize(
    ("args", "reason"),
    [(["--epochs", "0"], "epochs"), (["--epochs", "100000"], "epochs"), (["--imgsz", "33"], "multiple of 32")],
)
def test_train_refuses_bad_sizes_before_copying_anything(refused, settings, bad_files, args, reason):
    yolo_set(bad_files / "set")
    outcome = refused.cli("inspect", "train", "--data", str(bad_files / "set"), *args)
    assert reason in outcome.message
    assert datasets_left(settings) == []


def test_training_and_evaluation_on_bad_data(refused, settings, bad_files):
    data_yaml = yolo_set(bad_files / "set", label="7 0.5 0.5 0.1 0.1\n")
    assert "unknown class id 7" in refused.cli("inspect", "train", "--data", str(data_yaml), "--epochs", "1").message
    good = yolo_set(bad_files / "good")
    assert "Choose the split" in refused.cli("inspect", "evaluate", "--data", str(good), "--split", "all").message
    assert "no test images" in refused.cli("inspect", "evaluate", "--data", str(good), "--split", "test").message
    assert "is a folder" in refused.cli("inspect", "evaluate", "--data", str(bad_files)).message
    assert "epochs" in refused.call(lambda: service.queue_training(refused.store, good, epochs=-1)).message


# ---- reviews through the service ---------------------------------------------------------------------------


def test_reviews_of_unknown_results_jobs_and_boxes(refused):
    store = refused.store
    assert "no inspection" in refused.call(lambda: service.review_result(store, "nope", 0, "confirm")).message
    assert "no inspection" in refused.call(lambda: service.report_missed_result(store, "", "pit")).message
    assert "no inspection" in refused.call(lambda: service.get_result(store, "x" * 10_000)).message
    assert "no job" in refused.call(lambda: service.training_job(store, "job-that-never-was")).message
    assert "no job" in refused.call(lambda: service.cancel_training(store, "job-that-never-was")).message
    assert "no job" in refused.call(lambda: service.training_result(store, "job-that-never-was")).message


@pytest.mark.parametrize(
    ("index", "action", "new_class", "reason"),
    [
        (99, "confirm", None, "not part of this inspection"),
        (-1, "confirm", None, "not part of this inspection"),
        ("0", "confirm", None, "not a box number"),
        (0, "delete", None, "Unknown review"),
        (0, "wrong_class", "scratch", "other than scratch"),
        (0, "wrong_class", "rust", "Pick the right defect type"),
    ],
)
def test_a_bad_box_review_is_refused(refused, index, action, new_class, reason):
    result = inspection()
    outcome = refused.call(lambda: service.review_box(refused.store, result, index, action, new_class=new_class))
    assert reason in outcome.message


@pytest.mark.parametrize(
    ("box", "reason"),
    [
        ([-5, 10, 20, 30], "inside the image"),
        ([40, 10, 20, 30], "left < right"),
        ([10, 30, 20, 10], "top < bottom"),
        ([10, 10, 10, 10], "left < right"),
        ([10, 10, 300, 30], "inside the image"),
        ([float("nan"), 10, 20, 30], "inside the image"),
        ([10, 10, 20], "four numbers"),
        (["left", 10, 20, 30], "four numbers"),
        (None, None),
    ],
)
def test_a_bad_missed_defect_mark_is_refused(refused, box, reason):
    result = inspection()
    if box is None:  # no area at all is fine, a class is not
        outcome = refused.call(lambda: service.report_missed(refused.store, result, "rust"))
        assert "Pick the kind of defect" in outcome.message
        return
    outcome = refused.call(lambda: service.report_missed(refused.store, result, "pit", box=box))
    assert reason in outcome.message


# ---- images that are odd but fine: they are inspected (the real model) -------------------------------------


@pytest.mark.slow
def test_odd_but_valid_images_are_inspected_and_bad_ones_do_not_stop_the_batch(refused, store, bad_files):
    odd = {
        "one-pixel.png": image_bytes(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"),
        "cmyk.jpg": image_bytes(Image.new("CMYK", (64, 48), (0, 80, 80, 0)), "JPEG"),
        "deep.png": image_bytes(Image.fromarray(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16), "PNG"),
        "alpha.png": image_bytes(Image.new("RGBA", (40, 30), (0, 0, 0, 0)), "PNG"),
        "thin.png": image_bytes(Image.new("L", (3000, 2)), "PNG"),
        "cut.jpg": truncated_jpeg(),
        "moving.gif": animated_gif(),
    }
    for name, data in odd.items():
        (bad_files / name).write_bytes(data)
    # a folder gives its images by suffix (no .gif); the GIF named on its own is checked and refused
    gif = str(bad_files / "moving.gif")
    outcome = refused.cli("inspect", "predict", str(bad_files), gif, "--json", changes=True, limit_s=300)
    assert outcome.code == 2 and "2 of 7 file(s) could not be checked" in outcome.message
    kept = sorted((store.settings.home / "inspect" / "images").iterdir())  # the upright copy of each one checked
    assert len(kept) == 5 and all(Image.open(path).mode == "RGB" for path in kept)
    # the same batch through the service (the command's own store flushes its journal only when it exits)
    items = list(service.inspect_files(store, [(p.name, p) for p in sorted(bad_files.iterdir())]))
    problems = {item.name: item.message for item in items if not isinstance(item, Inspection)}
    assert set(problems) == {"cut.jpg", "moving.gif"} and "is an animation" in problems["moving.gif"]
    store.flush(wait_s=5)
    # the command names each file by its path, the service by the name given: the same five files either way
    names = {Path(row["image_name"]).name for row in store.query("SELECT image_name FROM inspect_results")}
    assert names == {"one-pixel.png", "cmyk.jpg", "deep.png", "alpha.png", "thin.png"}


# ---- memory and leftovers of zip bombs, measured in a fresh process ----------------------------------------

_MEASURE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from suite.errors import SuiteError
    from suite.inspect import service
    from suite.settings import Settings
    from suite.store import Store

    def status_kb(field):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])

    def peak_kb():
        return status_kb("VmHWM")

    kind, path = sys.argv[1], Path(sys.argv[2])
    settings = Settings.from_env()
    data = path.read_bytes()
    store = Store(settings) if kind == "images" else None  # the database's own memory is not the zip's
    try:  # nor the code and message catalogues a first refusal loads once per process
        service.check_dataset_upload(settings, "warm-up.zip", b"PK\x05\x06" + bytes(18)).raise_if_bad()
    except SuiteError:
        pass
    Path("/proc/self/clear_refs").write_text("5")  # the peak restarts from what is in use now (Linux)
    before = status_kb("VmRSS")
    message = None
    try:
        if kind == "dataset":
            service.check_dataset_upload(settings, path.name, data).raise_if_bad()
        else:
            batch = service.inspect_many(store, [(path.name, data)])
            message = "; ".join(p.message for p in batch.problems)
    except SuiteError as err:
        message = str(err)
    grew = peak_kb() - before
    if store is not None:
        store.close()
    print(json.dumps({"grew_kb": grew, "message": message}))
    """
)


@pytest.mark.parametrize("kind", ["dataset", "images"])
@pytest.mark.parametrize("bomb", ["zeros", "lying", "lying_crc", "many"])
def test_zip_bombs_keep_memory_flat_and_leave_nothing_behind(bombs, tmp_path, kind, bomb):
    temp, home = tmp_path / "tmp", tmp_path / "home"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "SUITE_HOME": str(home), "SUITE_DEVICE": "cpu"}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, kind, str(bombs[bomb])],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["message"] and "\n" not in found["message"], found
    assert found["grew_kb"] < 64 * 1024, f"peak memory grew {found['grew_kb'] / 1024:.0f} MB: {found}"
    assert list(temp.iterdir()) == []
    assert not (home / "inspect" / "datasets").exists() or list((home / "inspect" / "datasets").iterdir()) == []


def test_a_honest_zip_within_the_limits_still_unpacks(refused, settings, bad_files, tmp_path):
    yolo_set(bad_files / "set")
    archive = zipped(bad_files / "set", tmp_path / "upload")
    outcome = refused.cli("inspect", "validate", str(archive), expect=(0,), changes=True)
    assert outcome.code == 0
    assert len(datasets_left(settings)) > 0  # the usable copy is kept for training


def test_invalid_input_is_the_error_type(refused):
    with pytest.raises(InvalidInput):
        Thresholds(default_fail_at=7)
