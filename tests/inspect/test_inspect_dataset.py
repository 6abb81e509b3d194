"""Training data checks: problems listed by file and line before any training starts."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from suite.errors import InvalidInput
from suite.inspect.dataset import import_dataset, validate


def test_the_sample_set_is_clean(sample_data):
    report = validate(sample_data / "inspect" / "defects" / "data.yaml")
    assert report.ok and report.errors == []
    assert report.images == {"train": 150, "val": 40, "test": 40}
    assert set(report.boxes) == {"scratch", "pit", "crack", "stain"}


def test_problems_are_listed_by_file_and_line(tiny_set):
    label = tiny_set / "labels" / "train" / "train_000.txt"
    label.write_text(label.read_text() + "7 0.5 0.5 0.1 0.1\n0 1.4 0.5 0.1 0.1\n0 0.5 0.5\n")
    (tiny_set / "labels" / "train" / "train_001.txt").unlink()
    (tiny_set / "labels" / "train" / "orphan.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (tiny_set / "images" / "train" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    report = validate(tiny_set / "data.yaml")
    found = {(p.file, p.line, p.severity) for p in report.problems}
    n = len(label.read_text().splitlines())
    assert ("labels/train/train_000.txt", n - 2, "error") in found  # unknown class id 7
    assert ("labels/train/train_000.txt", n - 1, "error") in found  # x outside 0-1
    assert ("labels/train/train_000.txt", n, "error") in found  # 3 numbers
    assert ("images/train/train_001.jpg", None, "warning") in found  # image without labels
    assert ("labels/train/orphan.txt", None, "warning") in found  # labels without image
    assert ("images/train/broken.jpg", None, "error") in found
    assert not report.ok
    with pytest.raises(InvalidInput, match="unknown class id 7"):
        report.raise_if_bad()


def test_a_one_image_training_set_is_refused(tiny_set):
    for image in sorted((tiny_set / "images" / "train").iterdir())[1:]:
        image.unlink()
    report = validate(tiny_set / "data.yaml")
    assert any("at least 4 are needed" in p.message for p in report.errors)


def test_zip_import_and_empty_zip(tiny_set, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "set"), "zip", tiny_set)
    report = import_dataset(tmp_path / "set.zip", tmp_path / "datasets")
    assert report.ok and report.images == {"train": 8, "val": 4, "test": 4}
    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    with pytest.raises(InvalidInput, match="empty"):
        import_dataset(tmp_path / "empty.zip", tmp_path / "datasets")
    assert archive


def test_folder_per_class_uses_good_images_as_negatives(tiny_set, tmp_path):
    source = tmp_path / "by-class"
    (source / "good").mkdir(parents=True)
    (source / "defective").mkdir()
    shutil.copyfile(tiny_set / "images" / "test" / "test_000.jpg", source / "defective" / "d.jpg")
    for i in range(5):
        shutil.copyfile(tiny_set / "images" / "train" / "train_000.jpg", source / "good" / f"ok{i}.jpg")
    report = import_dataset(source, tmp_path / "datasets")
    assert report.ok
    assert report.images["train"] == 150 + 4 and report.images["val"] == 40 + 1
    assert any(p.file.endswith("d.jpg") and p.severity == "warning" for p in report.problems)
