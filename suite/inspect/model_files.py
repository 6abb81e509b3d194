"""The model files: which detector serves (champion or the committed default), and how the default is (re)built.

`python -m suite.inspect.model_files` retrains the committed default model `suite/inspect/default_model/best.pt`
from `sample_data/inspect/defects` (seeded; 40 minutes on 2 shared CPU cores, 80 epochs). `prepare` runs the same
recipe into SUITE_HOME when the committed file is missing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from suite.errors import ModelUnavailable
from suite.inspect.models import MODULE
from suite.modules import ModelStatus
from suite.progress import Progress, no_progress
from suite.settings import Settings

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DIR = PACKAGE_DIR / "default_model"
SAMPLE_SET = PACKAGE_DIR.parent.parent / "sample_data" / "inspect" / "defects"
IMGSZ = 256
DEFAULT_EPOCHS = 80  # the committed model was trained with this recipe (see default_model/training.json):
FINE_TUNE_EPOCHS = 60  # ... then trained on from those weights (warm-up 1 epoch): val mAP50 0.749 -> 0.826,
# scratch AP50 0.364 -> 0.563 (the weak class; test 0.403 -> 0.696), 6 minutes on 2 CPU cores


def offline(settings: Settings) -> None:
    """Ultralytics' offline switches, with its config folder under SUITE_HOME (call before any YOLO use)."""
    from pipelines.yolo_offline import configure_offline

    configure_offline(settings.module_dir(MODULE) / "ultralytics")


def default_weights(settings: Settings) -> Path:
    """The committed default model, or the one `prepare` rebuilt under SUITE_HOME."""
    committed = DEFAULT_DIR / "best.pt"
    return committed if committed.exists() else settings.module_dir(MODULE) / "default_model" / "best.pt"


def file_version(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"default-{digest}"


def current_model(settings: Settings) -> tuple[Path, str]:
    """(weights, version) to serve now: the promoted champion when there is one, else the default."""
    from suite.registry import champion_dir, champion_version

    folder = champion_dir(settings, MODULE)
    if folder is not None and (folder / "best.pt").exists():
        return folder / "best.pt", str(champion_version(settings, MODULE))
    weights = default_weights(settings)
    if not weights.exists():
        raise ModelUnavailable(
            "The inspection model is not on this machine yet. Run `make prepare` (or `suite prepare`)."
        )
    return weights, _cached_version(weights)


def model_status(settings: Settings) -> list[ModelStatus]:
    try:
        weights, version = current_model(settings)
    except ModelUnavailable:
        weights, version = default_weights(settings), None
    return [ModelStatus(MODULE, "YOLOv8n defect detector", version, str(weights), weights.exists())]


_versions: dict[tuple[str, float], str] = {}


def _cached_version(path: Path) -> str:
    key = (str(path), path.stat().st_mtime)
    if key not in _versions:
        _versions[key] = file_version(path)
    return _versions[key]


def get_detector(settings: Settings):
    """The serving detector: `local_detector` in this process, or its Ray Serve deployment when
    SUITE_RAY_ADDRESS is set (`pipelines.serving`); either returns the same `DetectionResult`s."""
    from pipelines.serving import served
    from suite.registry import champion_version

    version = champion_version(settings, MODULE) or "default"
    return served(settings, kind="image", module=MODULE, version=version, local=local_detector)


def local_detector(settings: Settings):
    """The serving detector in this process, checked against the champion pointer on every call (cheap).

    On the CPU it runs the model's ONNX export (made once, see `exported_weights`) when a runtime is installed.
    """
    from pipelines.detector import load_detector

    offline(settings)
    weights, version = current_model(settings)
    exported = exported_weights(settings, weights, version)
    return load_detector(weights, version=version, device=settings.device, exported=exported)


def exported_weights(settings: Settings, weights: Path, version: str) -> Path | None:
    """The ONNX export of `weights` under SUITE_HOME/inspect/exported/<version>/, made on first use.

    None on a GPU (PyTorch serves there), without an ONNX runtime, or when the export failed (logged).
    """
    from pipelines.device import resolve_device
    from pipelines.onnx_runtime import available_runtime

    if resolve_device(settings.device) != "cpu" or available_runtime() is None:
        return None
    from pipelines.detector_export import export_detector, exported_model

    name = "".join(c if c.isalnum() or c in ".-_" else "-" for c in version)[:120] or "model"
    folder = settings.module_dir(MODULE) / "exported" / name
    found = exported_model(folder)
    if found is not None:
        return found

    def build() -> Path | None:
        offline(settings)
        try:
            export_detector(weights, folder, imgsz=IMGSZ)
        except Exception as err:  # noqa: BLE001 - no onnx package, an exporter error: PyTorch still serves
            logger.warning("could not export %s to ONNX (%s); serving it with PyTorch", weights, err)
        return exported_model(folder)

    from pipelines.loading import load_once

    # tried once per process and version: a failed export does not cost every request a new attempt
    return load_once(("inspect-export", str(folder)), build)


def prepare_exported(settings: Settings) -> None:
    """Export the serving model for the CPU now (what `suite prepare` calls), so no request waits for it."""
    try:
        weights, version = current_model(settings)
    except ModelUnavailable:
        return
    exported_weights(settings, weights, version)


def build_default_model(
    settings: Settings,
    out_path: Path | None = None,
    *,
    epochs: int = DEFAULT_EPOCHS,
    fine_tune_epochs: int = FINE_TUNE_EPOCHS,
    progress: Progress = no_progress,
) -> dict:
    """Train the default detector from the sample set (seeded) and save it; returns timing and test metrics.

    Two stages: `epochs` from the YOLOv8n architecture, then `fine_tune_epochs` more from the best weights of the
    first (a fresh schedule: the thin scratches keep improving long after the first schedule has decayed).
    """
    from pipelines.detector_eval import evaluate
    from pipelines.detector_training import train
    from suite.inspect.dataset import stage_dataset

    offline(settings)
    out_path = out_path or settings.module_dir(MODULE) / "default_model" / "best.pt"
    work = settings.module_dir(MODULE) / "runs" / f"default-{int(time.time())}"
    data = stage_dataset(SAMPLE_SET / "data.yaml", work / "data")
    started = time.perf_counter()
    stages: dict[str, dict] = {}
    best = train(
        data,
        work / "train",
        epochs=epochs,
        imgsz=IMGSZ,
        device=settings.device,
        seed=6,
        on_epoch=lambda r: progress(r.epoch, r.epochs, f"epoch {r.epoch}/{r.epochs} loss {r.loss:.2f}"),
    )
    stages["from the architecture"] = _stage(started)
    if fine_tune_epochs:
        tuning = time.perf_counter()
        best = train(
            data,
            work / "fine_tune",
            epochs=fine_tune_epochs,
            imgsz=IMGSZ,
            base=best,
            device=settings.device,
            seed=6,
            warmup_epochs=1,
            patience=50,
            on_epoch=lambda r: progress(r.epoch, r.epochs, f"fine-tune epoch {r.epoch}/{r.epochs} loss {r.loss:.2f}"),
        )
        stages["fine-tune"] = _stage(tuning)
    seconds = time.perf_counter() - started
    metrics = evaluate(best, data, split="test", imgsz=IMGSZ, device=settings.device, run_dir=work / "test")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".tmp")
    shutil.copyfile(best, tmp)
    os.replace(tmp, out_path)
    report = {
        "epochs": epochs,
        "fine_tune_epochs": fine_tune_epochs,
        "train_seconds": round(seconds, 1),
        "stages": stages,
        "device": settings.device,
        "test": metrics,
    }
    out_path.with_name("training.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def _stage(started: float) -> dict:
    """One training stage's seconds, and the day it finished (the committed model's stages ran on different days)."""
    return {"seconds": round(time.perf_counter() - started, 1), "finished": f"{datetime.now(UTC):%Y-%m-%d}"}


if __name__ == "__main__":
    import argparse

    logging.basicConfig(level=logging.INFO)
    parser = argparse.ArgumentParser(description="Retrain the committed default inspection model.")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    parser.add_argument("--fine-tune-epochs", type=int, default=FINE_TUNE_EPOCHS)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR / "best.pt")
    args = parser.parse_args()
    result = build_default_model(
        Settings.from_env(), args.out, epochs=args.epochs, fine_tune_epochs=args.fine_tune_epochs
    )
    logger.info("default model: %s", json.dumps(result))
