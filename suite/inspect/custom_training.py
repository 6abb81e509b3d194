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
import shutil
import time
from pathlib import Path

from suite.errors import InvalidInput
from suite.inspect.dataset import stage_dataset, validate
from suite.inspect.images import is_image_name, load_image
from suite.inspect.model_files import IMGSZ, current_model, offline
from suite.inspect.models import MODULE, EpochRow, Miss, Scores, TrainingCancelledError
from suite.jobs.control import JobCancelled, JobControl
from suite.store import Store
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"  # in the version folder: scores, champion scores, epoch history, misses


def train_on_dataset(
    store: Store,
    data_yaml: Path,
    *,
    output_dir: Path,
    job: JobControl,
    epochs: int = 30,
    imgsz: int = IMGSZ,
    fine_tune: bool = True,
) -> TrainingOutcome:
    """Validate, train, evaluate on the data set's test split (val if none) against the serving model.

    Fine-tunes the serving model when the classes match (fast); otherwise trains from the YOLO architecture.

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
        base = champion_weights if (fine_tune and same_classes) else "yolov8n.yaml"
        started = time.perf_counter()
        job.report("training", epoch=0, epochs=epochs)
        best = train(
            data,
            work / "train",
            epochs=epochs,
            imgsz=imgsz,
            base=base,
            device=settings.device,
            on_epoch=epoch_done,
            should_stop=job.should_stop,
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
        trained_on={"data": str(data_yaml), "epochs": epochs, "imgsz": imgsz, "base": str(base)},
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
