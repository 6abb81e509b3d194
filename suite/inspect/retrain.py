"""`retrain(store)`: accepted box reviews become YOLO labels, merged with the base set; a challenger is fine-tuned.

Per reviewed image the labels are: confirmed boxes, corrected boxes (with the new class), missed-defect marks
that have an area, and the model's other sure (FAIL) boxes nobody rejected. Rejected boxes are left out,
so their area is a negative example. The challenger and the serving model are both scored on the frozen
sample test split and on the reviewed images, in the same run.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from pathlib import Path

import yaml
from PIL import Image

from suite.errors import InvalidInput
from suite.inspect import queries
from suite.inspect.dataset import stage_dataset
from suite.inspect.model_files import IMGSZ, SAMPLE_SET, current_model, offline
from suite.inspect.models import CLASSES, MODULE, Scores
from suite.progress import Progress, no_progress
from suite.store import Store, new_id
from suite.training import TrainingOutcome, accepted_feedback

logger = logging.getLogger(__name__)
KINDS = ("confirm", "correction", "false_alarm", "missed")


def accepted_reviews(store: Store) -> list[dict]:
    return accepted_feedback(store, MODULE, KINDS)


def _box(value: object) -> list[float] | None:
    """Four finite numbers, or None (a reviewer may have edited the value into something else)."""
    try:
        box = [float(v) for v in value]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    return box if len(box) == 4 and all(math.isfinite(v) for v in box) else None


def _kept_image(store: Store, value: dict) -> str | None:
    """The reviewed image's path when it is one of ours (under SUITE_HOME); reviewers can edit values."""
    path = value.get("image_path")
    if not isinstance(path, str) or not path:
        return None
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(store.settings.home.resolve()) or not resolved.is_file():
        logger.warning("review %s names an image outside SUITE_HOME or missing; skipped", value.get("result_id"))
        return None
    return path


def labels_from_reviews(store: Store, reviews: list[dict]) -> dict[str, dict]:
    """image_path -> {"size": (w, h), "boxes": [(class_id, x1, y1, x2, y2)], "feedback_ids": [...]}

    Only images kept under SUITE_HOME are read; reviews whose box is not four numbers are skipped.
    """
    by_image: dict[str, dict] = {}
    for review in reviews:
        value = review["value"]
        path = _kept_image(store, value) if isinstance(value, dict) else None
        if path is None:
            continue
        entry = by_image.setdefault(path, {"reviews": [], "result_id": value.get("result_id")})
        entry["reviews"].append(review)
    out = {}
    for path, entry in by_image.items():
        reviewed: dict[tuple, str | None] = {}  # box -> class (None = rejected)
        extra = []
        for review in entry["reviews"]:
            value, kind = review["value"], review["kind"]
            box = _box(value.get("box"))
            if box is None:
                continue
            if kind == "missed":
                extra.append((value.get("class"), box))
                continue
            key = tuple(round(v, 1) for v in box)
            reviewed[key] = None if kind == "false_alarm" else value.get("corrected_class") or value.get("class")
        boxes = [(cls, list(box)) for box, cls in reviewed.items() if cls is not None] + extra
        for defect in queries.result_defects(store, entry["result_id"]):
            key = tuple(round(v, 1) for v in defect["box"])
            if key not in reviewed and defect["status"] == "FAIL":
                boxes.append((defect["class_name"], defect["box"]))
        try:
            with Image.open(path) as img:
                size = img.size
        except Exception:  # a damaged copy must not stop the retraining; it is logged and left out
            logger.warning("could not open reviewed image %s; skipped", path, exc_info=True)
            continue
        out[path] = {
            "size": size,
            "boxes": [(CLASSES.index(c), *b) for c, b in boxes if c in CLASSES],
            "feedback_ids": [r["feedback_id"] for r in entry["reviews"]],
        }
    return out


def _write_yolo(folder: Path, images: dict[str, dict]) -> int:
    """Images (cut into model-sized crops around their boxes when large) and labels into folder/images|labels."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "labels").mkdir(parents=True, exist_ok=True)
    count = 0
    for i, (path, entry) in enumerate(images.items()):
        with Image.open(path) as img:
            img = img.convert("RGB")
            w, h = img.size
            crops = [(0, 0, w, h)]
            if max(w, h) > 2 * IMGSZ:  # keep small flaws at native scale, as at inspection time (tiles)
                crops = [_crop_around(b[1:], w, h) for b in entry["boxes"]] or [(0, 0, min(w, IMGSZ), min(h, IMGSZ))]
            for j, (cx1, cy1, cx2, cy2) in enumerate(crops):
                name = f"r{i:04d}_{j:02d}"
                img.crop((cx1, cy1, cx2, cy2)).save(folder / "images" / f"{name}.png")
                cw, ch = cx2 - cx1, cy2 - cy1
                lines = []
                for cls, x1, y1, x2, y2 in entry["boxes"]:
                    x1, x2 = max(x1, cx1) - cx1, min(x2, cx2) - cx1
                    y1, y2 = max(y1, cy1) - cy1, min(y2, cy2) - cy1
                    if x2 - x1 > 1 and y2 - y1 > 1:
                        lines.append(
                            f"{cls} {(x1 + x2) / 2 / cw:.6f} {(y1 + y2) / 2 / ch:.6f} "
                            f"{(x2 - x1) / cw:.6f} {(y2 - y1) / ch:.6f}"
                        )
                (folder / "labels" / f"{name}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
                count += 1
    return count


def _crop_around(box, w: int, h: int) -> tuple[int, int, int, int]:
    size = max(IMGSZ, int(max(box[2] - box[0], box[3] - box[1]) * 1.5))
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x1 = int(min(max(cx - size / 2, 0), max(w - size, 0)))
    y1 = int(min(max(cy - size / 2, 0), max(h - size, 0)))
    return x1, y1, min(x1 + size, w), min(y1 + size, h)


def retrain(
    store: Store, *, output_dir: Path, progress: Progress = no_progress, epochs: int | None = None
) -> TrainingOutcome:
    """Train a challenger from accepted feedback plus the base set; see the module docstring."""
    from pipelines.detector_eval import evaluate
    from pipelines.detector_training import train

    settings = store.settings
    offline(settings)
    epochs = epochs or settings.inspect_retrain_epochs
    reviews = accepted_reviews(store)
    images = labels_from_reviews(store, reviews)
    if not images:
        raise InvalidInput("There are no accepted inspection reviews with their images yet; nothing to learn from.")
    work = settings.module_dir(MODULE) / "runs" / f"retrain-{new_id()[:12]}"
    stage_dataset(SAMPLE_SET / "data.yaml", work / "base")
    data = work / "data"
    for kind in ("images", "labels"):
        for split in ("train", "val", "test"):
            shutil.copytree(work / "base" / kind / split, data / kind / split)  # follows the links: a real copy
    reviewed = _write_yolo(work / "reviewed-src", images)
    for kind in ("images", "labels"):
        for f in (work / "reviewed-src" / kind).iterdir():
            shutil.copyfile(f, data / kind / "train" / f.name)
        shutil.copytree(work / "reviewed-src" / kind, data / kind / "reviewed")
    spec = {
        "path": str(data),
        "train": "images/train",
        "val": "images/val",
        "test": "images/test",
        "reviewed": str(data / "images" / "reviewed"),
        "names": dict(enumerate(CLASSES)),
    }
    (data / "data.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    champion_weights, champion_version = current_model(settings)
    started = time.perf_counter()
    best = train(
        data / "data.yaml",
        work / "train",
        epochs=epochs,
        imgsz=IMGSZ,
        base=champion_weights,
        device=settings.device,
        on_epoch=lambda r: progress(r.epoch, r.epochs + 2, f"epoch {r.epoch}/{r.epochs}"),
    )
    seconds = time.perf_counter() - started
    progress(epochs + 1, epochs + 2, "evaluating")
    scores = {}
    for who, weights in (("challenger", best), ("champion", champion_weights)):
        for split in ("test", "reviewed"):
            scores[who, split] = evaluate(
                weights,
                data / "data.yaml",
                split=split,
                imgsz=IMGSZ,
                device=settings.device,
                run_dir=work / f"eval-{who}-{split}",
            )
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best, output_dir / "best.pt")
    (output_dir / "metrics.json").write_text(json.dumps({f"{w}/{s}": v for (w, s), v in scores.items()}, indent=2))
    progress(epochs + 2, epochs + 2, "done")
    return TrainingOutcome(
        module=MODULE,
        artifact_dir=output_dir,
        primary_metric="map50",
        higher_is_better=True,
        challenger_metrics=Scores.from_dict(scores["challenger", "test"]).flat(),
        champion_metrics=Scores.from_dict(scores["champion", "test"]).flat(),
        feedback_metrics={
            "challenger": scores["challenger", "reviewed"]["map50"],
            "champion": scores["champion", "reviewed"]["map50"],
        },
        trained_on={
            "feedback_ids": [fid for entry in images.values() for fid in entry["feedback_ids"]],
            "reviewed_images": len(images),
            "reviewed_crops": reviewed,
            "base": str(SAMPLE_SET),
            "epochs": epochs,
            "fine_tuned_from": champion_version,
            "train_seconds": round(seconds, 1),
        },
        notes=f"fine-tuned {champion_version} for {epochs} epochs on the sample set "
        f"plus {len(images)} reviewed image(s)",
    )
