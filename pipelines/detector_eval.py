"""Score YOLO weights on one split of a YOLO data set (mAP50, mAP50-95, precision, recall, per-class AP).

Example:
    >>> evaluate(Path("best.pt"), Path("data/data.yaml"), split="test")["map50"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.device import half_precision, resolve_device


def evaluate(
    weights: Path,
    data_yaml: Path,
    *,
    split: str = "test",
    imgsz: int = 256,
    device: str | None = None,
    run_dir: Path | None = None,
) -> dict[str, Any]:
    """mAP50, mAP50-95, precision, recall and per-class AP50 / AP50-95 of `weights` on one split."""
    from ultralytics import YOLO

    device = resolve_device(device)
    model = YOLO(str(weights), task="detect")
    kwargs: dict[str, Any] = {}
    if run_dir is not None:
        kwargs = {"project": str(Path(run_dir).parent), "name": Path(run_dir).name, "exist_ok": True}
    metrics = model.val(
        data=str(data_yaml),
        split=split,
        imgsz=imgsz,
        batch=8,
        workers=0,
        device=0 if device == "cuda" else "cpu",
        plots=False,
        verbose=False,
        **kwargs,
        **({"half": True} if half_precision(device) else {}),
    )
    box = metrics.box
    names = model.names
    classes = [str(names[int(c)]) for c in box.ap_class_index]
    return {
        "map50": float(box.map50),
        "map50_95": float(box.map),
        "precision": float(box.mp),
        "recall": float(box.mr),
        "per_class_ap50": {name: float(box.ap50[i]) for i, name in enumerate(classes)},
        "per_class_ap50_95": {name: float(box.ap[i]) for i, name in enumerate(classes)},
    }
