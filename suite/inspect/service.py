"""The inspection module's public functions: what the page, the CLI and the API call.

Check images (boxes from the serving detector, a verdict per image, each result kept in the store), review
boxes, check training data, train on it as a job with live progress and a cancel, and read statistics.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from PIL import Image

from suite.auth.trail import audited, store_for
from suite.errors import InvalidInput, NotFound, SuiteError
from suite.inspect import custom_training, queries
from suite.inspect import feedback as _feedback
from suite.inspect import report as pictures  # noqa: F401 - the page draws through the service
from suite.inspect import reviews as box_states  # noqa: F401 - each box's review state, for the page
from suite.inspect.archives import LIMITS as LIMITS
from suite.inspect.archives import describe
from suite.inspect.dataset import SPLITS as SPLITS
from suite.inspect.dataset import import_dataset, stage_dataset, validate
from suite.inspect.images import IMAGE_SUFFIXES, expand_upload, load_image
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
ZIP_LIMITS = describe()  # the zip limits in words, for the uploaders' help text
MIN_IMGSZ, MAX_IMGSZ = 64, 1280  # training image sizes (multiples of 32, as YOLO needs)


# ---- checking images ---------------------------------------------------------------------------------------


@audited("inspect.run", target="name")
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
    image = load_image(source, name)  # a file we cannot read is refused before anything is recorded
    with track(store, module=MODULE, action="inspect", user=user, input_summary=name) as call:
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


def inspect_files(
    store: Store,
    files: Iterable[tuple[str, bytes | Path]],
    *,
    thresholds: Thresholds | None = None,
    user: str | None = None,
    progress: Progress = no_progress,
) -> Iterator[Inspection | FileProblem]:
    """Check images given as (name, bytes or path), zips unpacked on disk within `archives.LIMITS`.

    Yields an `Inspection` per image checked and a `FileProblem` (one line) per file or zip that could not
    be; one bad file never stops the rest. Unpacked files are removed when the last one is done (or the
    caller stops early). Names are shown as given: pass display names (`suite.uploads.display_name`).
    """
    with tempfile.TemporaryDirectory(prefix="suite-inspect-") as work:
        images: list[tuple[str, bytes | Path]] = []
        for number, (name, data) in enumerate(files):
            try:
                images += expand_upload(name, data, Path(work) / f"{number:03d}")
            except SuiteError as err:
                yield FileProblem(name, _one_line(err))
        for done, (name, data) in enumerate(images):
            progress(done, len(images), name)
            try:
                yield inspect_image(store, data, name=name, thresholds=thresholds, user=user)
            except SuiteError as err:
                yield FileProblem(name, _one_line(err))
        progress(len(images), len(images), "done")


@audited("inspect.run")
def inspect_many(
    store: Store,
    uploads: Iterable[tuple[str, bytes]],
    *,
    thresholds: Thresholds | None = None,
    user: str | None = None,
    progress: Progress = no_progress,
) -> Batch:
    """Inspect uploaded files (zips expanded). A file of the wrong type, an unreadable image or a bad zip is
    listed in `problems`; it does not stop the rest. Upload names are only shown, never used as paths."""
    batch = Batch()
    checked: list[tuple[str, bytes]] = []
    for name, data in uploads:
        try:
            checked.append((check_upload(name, data, allowed=UPLOAD_TYPES), data))
        except SuiteError as err:
            batch.problems.append(FileProblem(display_name(name), _one_line(err)))
    for item in inspect_files(store, checked, thresholds=thresholds, user=user, progress=progress):
        (batch.results if isinstance(item, Inspection) else batch.problems).append(item)
    return batch


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


# offered to the page and the API
review_box = audited("inspect.feedback", target=lambda a: a["inspection"].result_id)(_feedback.review_box)
report_missed = audited("inspect.feedback", target=lambda a: a["inspection"].result_id)(_feedback.report_missed)


@audited("inspect.feedback", target="result_id")
def review_result(
    store: Store,
    result_id: str,
    index: int,
    action: str,
    *,
    new_class: str | None = None,
    user: str | None = None,
) -> str:
    """`review_box` for a stored inspection named by its id (what the API calls); NotFound for unknown ids."""
    return review_box(store, get_result(store, result_id), index, action, new_class=new_class, user=user)


@audited("inspect.feedback", target="result_id")
def report_missed_result(
    store: Store,
    result_id: str,
    class_name: str,
    *,
    box: list[float] | None = None,
    note: str = "",
    user: str | None = None,
) -> str:
    """`report_missed` for a stored inspection named by its id; NotFound for unknown ids."""
    return report_missed(store, get_result(store, result_id), class_name, box=box, note=note, user=user)


def get_result(store: Store, result_id: str) -> Inspection:
    """A stored inspection, as it was recorded."""
    row = queries.result_row(store, str(result_id)) if result_id else None
    if row is None:
        raise NotFound(f"There is no inspection {str(result_id)[:80]!r}.")
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
    """Check a data.yaml where it is, or copy a folder / zip into SUITE_HOME and check that.

    For the command line, whose user owns the shell: the dashboard takes only uploads
    (`check_dataset_upload`). A copy is kept only when the data can be used.
    """
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return validate(path, root=_upload_root(settings, path))
    return import_dataset(path, _datasets_dir(settings))


@audited("inspect.check_data", target="name", store=lambda a: store_for(a["settings"]))
def check_dataset_upload(settings: Settings, name: str, data: bytes) -> DatasetReport:
    """Check an uploaded zip of training data (the upload's name is never used as a path).

    The zip is unpacked within `archives.LIMITS` (members, sizes, ratios), every path its data.yaml names
    must stay inside it, and nothing is left behind when it is refused or has errors.
    """
    shown = check_upload(name, data, allowed=(".zip",))
    with staged([(shown, data)], prefix="suite-inspect-") as [path]:
        return import_dataset(path, _datasets_dir(settings), label=shown)


def _datasets_dir(settings: Settings) -> Path:
    return settings.module_dir(MODULE) / "datasets"


def _upload_root(settings: Settings, data_yaml: Path) -> Path | None:
    """The folder an uploaded data set was unpacked into, when `data_yaml` is in one (its paths stay inside)."""
    datasets = _datasets_dir(settings).resolve()
    resolved = Path(data_yaml).resolve()
    if resolved.is_relative_to(datasets) and resolved != datasets:
        return datasets / resolved.relative_to(datasets).parts[0]
    return None


def check_training_sizes(epochs: int | None, imgsz: int | None, time_budget_min: float | None = None) -> None:
    """Raises InvalidInput for epochs, an image size or a time budget a training cannot take (None: automatic)."""
    if epochs is not None and (
        isinstance(epochs, bool) or not isinstance(epochs, int) or not MIN_EPOCHS <= epochs <= MAX_EPOCHS
    ):
        raise InvalidInput(f"Choose between {MIN_EPOCHS} and {MAX_EPOCHS} epochs, not {epochs!r}.")
    if imgsz is not None and (
        isinstance(imgsz, bool) or not isinstance(imgsz, int) or not MIN_IMGSZ <= imgsz <= MAX_IMGSZ or imgsz % 32
    ):
        raise InvalidInput(f"The image size must be a multiple of 32 from {MIN_IMGSZ} to {MAX_IMGSZ}, not {imgsz!r}.")
    if time_budget_min is not None and (
        isinstance(time_budget_min, bool)
        or not isinstance(time_budget_min, (int, float))
        or not 1 <= time_budget_min <= 24 * 60
    ):
        raise InvalidInput(f"The time budget must be 1 to 1440 minutes, not {time_budget_min!r}.")


def training_plan(
    data_yaml: Path, *, epochs: int | None = None, imgsz: int | None = None, time_budget_min: float | None = None
) -> custom_training.TrainingPlan:
    """What a training with these settings would do and how long it is expected to take (nothing runs)."""
    check_training_sizes(epochs, imgsz, time_budget_min)
    return custom_training.plan_training(Path(data_yaml), epochs=epochs, imgsz=imgsz, time_budget_min=time_budget_min)


def training_advice(result: TrainingResult, data_yaml: Path | None = None) -> str:
    """What would help a trained model that is not good enough (the weakest class by name, larger images)."""
    median = custom_training.median_side(custom_training.train_images(Path(data_yaml))) if data_yaml else None
    return custom_training.advice(result.metrics, None, median)


# ---- training on uploaded data: a job ----------------------------------------------------------------------


@audited("inspect.train", target="data_yaml")
def queue_training(
    store: Store,
    data_yaml: Path,
    *,
    epochs: int | None = None,
    imgsz: int | None = None,
    time_budget_min: float | None = None,
    user: str | None = None,
) -> TrainingJob:
    """Check the data and queue a training job (nothing runs yet; see `start_training` and `train_now`).

    Raises:
        InvalidInput: the epochs are out of range, the data has problems, or a training is already waiting.
    """
    check_training_sizes(epochs, imgsz, time_budget_min)
    validate(Path(data_yaml), root=_upload_root(store.settings, Path(data_yaml))).raise_if_bad()
    params = {"data_yaml": str(Path(data_yaml).resolve()), "epochs": epochs, "imgsz": imgsz}
    if time_budget_min is not None:
        params["time_budget_min"] = time_budget_min
    job_id, created = queue.enqueue(
        store,
        MODULE,
        requested_by=user or store.settings.user,
        reason=f"training on {Path(data_yaml).parent.name}, "
        + (
            f"{epochs} epochs"
            if epochs
            else f"up to {time_budget_min or custom_training.DEFAULT_TIME_BUDGET_MIN:g} min"
        ),
        kind=queue.TRAIN,
        params=params,
    )
    if not created:
        raise InvalidInput("A training is already waiting or running; stop it or wait until it is done.")
    return training_job(store, job_id)


@audited("inspect.train", target="data_yaml")
def start_training(
    store: Store,
    data_yaml: Path,
    *,
    epochs: int | None = None,
    imgsz: int | None = None,
    time_budget_min: float | None = None,
    user: str | None = None,
) -> TrainingJob:
    """Queue a training and run it in a worker process of its own; poll `training_job` for its progress."""
    job = queue_training(store, data_yaml, epochs=epochs, imgsz=imgsz, time_budget_min=time_budget_min, user=user)
    runner.start_in_background(store.settings, job.job_id)
    return job


@audited("inspect.train", target="data_yaml")
def train_now(
    store: Store,
    data_yaml: Path,
    *,
    epochs: int | None = None,
    imgsz: int | None = None,
    time_budget_min: float | None = None,
    user: str | None = None,
    progress: Progress = no_progress,
) -> TrainingResult:
    """Queue a training and run it in this process, under the same lock as any worker (the CLI's `train`).

    Raises:
        TrainingCancelledError: someone stopped it. SuiteError: it failed (the message says why).
    """
    job = queue_training(store, data_yaml, epochs=epochs, imgsz=imgsz, time_budget_min=time_budget_min, user=user)
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
        epochs=params.get("epochs"),  # None: the time budget and plateau decide (custom_training.plan_training)
        imgsz=params.get("imgsz"),  # None: picked from the photos
        time_budget_min=params.get("time_budget_min"),
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


@audited("models.cancel", target="job_id")
def cancel_training(store: Store, job_id: str, *, user: str | None = None) -> TrainingJob:
    """Stop a training: at once when it waits, after the current batch when it runs. The serving model stays."""
    training_job(store, job_id)  # NotFound for other jobs
    queue.cancel(store, job_id, by=user or store.settings.user)
    return training_job(store, job_id)


def training_result(store: Store, job_id: str) -> TrainingResult | None:
    """The version a finished training made and its scores; None while it runs or when it did not succeed."""
    training_job(store, job_id)  # NotFound for other jobs
    job = queue.get_job(store, job_id)
    outcome = job["outcome"] or {}
    if job["state"] != "succeeded" or not outcome.get("version"):
        return None
    folder = store.settings.models_dir / MODULE / outcome["version"]
    try:
        report = json.loads((folder / custom_training.METRICS_FILE).read_text())
    except (OSError, ValueError) as err:
        raise NotFound(f"The scores of version {outcome['version']} are no longer on this machine.") from err
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
    """Score the serving model on a labelled split (mAP50, mAP50-95, precision, recall, per-class AP).

    Raises:
        InvalidInput: the split is not one of the data set's, or the data has problems.
    """
    from pipelines.detector_eval import evaluate

    if split not in SPLITS:
        raise InvalidInput(f"Choose the split to score from {', '.join(SPLITS)}, not {split!r}.")
    report = validate(Path(data_yaml), root=_upload_root(settings, Path(data_yaml)))
    report.raise_if_bad()
    if not report.images.get(split):
        raise InvalidInput(f"The data set has no {split} images to score.")
    offline(settings)
    weights, version = current_model(settings)
    work = settings.module_dir(MODULE) / "runs" / f"eval-{new_id()[:12]}"
    try:
        metrics = evaluate(
            weights,
            stage_dataset(Path(data_yaml), work / "data"),
            split=split,
            imgsz=IMGSZ,
            device=settings.device,
            run_dir=work / "val",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)  # a staged copy and the scorer's files: the numbers are returned
    return Evaluation(version, split, Scores.from_dict(metrics))


# -- warm-up (suite.warmup) ------------------------------------------------------------------------------------
def warm_up(settings: Settings, store: Store) -> None:
    """Load the serving detector and run it once on a small blank image, so the first photo after start is
    checked at once; nothing is logged or kept."""
    serving_detector(settings).detect(Image.new("RGB", (64, 64), "gray"))


# -- the reviewers' inbox (suite.attention) --------------------------------------------------------------------
def waiting_reviews(store: Store, limit: int = 100) -> list:
    """Photos with a REVIEW verdict that nobody has reviewed a box of yet, newest first."""
    from suite.inspect.models import REVIEW, WaitingInspection

    waiting = []
    for r in queries.waiting_reviews(store, limit):
        boxes = [Defect(**d) for d in r["defects"] if d.get("status") == REVIEW]
        waiting.append(
            WaitingInspection(r["result_id"], r["ts"], r["image_name"], r["user"], len(boxes), r["image_path"], boxes)
        )
    return waiting
