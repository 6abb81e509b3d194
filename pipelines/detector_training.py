"""Train a YOLO detector (from its YAML architecture or by fine-tuning a `.pt`), with epoch reports and a stop switch.

Example:
    >>> best = train(Path("data/data.yaml"), Path("runs/train"), epochs=2, on_epoch=print, should_stop=lambda: False)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.device import resolve_device


class TrainingCancelled(Exception):
    """Raised inside a training callback when `should_stop()` turned true."""


@dataclass(frozen=True)
class EpochReport:
    epoch: int  # 1-based
    epochs: int
    loss: float
    map50: float | None


def train(
    data_yaml: Path,
    run_dir: Path,
    *,
    epochs: int = 30,
    imgsz: int = 256,
    batch: int = 16,
    base: str | Path = "yolov8n.yaml",
    device: str | None = None,
    seed: int = 0,
    on_epoch: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    **overrides: Any,
) -> Path:
    """Train a detector from a YAML architecture (no pretrained weights) or from a `.pt` to fine-tune.

    `should_stop` is asked after every batch and every epoch. Returns the path of the best weights.

    Raises:
        TrainingCancelled: `should_stop()` turned true; the run folder holds only partial files.
    """
    from ultralytics import YOLO

    device = resolve_device(device)
    model = YOLO(str(base), task="detect")

    def check_stop(trainer: Any) -> None:
        if should_stop is not None and should_stop():
            raise TrainingCancelled("training was cancelled")

    def epoch_end(trainer: Any) -> None:
        if on_epoch is not None and trainer.epoch < trainer.epochs:  # it fires once more after the final val
            tloss = trainer.tloss
            if isinstance(tloss, dict):
                loss = float(sum(float(v) for v in tloss.values()))
            else:
                loss = float(tloss.sum()) if tloss is not None else float("nan")
            map50 = trainer.metrics.get("metrics/mAP50(B)") if trainer.metrics else None
            on_epoch(EpochReport(trainer.epoch + 1, trainer.epochs, loss, map50))
        check_stop(trainer)

    model.add_callback("on_train_batch_end", check_stop)
    model.add_callback("on_fit_epoch_end", epoch_end)
    run_dir = Path(run_dir)
    fine_tune = str(base).endswith(".pt")
    args = dict(
        data=str(data_yaml),
        epochs=epochs,
        imgsz=imgsz,
        batch=batch,
        workers=0,
        device=0 if device == "cuda" else "cpu",
        amp=device == "cuda",
        plots=False,
        # a .pt base is fine-tuned (its weights kept, no warm-up burst); a .yaml base starts from scratch
        pretrained=fine_tune,
        project=str(run_dir.parent),
        name=run_dir.name,
        exist_ok=True,
        seed=seed,
        deterministic=False,
        verbose=False,
        val=True,
        # surfaces have no "up": flips in both directions are free extra data
        flipud=0.5,
        mosaic=1.0,
        close_mosaic=max(1, epochs // 5),
    )
    if fine_tune:
        args["warmup_epochs"] = 0
    args.update(overrides)
    model.train(**args)
    best = run_dir / "weights" / "best.pt"
    if not best.exists():
        best = run_dir / "weights" / "last.pt"
    return best
