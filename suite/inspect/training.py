"""Train the inspector on a user's labelled images; the result becomes a registry version (never served directly).

Every run is recorded in `inspect_training_runs` (done, failed or cancelled). Only a finished, evaluated
run reaches the registry, which moves its folder into place and applies the promotion rule.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suite.errors import InvalidInput, SuiteError
from suite.inspect.dataset import validate
from suite.inspect.models import IMGSZ, MODULE, SAMPLE_SET, current_model, offline, stage_dataset
from suite.progress import Progress, no_progress
from suite.store import Store, new_id, now, to_json
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)


class TrainingCancelledError(SuiteError):
    """The user stopped the training; nothing was registered."""


@dataclass
class TrainingResult:
    run_id: str
    version: str | None
    status: str  # registry status: challenger / rejected / champion
    metrics: dict[str, Any]
    champion_metrics: dict[str, Any]
    history: list[dict] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)  # test images where a labelled defect was not found
    seconds: float = 0.0
    gate: dict = field(default_factory=dict)


def cancel_flag(store: Store, run_id: str) -> Path:
    return store.settings.module_dir(MODULE) / "runs" / run_id / "CANCEL"


def request_cancel(store: Store, run_id: str) -> None:
    """Ask a running training to stop after its current batch."""
    flag = cancel_flag(store, run_id)
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.write_text("cancel\n")


def train_version(
    store: Store,
    data_yaml: Path,
    *,
    epochs: int = 30,
    imgsz: int = IMGSZ,
    user: str | None = None,
    progress: Progress = no_progress,
    on_epoch: Callable[[dict], None] | None = None,
    run_id: str | None = None,
    fine_tune: bool = True,
) -> TrainingResult:
    """Validate, train, evaluate on the data set's test split (val if none) and register the new version.

    Fine-tunes the serving model when the classes match (fast); otherwise trains from the YOLO architecture.
    Raises InvalidInput with the list of problems if the data set is not usable.
    """
    from pipelines.detector import EpochReport, TrainingCancelled, evaluate, train

    if epochs < 1 or epochs > 500:
        raise InvalidInput("Choose between 1 and 500 epochs.")
    report = validate(Path(data_yaml))
    report.raise_if_bad()
    settings = store.settings
    offline(settings)
    run_id = run_id or new_id()[:12]
    work = settings.module_dir(MODULE) / "runs" / run_id
    data = stage_dataset(Path(data_yaml), work / "data")
    split = "test" if report.images.get("test") else "val"
    champion_weights, champion_version = current_model(settings)
    from ultralytics import YOLO

    same_classes = list(YOLO(str(champion_weights)).names.values()) == report.classes
    base = champion_weights if (fine_tune and same_classes) else "yolov8n.yaml"
    history: list[dict] = []
    flag = cancel_flag(store, run_id)
    started_at, started = now(), time.perf_counter()

    def epoch_done(r: EpochReport) -> None:
        row = {"epoch": r.epoch, "epochs": r.epochs, "loss": round(r.loss, 4), "map50": r.map50}
        history.append(row)
        progress(r.epoch, r.epochs, f"epoch {r.epoch}/{r.epochs}, loss {r.loss:.2f}, mAP50 {r.map50 or 0:.2f}")
        if on_epoch is not None:
            on_epoch(row)

    state, error, result = "failed", None, None
    try:
        progress(0, epochs, "starting")
        best = train(
            data,
            work / "train",
            epochs=epochs,
            imgsz=imgsz,
            base=base,
            device=settings.device,
            on_epoch=epoch_done,
            should_stop=flag.exists,
        )
        progress(epochs, epochs, "evaluating")
        metrics = evaluate(best, data, split=split, imgsz=imgsz, device=settings.device, run_dir=work / "eval")
        champion = (
            evaluate(
                champion_weights, data, split=split, imgsz=imgsz, device=settings.device, run_dir=work / "eval-champion"
            )
            if same_classes
            else {}
        )
        artifact = work / "artifact"
        artifact.mkdir(exist_ok=True)
        shutil.copyfile(best, artifact / "best.pt")
        (artifact / "metrics.json").write_text(json.dumps({"test": metrics, "history": history}, indent=2))
        outcome = TrainingOutcome(
            module=MODULE,
            artifact_dir=artifact,
            primary_metric="map50",
            higher_is_better=True,
            challenger_metrics=_flat(metrics),
            champion_metrics=_flat(champion),
            trained_on={"data": str(data_yaml), "epochs": epochs, "imgsz": imgsz, "base": str(base)},
            notes=f"trained on {report.images.get('train', 0)} images; evaluated on the {split} split",
        )
        from suite.registry.versions import register_outcome

        registered = register_outcome(store, outcome, job_id=run_id)
        result = TrainingResult(
            run_id=run_id,
            version=registered["version"],
            status=registered["status"],
            metrics=metrics,
            champion_metrics={**champion, "version": champion_version},
            history=history,
            misses=find_misses(settings, data, split, registered["version"]),
            seconds=round(time.perf_counter() - started, 1),
            gate=registered["gate"],
        )
        state = "done"
        return result
    except TrainingCancelled as err:
        state, error = "cancelled", "cancelled by the user"
        raise TrainingCancelledError("Training was cancelled; no new model version was made.") from err
    except BaseException as err:  # a Streamlit rerun or Ctrl-C also ends here: record it, keep nothing half-made
        state, error = ("cancelled", "interrupted") if not isinstance(err, Exception) else ("failed", str(err))
        raise
    finally:
        store.journal_row(
            "inspect_training_runs",
            {
                "run_id": run_id,
                "started_at": started_at.isoformat(),
                "finished_at": now().isoformat(),
                "user": user or settings.user,
                "state": state,
                "data_path": str(data_yaml),
                "epochs": epochs,
                "imgsz": imgsz,
                "version": result.version if result else None,
                "metrics": to_json(result.metrics) if result else None,
                "history": to_json(history),
                "error": error and error[:2000],
            },
        )


def _flat(metrics: dict) -> dict[str, float]:
    flat = {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}
    flat.update({f"ap50_{k}": float(v) for k, v in metrics.get("per_class_ap50", {}).items()})
    return flat


def find_misses(settings, data_yaml: Path, split: str, version: str | None, limit: int = 6) -> list[dict]:
    """Test images where a labelled defect got no box of the same class (IoU >= 0.3): the result card shows them."""
    if version is None:
        return []
    import yaml
    from PIL import Image

    from pipelines.detector import load_detector

    weights = settings.models_dir / MODULE / version / "best.pt"
    if not weights.exists():
        return []
    detector = load_detector(weights, version=version, device=settings.device)
    spec = yaml.safe_load(Path(data_yaml).read_text())
    folder = Path(spec["path"]) / spec[split]
    names = detector.names
    misses = []
    for image_path in sorted(folder.iterdir()):
        label = image_path.parent.parent.parent / "labels" / folder.name / (image_path.stem + ".txt")
        if not label.exists() or not label.read_text().strip():
            continue
        with Image.open(image_path) as img:
            w, h = img.size
            found = detector.detect(img.convert("RGB")).detections
        for line in label.read_text().splitlines():
            cls, x, y, bw, bh = (float(v) for v in line.split())
            truth = [(x - bw / 2) * w, (y - bh / 2) * h, (x + bw / 2) * w, (y + bh / 2) * h]
            hit = any(d.class_id == int(cls) and d.confidence >= 0.25 and _iou(d.box, truth) >= 0.3 for d in found)
            if not hit:
                misses.append({"image": str(image_path), "class": names.get(int(cls), str(cls)), "box": truth})
        if len(misses) >= limit:
            break
    return misses[:limit]


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def default_data_yaml() -> Path:
    return SAMPLE_SET / "data.yaml"
