"""The inspection module's public functions: what the page, the CLI and the API call.

Check images (boxes from the serving detector, a verdict per image, each result kept in the store), review
boxes, check training data, train on it as a job with live progress and a cancel, and read statistics.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from suite.errors import InvalidInput, NotFound, SuiteError
from suite.inspect import custom_training, queries
from suite.inspect.dataset import import_dataset, stage_dataset, validate
from suite.inspect.feedback import report_missed as report_missed  # offered to the page and the API
from suite.inspect.feedback import review_box as review_box
from suite.inspect.images import IMAGE_SUFFIXES, expand_uploads, load_image
from suite.inspect.model_files import IMGSZ, current_model, get_detector, offline
from suite.inspect.models import (
    MAX_EPOCHS,
    MIN_EPOCHS,
    MODULE,
    Batch,
    DatasetReport,
    Defect,
    EpochRow,
    Evaluation,
    FileProblem,
    Inspection,
    Miss,
    Scores,
    Thresholds,
    TrainingCancelledError,
    TrainingJob,
    TrainingResult,
    TrainingRun,
    VerdictCounts,
)
from suite.inspect.report import defect_rates as defect_rates
from suite.inspect.report import defect_table as defect_table
from suite.inspect.report import draw_boxes as draw_boxes
from suite.inspect.verdicts import box_status, verdict
from suite.jobs import queue, runner
from suite.jobs.control import JobControl
from suite.progress import Progress, no_progress
from suite.settings import Settings
from suite.store import Store, from_json, new_id, now, to_json
from suite.tracking import track
from suite.training import TrainingOutcome
from suite.uploads import check_upload, display_name, staged

logger = logging.getLogger(__name__)
UPLOAD_TYPES = (*sorted(IMAGE_SUFFIXES), ".zip")  # what the "check images" upload accepts


# ---- checking images ---------------------------------------------------------------------------------------


def inspect_image(
    store: Store,
    source: str | Path | bytes,
    *,
    name: str | None = None,
    thresholds: Thresholds | None = None,
    user: str | None = None,
    options=None,
) -> Inspection:
    """Check one image and record the result. Raises InvalidInput for unreadable images.

    `options` are the detector's `DetectOptions` (tiling, sizes); the defaults suit the committed model.
    """
    settings = store.settings
    thresholds = thresholds or Thresholds()
    name = name or (Path(source).name if not isinstance(source, bytes) else "upload")
    with track(store, module=MODULE, action="inspect", user=user, input_summary=name) as call:
        image = load_image(source, name)
        result = get_detector(settings).detect(image, options)
        call.record(result)
        result_id = new_id()
        path = _keep_copy(settings.module_dir(MODULE) / "images", result_id, image)
        defects = [
            Defect(
                i,
                d.class_name,
                d.confidence,
                [round(v, 1) for v in d.box],
                box_status(d.class_name, d.confidence, thresholds),
            )
            for i, d in enumerate(result.detections)
        ]
        inspection = Inspection(
            result_id=result_id,
            request_id=call.request_id,
            image_name=name,
            image_path=str(path),
            width=result.width,
            height=result.height,
            verdict=verdict([(d.class_name, d.confidence) for d in defects], thresholds),
            defects=defects,
            model_name=result.model_name,
            model_version=result.model_version,
            device=result.device,
            tiled=result.tiled,
            tiles=result.tiles,
            elapsed_ms=result.elapsed_ms,
            thresholds=thresholds.as_dict(),
        )
        call.output = {
            "verdict": inspection.verdict,
            "defects": len(inspection.shown_defects()),
            "top_confidence": round(inspection.top_confidence, 4),
            "tiled": result.tiled,
        }
    queries.save_result(
        store,
        {
            "result_id": result_id,
            "request_id": inspection.request_id,
            "ts": now().isoformat(),
            "user": user or settings.user,
            "image_name": name,
            "image_path": str(path),
            "width": inspection.width,
            "height": inspection.height,
            "verdict": inspection.verdict,
            "defects": to_json([d.as_dict() for d in defects]),
            "thresholds": to_json(inspection.thresholds),
            "model_version": inspection.model_version,
            "tiled": inspection.tiled,
        },
    )
    return inspection


def _keep_copy(folder: Path, result_id: str, image: Image.Image) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if image.width * image.height <= 2_000_000:
        path = folder / f"{result_id}.png"
        image.save(path, compress_level=1)
    else:  # a lossless copy of a 100-megapixel photo would be hundreds of MB
        path = folder / f"{result_id}.jpg"
        image.save(path, quality=92)
    return path


def inspect_many(
    store: Store,
    uploads: Iterable[tuple[str, bytes]],
    *,
    thresholds: Thresholds | None = None,
    user: str | None = None,
    progress: Progress = no_progress,
) -> Batch:
    """Inspect uploaded files (zips expanded). A file of the wrong type, an unreadable image or a bad zip is
    listed in `problems`; it does not stop the rest."""
    batch = Batch()
    files: list[tuple[str, bytes]] = []
    for name, data in uploads:
        try:
            shown = check_upload(name, data, allowed=UPLOAD_TYPES)
            files.extend(expand_uploads([(shown, data)]))
        except SuiteError as err:
            batch.problems.append(FileProblem(display_name(name), str(err)))
    for done, (name, data) in enumerate(files):
        progress(done, len(files), name)
        try:
            batch.results.append(inspect_image(store, data, name=name, thresholds=thresholds, user=user))
        except SuiteError as err:
            batch.problems.append(FileProblem(name, str(err)))
    progress(len(files), len(files), "done")
    return batch


def get_result(store: Store, result_id: str) -> Inspection:
    """A stored inspection, as it was recorded."""
    row = queries.result_row(store, result_id)
    if row is None:
        raise NotFound(f"There is no inspection {result_id!r}.")
    return Inspection(
        result_id=row["result_id"],
        request_id=row["request_id"],
        image_name=row["image_name"],
        image_path=row["image_path"],
        width=row["width"],
        height=row["height"],
        verdict=row["verdict"],
        defects=[Defect(**d) for d in from_json(row["defects"]) or []],
        model_name="",
        model_version=row["model_version"],
        device="",
        tiled=bool(row["tiled"]),
        thresholds=from_json(row["thresholds"]) or {},
    )


def serving_detector(settings: Settings):
    """The detector that serves now (champion or default), loaded once per weights file."""
    return get_detector(settings)


# ---- statistics --------------------------------------------------------------------------------------------


def verdict_counts(store: Store) -> VerdictCounts:
    counts = queries.verdict_counts(store)
    return VerdictCounts(counts.get("PASS", 0), counts.get("REVIEW", 0), counts.get("FAIL", 0))


def training_runs(store: Store, limit: int = 10) -> list[TrainingRun]:
    """Trainings on uploaded data, newest first (jobs, then the runs recorded before they were jobs)."""
    runs = [
        TrainingRun(
            job["job_id"],
            job["started_at"],
            job["finished_at"],
            job["state"],
            job["params"].get("epochs"),
            (job["outcome"] or {}).get("version"),
            (job["outcome"] or {}).get("error"),
        )
        for job in queue.list_jobs(store, MODULE, limit, kind=queue.TRAIN)
    ]
    runs += [TrainingRun(**row) for row in queries.legacy_training_runs(store, max(limit - len(runs), 0))]
    return runs[:limit]


# ---- training data -----------------------------------------------------------------------------------------


def check_dataset(settings: Settings, path: Path) -> DatasetReport:
    """Check a data.yaml where it is, or copy a folder / zip into SUITE_HOME and check that."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return validate(path)
    return import_dataset(path, settings.module_dir(MODULE) / "datasets")


def check_dataset_upload(settings: Settings, name: str, data: bytes) -> DatasetReport:
    """Check an uploaded zip of training data (the upload's name is never used as a path)."""
    shown = check_upload(name, data, allowed=(".zip",))
    with staged([(shown, data)], prefix="suite-inspect-") as [path]:
        return import_dataset(path, settings.module_dir(MODULE) / "datasets")


# ---- training on uploaded data: a job ----------------------------------------------------------------------


def queue_training(
    store: Store, data_yaml: Path, *, epochs: int = 30, imgsz: int = IMGSZ, user: str | None = None
) -> TrainingJob:
    """Check the data and queue a training job (nothing runs yet; see `start_training` and `train_now`).

    Raises:
        InvalidInput: the epochs are out of range, the data has problems, or a training is already waiting.
    """
    if not MIN_EPOCHS <= epochs <= MAX_EPOCHS:
        raise InvalidInput(f"Choose between {MIN_EPOCHS} and {MAX_EPOCHS} epochs.")
    validate(Path(data_yaml)).raise_if_bad()
    params = {"data_yaml": str(Path(data_yaml).resolve()), "epochs": epochs, "imgsz": imgsz}
    job_id, created = queue.enqueue(
        store,
        MODULE,
        requested_by=user or store.settings.user,
        reason=f"training on {Path(data_yaml).parent.name}, {epochs} epochs",
        kind=queue.TRAIN,
        params=params,
    )
    if not created:
        raise InvalidInput("A training is already waiting or running; stop it or wait until it is done.")
    return training_job(store, job_id)


def start_training(
    store: Store, data_yaml: Path, *, epochs: int = 30, imgsz: int = IMGSZ, user: str | None = None
) -> TrainingJob:
    """Queue a training and run it in a worker process of its own; poll `training_job` for its progress."""
    job = queue_training(store, data_yaml, epochs=epochs, imgsz=imgsz, user=user)
    runner.start_in_background(store.settings, job.job_id)
    return job


def train_now(
    store: Store,
    data_yaml: Path,
    *,
    epochs: int = 30,
    imgsz: int = IMGSZ,
    user: str | None = None,
    progress: Progress = no_progress,
) -> TrainingResult:
    """Queue a training and run it in this process, under the same lock as any worker (the CLI's `train`).

    Raises:
        TrainingCancelledError: someone stopped it. SuiteError: it failed (the message says why).
    """
    job = queue_training(store, data_yaml, epochs=epochs, imgsz=imgsz, user=user)
    outcome = runner.run_now(store, job.job_id, progress=progress)
    if outcome["state"] == "cancelled":
        raise TrainingCancelledError("Training was cancelled; no new model version was made.")
    result = training_result(store, job.job_id)
    if result is None:
        raise SuiteError(f"The training failed: {outcome.get('error', 'see the job log')}")
    return result


def train_job(store: Store, *, output_dir: Path, params: dict, job: JobControl) -> TrainingOutcome:
    """What the job runner calls for a training job of this module (kind "train")."""
    return custom_training.train_on_dataset(
        store,
        Path(params["data_yaml"]),
        output_dir=output_dir,
        job=job,
        epochs=int(params.get("epochs", 30)),
        imgsz=int(params.get("imgsz", IMGSZ)),
    )


def training_job(store: Store, job_id: str) -> TrainingJob:
    """Where a training job is now (the page polls this)."""
    job = queue.get_job(store, job_id)
    if job["module"] != MODULE or job["kind"] != queue.TRAIN:
        raise NotFound(f"Job {job_id!r} is not an inspection training.")
    outcome = job["outcome"] or {}
    return TrainingJob(
        job_id=job["job_id"],
        state=job["state"],
        stage=job["stage"],
        epoch=job["epoch"],
        epochs=job["epochs"] or job["params"].get("epochs"),
        progress=float(job["progress"] or 0.0),
        history=[_epoch_row(row, job["epochs"]) for row in job["history"]],
        requested_by=job["requested_by"],
        created_at=job["created_at"],
        started_at=job["started_at"],
        finished_at=job["finished_at"],
        cancel_requested=job["cancel_requested"],
        error=outcome.get("error"),
        version=outcome.get("version"),
    )


def active_training(store: Store) -> TrainingJob | None:
    """The training that is waiting or running now, if any."""
    latest = queue.list_jobs(store, MODULE, 1, kind=queue.TRAIN)
    return training_job(store, latest[0]["job_id"]) if latest and latest[0]["state"] in queue.ACTIVE else None


def cancel_training(store: Store, job_id: str, *, user: str | None = None) -> TrainingJob:
    """Stop a training: at once when it waits, after the current batch when it runs. The serving model stays."""
    training_job(store, job_id)  # NotFound for other jobs
    queue.cancel(store, job_id, by=user or store.settings.user)
    return training_job(store, job_id)


def training_result(store: Store, job_id: str) -> TrainingResult | None:
    """The version a finished training made and its scores; None while it runs or when it did not succeed."""
    job = queue.get_job(store, job_id)
    outcome = job["outcome"] or {}
    if job["state"] != "succeeded" or not outcome.get("version"):
        return None
    folder = store.settings.models_dir / MODULE / outcome["version"]
    report = json.loads((folder / custom_training.METRICS_FILE).read_text())
    return TrainingResult(
        job_id=job_id,
        version=outcome["version"],
        status=outcome["status"],
        metrics=Scores.from_dict(report["test"]),
        champion_metrics=Scores.from_dict(report["champion"]) if report.get("champion") else None,
        champion_version=report.get("champion_version"),
        history=[EpochRow(**row) for row in report.get("history", [])],
        misses=[Miss(**miss) for miss in report.get("misses", [])],
        seconds=float(outcome.get("total_s") or 0.0),
        gate_reasons=list((outcome.get("gate") or {}).get("reasons", [])),
    )


def _epoch_row(row: dict, epochs: int | None) -> EpochRow:
    return EpochRow(int(row["epoch"]), int(epochs or row["epoch"]), float(row["loss"]), row.get("map50"))


# ---- evaluation --------------------------------------------------------------------------------------------


def evaluate_model(settings: Settings, data_yaml: Path, *, split: str = "test") -> Evaluation:
    """Score the serving model on a labelled split (mAP50, mAP50-95, precision, recall, per-class AP)."""
    from pipelines.detector_eval import evaluate

    validate(Path(data_yaml)).raise_if_bad()
    offline(settings)
    weights, version = current_model(settings)
    work = settings.module_dir(MODULE) / "runs" / f"eval-{new_id()[:12]}"
    metrics = evaluate(
        weights,
        stage_dataset(Path(data_yaml), work / "data"),
        split=split,
        imgsz=IMGSZ,
        device=settings.device,
        run_dir=work / "val",
    )
    return Evaluation(version, split, Scores.from_dict(metrics))
