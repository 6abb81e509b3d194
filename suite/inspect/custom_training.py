"""Train the inspector on a user's labelled images: a job of kind "train" (see `service.start_training`).

The job runner calls `train_on_dataset` under the module's lock with the job's `JobControl`: every epoch goes
into the jobs table (stage, epoch, loss, mAP50) for the page to poll, and a cancel is noticed between batches.
The trainer writes only into `output_dir`; the runner hands the outcome to the registry, which moves the
folder into place and applies the promotion rule. A cancelled or failed run leaves nothing behind, and the
serving model stays as it was.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from suite.errors import InvalidInput
from suite.inspect.dataset import stage_dataset, validate
from suite.inspect.images import is_image_name, load_image
from suite.inspect.model_files import current_model, offline
from suite.inspect.models import MODULE, EpochRow, Miss, Scores, TrainingCancelledError
from suite.jobs.control import JobCancelled, JobControl
from suite.store import Store
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"  # in the version folder: scores, champion scores, epoch history, misses

# Defaults of a training on a customer's data (issue 19): the image size comes from the photos, and the run
# stops at a time budget or when mAP50 has not improved for `DEFAULT_PATIENCE` epochs, not at a fixed count.
DEFAULT_TIME_BUDGET_MIN = 20.0
DEFAULT_PATIENCE = 15
MAX_AUTO_EPOCHS = 300  # with a time budget Ultralytics refits the epoch count to the budget after one epoch
MIN_AUTO_IMGSZ, MAX_AUTO_IMGSZ = 128, 640  # native resolution up to 640 px (small defects need their pixels)
# One training image at 256 px, one epoch (train + val), on this project's 2-core CPU: the default model's own
# training (suite/inspect/default_model/training.json: 80 epochs, 150 images, 39.6 min) = 0.20 s; scaled by
# (size / 256)^2 for other sizes. A GPU is much faster; the message says it is a CPU estimate.
CPU_SECONDS_PER_IMAGE_256 = 0.20


@dataclass(frozen=True)
class TrainingPlan:
    """What a training will do before it starts: image size, stop rule and the expected time."""

    imgsz: int
    epochs: int  # the most it may run; the time budget or the plateau usually stops it first
    time_budget_min: float | None
    patience: int
    train_images: int
    median_side: int  # median longest side of the training photos, pixels
    expected_min: float
    imgsz_picked: bool = True  # False: the caller asked for this size

    def trainer_args(self) -> dict:
        """Keyword arguments for `pipelines.detector_training.train` beyond data and base."""
        args: dict = {"epochs": self.epochs, "imgsz": self.imgsz, "patience": self.patience}
        args["close_mosaic"] = max(1, self._epochs_in_time() // 5)  # the last fifth of the epochs that will run
        if self.time_budget_min is not None:
            args["time"] = self.time_budget_min / 60  # Ultralytics takes hours and then ignores `epochs`
        return args

    def describe(self) -> str:
        why = (
            f"{self.imgsz} px (the photos' median side is {self.median_side} px"
            + (f", capped at {MAX_AUTO_IMGSZ})" if self.median_side > MAX_AUTO_IMGSZ else ")")
            if self.imgsz_picked
            else f"{self.imgsz} px (as asked)"
        )
        stop = (
            f"stops after {self.time_budget_min:g} min or when mAP50 has not improved for {self.patience} epochs"
            if self.time_budget_min is not None
            else f"runs up to {self.epochs} epoch{'s' if self.epochs != 1 else ''} "
            f"(stops early if mAP50 has not improved for {self.patience})"
        )
        per_epoch = self.expected_min * 60 / max(1, self._epochs_in_time())
        return (
            f"Training on {self.train_images} images at {why}, starting from the serving model's weights; it {stop}. "
            f"Expected time: {_minutes(self.expected_min)} on this computer's CPU "
            f"(about {per_epoch:.0f} s an epoch: {CPU_SECONDS_PER_IMAGE_256} s per image at 256 px, "
            f"times (size/256)^2; a GPU is faster)."
        )

    def _epochs_in_time(self) -> int:
        per_epoch = epoch_seconds(self.train_images, self.imgsz)
        if self.time_budget_min is None:
            return self.epochs
        return max(1, min(self.epochs, math.floor(self.time_budget_min * 60 / per_epoch)))


def _minutes(value: float) -> str:
    return "under a minute" if value < 1 else f"about {value:.0f} min"


def epoch_seconds(train_images: int, imgsz: int) -> float:
    """Estimated CPU seconds of one epoch (see `CPU_SECONDS_PER_IMAGE_256`)."""
    return max(1, train_images) * CPU_SECONDS_PER_IMAGE_256 * (imgsz / 256) ** 2


def pick_imgsz(median_side: int) -> int:
    """The training size for photos of this median side: native, a multiple of 32, within 128-640 px."""
    size = int(round(median_side / 32) * 32)
    return max(MIN_AUTO_IMGSZ, min(MAX_AUTO_IMGSZ, size))


def train_images(data_yaml: Path) -> list[Path]:
    """The training split's image files of a data.yaml (its `path:` and `train:` entries)."""
    import yaml

    data_yaml = Path(data_yaml).resolve()
    spec = yaml.safe_load(data_yaml.read_text()) or {}
    base = Path(spec.get("path") or data_yaml.parent)
    if not base.is_absolute():
        base = (data_yaml.parent / base).resolve()
    splits = spec.get("train") or []
    folders = [base / f for f in ([splits] if isinstance(splits, str) else splits)]
    return sorted(p for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file() and is_image_name(p.name))


def median_side(images: list[Path]) -> int:
    """Median of the images' longest sides (headers only; unreadable files are left out)."""
    from PIL import Image

    sides = []
    for path in images:
        try:
            with Image.open(path) as im:
                sides.append(max(im.size))
        except OSError:
            continue
    return int(statistics.median(sides)) if sides else 256


def plan_training(
    data_yaml: Path,
    *,
    epochs: int | None = None,
    imgsz: int | None = None,
    time_budget_min: float | None = None,
    patience: int = DEFAULT_PATIENCE,
) -> TrainingPlan:
    """The defaults for this data set: size from the photos, a time budget unless a fixed epoch count is asked."""
    images = train_images(data_yaml)
    side = median_side(images)
    size = imgsz if imgsz is not None else pick_imgsz(side)
    if epochs is None:
        budget = DEFAULT_TIME_BUDGET_MIN if time_budget_min is None else time_budget_min
        epochs = MAX_AUTO_EPOCHS
    else:
        budget = time_budget_min  # a fixed epoch count runs to the end unless a budget is given too
    per_epoch = epoch_seconds(len(images), size)
    expected = epochs * per_epoch / 60
    if budget is not None:
        expected = min(expected, budget)
    return TrainingPlan(size, epochs, budget, patience, len(images), side, expected, imgsz_picked=imgsz is None)


def advice(metrics: Scores, plan_imgsz: int | None = None, median: int | None = None) -> str:
    """What would help a model that misses the floor: the weakest class by name, and larger images if they exist."""
    parts = []
    if metrics.per_class_ap50:
        weakest, ap = min(metrics.per_class_ap50.items(), key=lambda kv: kv[1])
        parts.append(f"the weakest class is {weakest} (AP50 {ap:.2f}): add more labelled images of {weakest}")
    if median is not None and plan_imgsz is not None and median > plan_imgsz:
        parts.append(f"train at a larger size (--imgsz up to {min(1280, int(round(median / 32) * 32))})")
    elif median is not None and median < 384:
        parts.append("larger or closer photos, so each defect covers more pixels")
    parts.append("a longer time budget (--time-budget-min)")
    return "What would help: " + "; ".join(parts) + "."


def train_on_dataset(
    store: Store,
    data_yaml: Path,
    *,
    output_dir: Path,
    job: JobControl,
    epochs: int | None = None,
    imgsz: int | None = None,
    time_budget_min: float | None = None,
    fine_tune: bool = True,
) -> TrainingOutcome:
    """Validate, train, evaluate on the data set's test split (val if none) against the serving model.

    Starts from the serving model's weights: a fine-tune when the classes match, and otherwise a transfer of
    every matching layer (Ultralytics keeps the backbone and neck, the class head is new). `epochs`/`imgsz`
    None: the `plan_training` defaults (size from the photos, a time budget and a plateau stop).

    Raises:
        DatasetProblems: the data set is not usable (the problems by file and line).
        TrainingCancelledError: the job was cancelled; nothing was kept.
    """
    from pipelines.detector import load_detector
    from pipelines.detector_eval import evaluate
    from pipelines.detector_training import EpochReport, TrainingCancelled, train

    report = validate(Path(data_yaml))
    report.raise_if_bad()
    settings = store.settings
    offline(settings)
    work = settings.module_dir(MODULE) / "runs" / job.job_id
    plan = plan_training(Path(data_yaml), epochs=epochs, imgsz=imgsz, time_budget_min=time_budget_min)
    epochs, imgsz = plan.epochs, plan.imgsz
    logger.info("inspect training plan: %s", plan.describe())
    history: list[EpochRow] = []

    def epoch_done(r: EpochReport) -> None:
        row = EpochRow(r.epoch, r.epochs, round(r.loss, 4), r.map50)
        history.append(row)
        job.report("training", epoch=r.epoch, epochs=r.epochs, metrics={"loss": row.loss, "map50": row.map50})
        job(r.epoch, r.epochs + 1, f"epoch {r.epoch}/{r.epochs}, loss {r.loss:.2f}, mAP50 {r.map50 or 0:.2f}")

    try:
        job.report("preparing", epoch=0, epochs=epochs)
        job(0, epochs + 1, "preparing the data")
        data = stage_dataset(Path(data_yaml), work / "data")
        split = "test" if report.images.get("test") else "val"
        champion_weights, champion_version = current_model(settings)
        champion = load_detector(champion_weights, version=champion_version, device=settings.device)
        same_classes = list(champion.names.values()) == report.classes
        base = champion_weights if fine_tune else "yolov8n.yaml"
        # a new class head needs the warm-up a fine-tune skips
        extra = {} if same_classes or not fine_tune else {"warmup_epochs": 1}
        started = time.perf_counter()
        job.report("training", epoch=0, epochs=epochs)
        best = train(
            data,
            work / "train",
            base=base,
            device=settings.device,
            on_epoch=epoch_done,
            should_stop=job.should_stop,
            **plan.trainer_args(),
            **extra,
        )
        seconds = time.perf_counter() - started
        job.report("evaluating")
        job(epochs, epochs + 1, "evaluating")

        def score(weights: Path, name: str) -> Scores:
            found = evaluate(weights, data, split=split, imgsz=imgsz, device=settings.device, run_dir=work / name)
            return Scores.from_dict(found)

        metrics = score(best, "eval")
        champion_metrics = score(champion_weights, "eval-champion") if same_classes else None
        misses = find_misses(best, data, split, device=settings.device)
        job(epochs + 1, epochs + 1, "done")
    except (TrainingCancelled, JobCancelled) as err:
        shutil.rmtree(work, ignore_errors=True)
        raise TrainingCancelledError("Training was cancelled; no new model version was made.") from err
    except BaseException:
        shutil.rmtree(work / "train", ignore_errors=True)  # no half-trained weights lying around
        raise
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best, output_dir / "best.pt")
    (output_dir / METRICS_FILE).write_text(
        json.dumps(
            {
                "test": metrics.as_dict(),
                "split": split,
                "champion": champion_metrics.as_dict() if champion_metrics else None,
                "champion_version": champion_version,
                "history": [row.as_dict() for row in history],
                "misses": [miss.as_dict() for miss in misses],
                "train_seconds": round(seconds, 1),
                "plan": plan.describe(),
                "advice": advice(metrics, imgsz, plan.median_side),
            },
            indent=2,
        )
    )
    return TrainingOutcome(
        module=MODULE,
        artifact_dir=output_dir,
        primary_metric="map50",
        higher_is_better=True,
        challenger_metrics=metrics.flat(),
        champion_metrics=champion_metrics.flat() if champion_metrics else {},
        trained_on={
            "data": str(data_yaml),
            "epochs": len(history) or epochs,
            "imgsz": imgsz,
            "base": str(base),
            "time_budget_min": plan.time_budget_min,
            "patience": plan.patience,
        },
        notes=f"trained on {report.images.get('train', 0)} images; evaluated on the {split} split",
    )


def find_misses(weights: Path, data_yaml: Path, split: str, *, device: str, limit: int = 6) -> list[Miss]:
    """Test images where a labelled defect got no box of the same class (IoU >= 0.3): the result card shows them."""
    import yaml

    from pipelines.boxes import iou
    from pipelines.detector import Detector

    detector = Detector(weights, version="candidate", device=device).warm_up()  # not cached: used once
    spec = yaml.safe_load(Path(data_yaml).read_text())
    folder = Path(spec["path"]) / spec[split]
    names = detector.names
    misses: list[Miss] = []
    for image_path in sorted(p for p in folder.iterdir() if is_image_name(p.name)):
        label = image_path.parent.parent.parent / "labels" / folder.name / (image_path.stem + ".txt")
        if not label.exists() or not label.read_text().strip():
            continue
        try:
            image = load_image(image_path)
        except InvalidInput:  # validated before training; a file changed since is left out, not fatal
            continue
        w, h = image.size
        found = detector.detect(image).detections
        for line in label.read_text().splitlines():
            if not line.strip():
                continue
            cls, x, y, bw, bh = (float(v) for v in line.split())
            truth = [(x - bw / 2) * w, (y - bh / 2) * h, (x + bw / 2) * w, (y + bh / 2) * h]
            hit = any(d.class_id == int(cls) and d.confidence >= 0.25 and iou(d.box, truth) >= 0.3 for d in found)
            if not hit:
                misses.append(Miss(str(image_path), names.get(int(cls), str(cls)), truth))
        if len(misses) >= limit:
            break
    return misses[:limit]
