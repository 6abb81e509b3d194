"""Training data sets: import a user's images (YOLO folder/zip, or one folder per class), check them, stage them.

Problems are listed by file and line so a quality lead can fix them; errors block training, warnings do not.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml
from PIL import Image

from suite.errors import InvalidInput
from suite.inspect.archives import extract_zip
from suite.inspect.images import is_image_name
from suite.inspect.model_files import SAMPLE_SET
from suite.inspect.models import CLASSES, DatasetReport, Problem
from suite.store import new_id

MIN_TRAIN_IMAGES = 4
GOOD_FOLDERS = {"good", "ok", "pass", "passed", "defect-free", "defect_free", "no_defect", "normal"}
SPLITS = ("train", "val", "test")
MAX_YAML_BYTES = 1 << 20  # a data.yaml is a few lines; a larger one is not one
MAX_LABEL_BYTES = 1 << 20  # ~20,000 boxes in one image's label file
MAX_PROBLEMS_PER_FILE = 20  # a label file of a million bad lines is reported, not listed line by line


def _names(spec: dict) -> tuple[list[str], str | None]:
    """The class names of a data.yaml, or why they cannot be used."""
    names = spec.get("names")
    if isinstance(names, dict):
        try:
            keys = sorted(names, key=int)
        except (TypeError, ValueError):
            return [], "`names` must map class ids 0, 1, 2 ... to names."
        if [int(k) for k in keys] != list(range(len(keys))):
            return [], "`names` must number the classes 0, 1, 2 ... without gaps."
        names = [names[k] for k in keys]
    if not isinstance(names, list) or not names:
        return [], "data.yaml has no `names` (the defect classes)."
    # only plain values: str() of a nested structure built from YAML aliases can be gigabytes
    if not all(isinstance(n, (str, int, float)) and not isinstance(n, bool) for n in names):
        return [], "every entry of `names` must be a plain name."
    shown = [" ".join(str(n).split())[:100] for n in names]
    if any(not n for n in shown):
        return [], "a class in `names` has an empty name."
    if len(set(shown)) != len(shown):
        return [], "`names` lists the same class twice."
    return shown, None


def _label_for(image: Path) -> Path:
    return _labels_dir(image).with_suffix(".txt")


def _inside(path: Path, root: Path | None) -> bool:
    return root is None or path.resolve().is_relative_to(root.resolve())


def validate(data_yaml: Path, *, root: Path | None = None) -> DatasetReport:
    """Check a YOLO data set: its data.yaml, every image (readable?) and every label line.

    Args:
        root: for uploaded data, the folder it was unpacked into: a `path:` or split folder that points
            outside it is an error and is not read.
    """
    data_yaml = Path(data_yaml).resolve()
    report = DatasetReport(data_yaml=data_yaml)
    where = data_yaml.name
    try:
        if data_yaml.is_dir():
            report.data_yaml = None
            report.problems.append(Problem(str(data_yaml), None, "is a folder; give its data.yaml or a zip."))
            return report
        if data_yaml.stat().st_size > MAX_YAML_BYTES:
            report.problems.append(Problem(where, None, "data.yaml is larger than 1 MB; it cannot be a data set's."))
            return report
        spec = yaml.safe_load(data_yaml.read_text(encoding="utf-8", errors="replace")) or {}
    except FileNotFoundError:
        report.data_yaml = None
        report.problems.append(Problem(str(data_yaml), None, "data.yaml was not found."))
        return report
    except (yaml.YAMLError, RecursionError, ValueError) as err:
        report.problems.append(Problem(where, None, f"data.yaml is not valid YAML ({err})."))
        return report
    except OSError as err:
        report.problems.append(Problem(where, None, f"data.yaml could not be read ({err.strerror or err})."))
        return report
    if not isinstance(spec, dict):
        report.problems.append(Problem(where, None, "data.yaml must be a mapping (train:, val:, names: ...)."))
        return report
    report.classes, why = _names(spec)
    if why:
        report.problems.append(Problem(where, None, why))
        return report
    declared = spec.get("path") or ""
    if not isinstance(declared, str):
        report.problems.append(Problem(where, None, "`path:` must be a folder name."))
        return report
    base = Path(declared) if declared else data_yaml.parent
    base = (base if base.is_absolute() else (data_yaml.parent / base)).resolve()
    if not _inside(base, root):
        report.problems.append(Problem(where, None, f"`path: {declared}` points outside the uploaded data."))
        return report
    for split in SPLITS:
        entry = spec.get(split)
        if not entry:
            if split != "test":
                report.problems.append(Problem(where, None, f"data.yaml has no `{split}` folder."))
            continue
        if not isinstance(entry, str):
            report.problems.append(Problem(where, None, f"`{split}:` must be one folder (e.g. images/{split})."))
            continue
        folder = (base / entry).resolve()
        if not _inside(folder, root):
            report.problems.append(Problem(where, None, f"the {split} folder {entry} is outside the uploaded data."))
            continue
        if not folder.is_dir():
            report.problems.append(Problem(where, None, f"the {split} folder {entry} does not exist."))
            continue
        report.images[split] = _check_split(folder, base, report, root)
    if report.images.get("train", 0) < MIN_TRAIN_IMAGES and "train" in report.images:
        report.problems.append(
            Problem(
                where,
                None,
                f"the training set has {report.images['train']} image(s); at least {MIN_TRAIN_IMAGES} are needed "
                "(a few dozen per defect type for a useful model).",
            )
        )
    if "val" in report.images and report.images["val"] == 0:
        report.problems.append(Problem(where, None, "the val folder has no images."))
    return report


def _relative(path: Path, base: Path) -> str:
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def _check_split(folder: Path, base: Path, report: DatasetReport, root: Path | None) -> int:
    images = sorted(p for p in folder.rglob("*") if is_image_name(p.name) and p.is_file() and _inside(p, root))
    image_labels = set()
    for image in images:
        rel = _relative(image, base)
        label = _label_for(image)
        image_labels.add(label)
        problem = _image_problem(image)
        if problem:
            report.problems.append(Problem(rel, None, problem))
            continue
        if not label.exists():
            report.problems.append(
                Problem(rel, None, "has no label file; it will be treated as defect-free.", severity="warning")
            )
            continue
        _check_label(label, base, report)
    label_dir = _label_for(folder / "x.jpg").parent
    if label_dir.is_dir() and _inside(label_dir, root):
        for label in sorted(label_dir.rglob("*.txt")):
            if label not in image_labels:
                report.problems.append(
                    Problem(_relative(label, base), None, "label file without a matching image.", severity="warning")
                )
    return len(images)


def _image_problem(image: Path) -> str | None:
    """Why an image cannot be used for training, or None (reads only its header and checksums)."""
    try:
        with Image.open(image) as img:
            if img.width * img.height > 150_000_000:
                return f"is {img.width}x{img.height} pixels, too large to train on."
            img.verify()
    except Image.DecompressionBombError:
        return "is too large to train on (over 150 megapixels)."
    except Exception as err:  # any decoder error is the file's fault: list it, check the rest
        return f"not a readable image ({' '.join(str(err).split())[:160] or type(err).__name__})."
    return None


def _check_label(label: Path, base: Path, report: DatasetReport) -> None:
    rel = _relative(label, base)
    if label.stat().st_size > MAX_LABEL_BYTES:
        report.problems.append(Problem(rel, None, "the label file is larger than 1 MB; it cannot be one image's."))
        return
    found = 0
    lines = label.read_text(errors="replace").splitlines()
    for number, line in enumerate(lines, start=1):
        problem = _label_problem(line, report)
        if problem is None:
            continue
        found += 1
        if found <= MAX_PROBLEMS_PER_FILE:
            report.problems.append(Problem(rel, number, problem))
    if found > MAX_PROBLEMS_PER_FILE:
        report.problems.append(Problem(rel, None, f"... and {found - MAX_PROBLEMS_PER_FILE} more bad lines."))


def _label_problem(line: str, report: DatasetReport) -> str | None:
    """What is wrong with one label line (None when it is fine or blank); counts the box when it is fine."""
    if not line.strip():
        return None
    fields = line.split()
    if len(fields) != 5:
        return f"expected 5 numbers (class x y w h), found {len(fields)}."
    try:
        cls = int(fields[0])
        x, y, w, h = (float(v) for v in fields[1:])
    except ValueError:
        return f"not numbers: {line.strip()[:80]!r}."
    if not 0 <= cls < len(report.classes):
        return f"unknown class id {cls}; data.yaml names 0..{len(report.classes) - 1}."
    if not all(0.0 <= v <= 1.0 for v in (x, y, w, h)):  # NaN fails this too
        return "coordinates must be between 0 and 1 (relative to the image)."
    if w <= 0 or h <= 0 or x - w / 2 < -0.01 or x + w / 2 > 1.01 or y - h / 2 < -0.01 or y + h / 2 > 1.01:
        return "the box is empty or reaches outside the image."
    name = report.classes[cls]
    report.boxes[name] = report.boxes.get(name, 0) + 1
    return None


def import_dataset(
    source: Path, datasets_dir: Path, *, name: str | None = None, label: str | None = None
) -> DatasetReport:
    """Copy a YOLO folder/zip (or a folder per class) under `datasets_dir` and validate it.

    A folder per class (e.g. `good/` and `defective/`) without boxes becomes a YOLO set: the sample set's
    labelled defects plus the defect-free images as negatives; images in other class folders have no boxes,
    so they are listed as warnings and skipped. A zip is unpacked within `archives.ZipLimits`, and every path
    its data.yaml names must stay inside it. The copy is kept only when the data can be used: a refusal, an
    error or a report with errors leaves nothing behind. `label` names the data in messages (an upload's
    display name; default the file or folder name).
    """
    source = Path(source)
    label = label or source.name
    is_zip = source.suffix.lower() == ".zip"
    if not source.exists():
        raise InvalidInput(f"{label} was not found.")
    if not (source.is_dir() or (is_zip and source.is_file())):
        raise InvalidInput(f"{label} is neither a folder nor a .zip file.")
    target = datasets_dir / (name or new_id()[:12])
    try:
        if is_zip:
            if not extract_zip(source, target, name=label):
                raise InvalidInput(f"{label} is empty.")
        else:
            shutil.copytree(source, target, dirs_exist_ok=True)
        yamls = sorted(target.rglob("data.yaml")) or sorted(target.rglob("*.yaml"))
        report = validate(yamls[0], root=target) if yamls else _from_class_folders(target, label)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    if not report.ok:
        shutil.rmtree(target, ignore_errors=True)
    return report


def _from_class_folders(root: Path, label: str) -> DatasetReport:
    folders = [p for p in root.rglob("*") if p.is_dir() and any(is_image_name(f.name) for f in p.iterdir())]
    good = [p for p in folders if p.name.lower() in GOOD_FOLDERS]
    report = DatasetReport(data_yaml=None)
    if not folders:
        report.problems.append(Problem(label, None, "no images and no data.yaml were found."))
        return report
    if not good:
        report.problems.append(
            Problem(
                label,
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
    validated = validate(out / "data.yaml", root=root)
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
