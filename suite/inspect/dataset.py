"""Training data sets: import a user's images (YOLO folder/zip, or one folder per class), check them, stage them.

Problems are listed by file and line so a quality lead can fix them; errors block training, warnings do not.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import yaml
from PIL import Image, UnidentifiedImageError

from suite.errors import InvalidInput
from suite.inspect.images import is_image_name
from suite.inspect.model_files import SAMPLE_SET
from suite.inspect.models import CLASSES, DatasetReport, Problem
from suite.store import new_id

MIN_TRAIN_IMAGES = 4
GOOD_FOLDERS = {"good", "ok", "pass", "passed", "defect-free", "defect_free", "no_defect", "normal"}


def _names(spec: dict) -> list[str]:
    names = spec.get("names")
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names, key=int)]
    if isinstance(names, list):
        return [str(n) for n in names]
    return []


def _image_dir(base: Path, entry: str) -> Path:
    return (base / entry).resolve()


def _label_for(image: Path) -> Path:
    return _labels_dir(image).with_suffix(".txt")


def validate(data_yaml: Path) -> DatasetReport:
    """Check a YOLO data set: its data.yaml, every image (readable?) and every label line."""
    data_yaml = Path(data_yaml).resolve()
    report = DatasetReport(data_yaml=data_yaml)
    try:
        spec = yaml.safe_load(data_yaml.read_text()) or {}
    except FileNotFoundError:
        report.data_yaml = None
        report.problems.append(Problem(str(data_yaml), None, "data.yaml was not found."))
        return report
    except yaml.YAMLError as err:
        report.problems.append(Problem(data_yaml.name, None, f"data.yaml is not valid YAML ({err})."))
        return report
    report.classes = _names(spec) if isinstance(spec, dict) else []
    if not report.classes:
        report.problems.append(Problem(data_yaml.name, None, "data.yaml has no `names` (the defect classes)."))
        return report
    base = Path(spec.get("path") or data_yaml.parent)
    base = base if base.is_absolute() else (data_yaml.parent / base)
    for split in ("train", "val", "test"):
        if not spec.get(split):
            if split != "test":
                report.problems.append(Problem(data_yaml.name, None, f"data.yaml has no `{split}` folder."))
            continue
        folder = _image_dir(base, str(spec[split]))
        if not folder.is_dir():
            report.problems.append(Problem(data_yaml.name, None, f"the {split} folder {spec[split]} does not exist."))
            continue
        report.images[split] = _check_split(folder, base, report)
    if report.images.get("train", 0) < MIN_TRAIN_IMAGES and "train" in report.images:
        report.problems.append(
            Problem(
                data_yaml.name,
                None,
                f"the training set has {report.images['train']} image(s); at least {MIN_TRAIN_IMAGES} are needed "
                "(a few dozen per defect type for a useful model).",
            )
        )
    if "val" in report.images and report.images["val"] == 0:
        report.problems.append(Problem(data_yaml.name, None, "the val folder has no images."))
    return report


def _check_split(folder: Path, base: Path, report: DatasetReport) -> int:
    images = sorted(p for p in folder.rglob("*") if p.is_file() and is_image_name(p.name))
    image_stems = set()
    for image in images:
        rel = str(image.relative_to(base)) if image.is_relative_to(base) else str(image)
        image_stems.add(_label_for(image))
        try:
            with Image.open(image) as img:
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as err:
            report.problems.append(Problem(rel, None, f"not a readable image ({err})."))
            continue
        label = _label_for(image)
        if not label.exists():
            report.problems.append(
                Problem(rel, None, "has no label file; it will be treated as defect-free.", severity="warning")
            )
            continue
        _check_label(label, base, report)
    label_dir = _label_for(folder / "x.jpg").parent
    if label_dir.is_dir():
        for label in sorted(label_dir.rglob("*.txt")):
            if label not in image_stems:
                rel = str(label.relative_to(base)) if label.is_relative_to(base) else str(label)
                report.problems.append(Problem(rel, None, "label file without a matching image.", severity="warning"))
    return len(images)


def _check_label(label: Path, base: Path, report: DatasetReport) -> None:
    rel = str(label.relative_to(base)) if label.is_relative_to(base) else str(label)
    for number, line in enumerate(label.read_text(errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 5:
            report.problems.append(Problem(rel, number, f"expected 5 numbers (class x y w h), found {len(fields)}."))
            continue
        try:
            cls = int(fields[0])
            x, y, w, h = (float(v) for v in fields[1:])
        except ValueError:
            report.problems.append(Problem(rel, number, f"not numbers: {line.strip()!r}."))
            continue
        if not 0 <= cls < len(report.classes):
            report.problems.append(
                Problem(rel, number, f"unknown class id {cls}; data.yaml names 0..{len(report.classes) - 1}.")
            )
            continue
        if not all(0.0 <= v <= 1.0 for v in (x, y, w, h)):
            report.problems.append(Problem(rel, number, "coordinates must be between 0 and 1 (relative to the image)."))
            continue
        if w <= 0 or h <= 0 or x - w / 2 < -0.01 or x + w / 2 > 1.01 or y - h / 2 < -0.01 or y + h / 2 > 1.01:
            report.problems.append(Problem(rel, number, "the box is empty or reaches outside the image."))
            continue
        name = report.classes[cls]
        report.boxes[name] = report.boxes.get(name, 0) + 1


def import_dataset(source: Path, datasets_dir: Path, *, name: str | None = None) -> DatasetReport:
    """Copy a YOLO folder/zip (or a folder per class) under `datasets_dir` and validate it.

    A folder per class (e.g. `good/` and `defective/`) without boxes becomes a YOLO set: the sample set's
    labelled defects plus the defect-free images as negatives; images in other class folders have no boxes,
    so they are listed as warnings and skipped.
    """
    source = Path(source)
    target = datasets_dir / (name or new_id()[:12])
    target.mkdir(parents=True, exist_ok=True)
    if source.suffix.lower() == ".zip":
        _extract(source, target)
    elif source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        raise InvalidInput(f"{source.name} is neither a folder nor a .zip file.")
    yamls = sorted(target.rglob("data.yaml")) or sorted(target.rglob("*.yaml"))
    if yamls:
        return validate(yamls[0])
    return _from_class_folders(target)


def _extract(archive_path: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(archive_path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if not members:
                raise InvalidInput(f"{archive_path.name} is empty.")
            for member in members:
                dest = (target / member.filename).resolve()
                if not dest.is_relative_to(target.resolve()):
                    raise InvalidInput(f"{archive_path.name} contains an unsafe path: {member.filename}.")
            archive.extractall(target)
    except zipfile.BadZipFile as err:
        raise InvalidInput(f"{archive_path.name} is not a readable zip file.") from err


def _from_class_folders(root: Path) -> DatasetReport:
    folders = [p for p in root.rglob("*") if p.is_dir() and any(is_image_name(f.name) for f in p.iterdir())]
    good = [p for p in folders if p.name.lower() in GOOD_FOLDERS]
    report = DatasetReport(data_yaml=None)
    if not folders:
        report.problems.append(Problem(root.name, None, "no images and no data.yaml were found."))
        return report
    if not good:
        report.problems.append(
            Problem(
                root.name,
                None,
                "no data.yaml (YOLO boxes) and no folder of defect-free images (named good/ or ok/) were found.",
            )
        )
        return report
    out = root / "yolo"
    # negatives alone cannot teach boxes: they join the sample set's labelled defects
    for kind in ("images", "labels"):
        for split in ("train", "val", "test"):
            shutil.copytree(SAMPLE_SET / kind / split, out / kind / split, dirs_exist_ok=True)
    images = sorted(f for folder in good for f in folder.iterdir() if is_image_name(f.name))
    for i, image in enumerate(images):
        split = "val" if i % 5 == 4 else "train"
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image, out / "images" / split / image.name)
        (out / "labels" / split / image.with_suffix(".txt").name).write_text("")
    for folder in folders:
        if folder in good:
            continue
        for image in sorted(f for f in folder.iterdir() if is_image_name(f.name)):
            report.problems.append(
                Problem(str(image.relative_to(root)), None, "defective image without boxes: skipped.", "warning")
            )
    names = {i: n for i, n in enumerate(CLASSES)}
    spec = {"train": "images/train", "val": "images/val", "test": "images/test", "names": names}
    (out / "data.yaml").write_text(yaml.safe_dump(spec))
    validated = validate(out / "data.yaml")
    validated.problems = report.problems + validated.problems
    return validated


def stage_dataset(data_yaml: Path, dest: Path) -> Path:
    """A copy of a YOLO data set's layout under `dest` whose files link to the originals.

    Ultralytics writes `labels/<split>.cache` next to the split folders; staging keeps those writes out of
    the user's (or the repo's) folders. Returns the new data.yaml with absolute paths.
    """
    data_yaml = Path(data_yaml).resolve()
    spec = yaml.safe_load(data_yaml.read_text())
    base = Path(spec.get("path") or data_yaml.parent)
    if not base.is_absolute():
        base = (data_yaml.parent / base).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    staged: dict = {"path": str(dest), "names": spec["names"]}
    for split in ("train", "val", "test"):
        if not spec.get(split):
            continue
        images = (base / spec[split]).resolve()
        for kind, source in (("images", images), ("labels", _labels_dir(images))):
            target = dest / kind / split
            # real folders of linked files: Ultralytics resolves folder links and would write its cache there
            target.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                for file in source.rglob("*"):
                    link = target / file.relative_to(source)
                    if file.is_file() and not link.exists():
                        link.parent.mkdir(parents=True, exist_ok=True)
                        os.symlink(file, link)
        staged[split] = f"images/{split}"
    out = dest / "data.yaml"
    out.write_text(yaml.safe_dump(staged, sort_keys=False))
    return out


def _labels_dir(images: Path) -> Path:
    """The labels twin of an images path (the last `images` part becomes `labels`)."""
    parts = list(images.parts)
    if "images" in parts:
        idx = len(parts) - 1 - parts[::-1].index("images")
        parts[idx] = "labels"
        return Path(*parts)
    return images
