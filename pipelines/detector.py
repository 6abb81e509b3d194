"""Ultralytics YOLO behind one verb, `detect`, that never touches the network.

Example:
    >>> detector = load_detector("suite/inspect/default_model/best.pt", version="default-1", device="cpu")
    >>> result = detector.detect(Image.open("part.jpg"))
    >>> [(d.class_name, round(d.confidence, 2), d.box) for d in result.detections]

Large images are cut into overlapping tiles at native resolution (small flaws stay visible), plus one pass
over the whole image (large defects), and the boxes are merged with class-wise NMS; `DetectOptions.tile`
decides by image size unless forced.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.device import half_precision, resolve_device
from pipelines.loading import load_once

logger = logging.getLogger(__name__)

# Every Ultralytics integration that may phone home or log to a service; all switched off.
_OFF_SETTINGS = ("sync", "hub", "api_key", "clearml", "comet", "dvc", "mlflow", "neptune", "raytune", "tensorboard")


def configure_offline(config_dir: Path) -> None:
    """Make Ultralytics work without the network. Call before importing it (idempotent).

    Sets YOLO_OFFLINE (no online check, no analytics), YOLO_AUTOINSTALL=false (no pip), a config folder
    of ours, a local copy of a TTF font as Arial.ttf (dataset checks download it otherwise), and turns off
    settings sync, hub and experiment-tracker callbacks.
    """
    config_dir = Path(config_dir)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))
    os.environ.setdefault("YOLO_VERBOSE", "False")  # its logger writes to stdout, where the CLI prints JSON
    font_dir = Path(os.environ["YOLO_CONFIG_DIR"]) / "Ultralytics"
    font_dir.mkdir(parents=True, exist_ok=True)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        target = font_dir / name
        if not target.exists():
            import matplotlib

            shutil.copyfile(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf", target)
    from ultralytics import settings as yolo_settings
    from ultralytics.utils import LOGGER

    for handler in LOGGER.handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stdout:
            handler.setStream(sys.stderr)

    try:  # on a non-image, Ultralytics' patched Image.open tries to install pi-heif: never do that
        from ultralytics.utils import patches

        patches._pil_plugins_registered = True
    except (ImportError, AttributeError):
        pass
    changes = {key: (False if key != "api_key" else "") for key in _OFF_SETTINGS if key in yolo_settings}
    if any(yolo_settings.get(key) != value for key, value in changes.items()):
        yolo_settings.update(changes)


@dataclass(frozen=True)
class Detection:
    class_id: int
    class_name: str
    confidence: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels of the image as the user sees it

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass
class DetectOptions:
    """How to run detection.

    Attributes:
        min_confidence: boxes below this are dropped (keep it low; verdict thresholds are applied later).
        imgsz: network input size for whole-image inference.
        tile: "auto" (tile when the longest side exceeds `tile_above`), "always" or "never".
        tile_size / tile_overlap: tiles at native resolution, overlapping so a flaw on a seam is whole in one.
        whole_pass: with tiles, also look at the whole (downscaled) image for defects larger than a tile.
        max_side: larger images are downscaled to this first (a 12,000 px photo must not run out of memory).
    """

    min_confidence: float = 0.1
    iou: float = 0.5
    imgsz: int = 256
    tile: str = "auto"
    tile_above: int = 1000
    tile_size: int = 256
    tile_overlap: int = 48
    max_side: int = 6000
    batch: int = 16
    whole_pass: bool = True


@dataclass
class DetectionResult:
    detections: list[Detection]
    width: int
    height: int
    model_name: str
    model_version: str
    device: str
    tiled: bool = False
    tiles: int = 1
    scale: float = 1.0  # <1 when the image was downscaled before detection (boxes are in original pixels)
    elapsed_ms: float = 0.0
    options: DetectOptions = field(default_factory=DetectOptions)


class Detector:
    """A loaded YOLO model; construct it through `load_detector` so each weights file loads once."""

    def __init__(self, weights: str | Path, *, version: str, device: str | None = None) -> None:
        self.weights = Path(weights)
        self.model_version = version
        self.model_name = f"yolo:{self.weights.name}"
        self.device = resolve_device(device)
        self.half = half_precision(self.device)
        self._model: Any = None

    def warm_up(self) -> Detector:
        if self._model is None:
            from ultralytics import YOLO

            self._model = YOLO(str(self.weights), task="detect")
            self._model.to(self.device)
        return self

    @property
    def names(self) -> dict[int, str]:
        return dict(self.warm_up()._model.names)

    def detect(self, image: np.ndarray | Any, options: DetectOptions | None = None) -> DetectionResult:
        """Find defects in one RGB image (PIL image or HxWx3 uint8 RGB array)."""
        options = options or DetectOptions()
        self.warm_up()
        started = time.perf_counter()
        rgb = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image, dtype=np.uint8)
        height, width = rgb.shape[:2]
        scale = min(1.0, options.max_side / max(height, width))
        if scale < 1.0:
            from PIL import Image

            small = Image.fromarray(rgb).resize((round(width * scale), round(height * scale)), Image.BILINEAR)
            rgb = np.asarray(small)
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        longest = max(bgr.shape[:2])
        tiled = options.tile == "always" or (options.tile == "auto" and longest > options.tile_above)
        if tiled:
            boxes = self._detect_tiled(bgr, options)
            tiles = len(_tile_origins(bgr.shape[1], bgr.shape[0], options.tile_size, options.tile_overlap))
        else:
            boxes, tiles = self._predict([bgr], options, options.imgsz)[0], 1
        names = self._model.names
        detections = [
            Detection(int(c), str(names[int(c)]), float(s), tuple(float(v) / scale for v in xyxy))
            for *xyxy, s, c in boxes.tolist()
        ]
        detections.sort(key=lambda d: -d.confidence)
        return DetectionResult(
            detections=detections,
            width=width,
            height=height,
            model_name=self.model_name,
            model_version=self.model_version,
            device=self.device,
            tiled=tiled,
            tiles=tiles,
            scale=scale,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            options=options,
        )

    def _predict(self, images: list[np.ndarray], options: DetectOptions, imgsz: int) -> list[np.ndarray]:
        """Rows of (x1, y1, x2, y2, confidence, class) per image."""
        results = self._model.predict(
            images,
            imgsz=imgsz,
            conf=options.min_confidence,
            iou=options.iou,
            device=self.device,
            verbose=False,
            **({"half": True} if self.half else {}),
        )
        return [r.boxes.data.cpu().numpy().reshape(-1, 6) for r in results]

    def _detect_tiled(self, bgr: np.ndarray, options: DetectOptions) -> np.ndarray:
        height, width = bgr.shape[:2]
        size = options.tile_size
        origins = _tile_origins(width, height, size, options.tile_overlap)
        found = []
        for start in range(0, len(origins), options.batch):
            chunk = origins[start : start + options.batch]
            tiles = [bgr[y : y + size, x : x + size] for x, y in chunk]
            for (x, y), rows in zip(chunk, self._predict(tiles, options, size), strict=True):
                rows[:, [0, 2]] += x
                rows[:, [1, 3]] += y
                found.append(rows)
        if options.whole_pass:  # tiles cut a defect larger than a tile into pieces; the whole view sees it
            found.append(self._predict([bgr], options, options.imgsz)[0])
        rows = np.concatenate(found) if found else np.zeros((0, 6), dtype=np.float32)
        return merge_boxes(rows, options.iou)


def _tile_origins(width: int, height: int, size: int, overlap: int) -> list[tuple[int, int]]:
    def starts(length: int) -> list[int]:
        if length <= size:
            return [0]
        step = size - overlap
        points = list(range(0, length - size, step))
        return points + [length - size]

    return [(x, y) for y in starts(height) for x in starts(width)]


def merge_boxes(rows: np.ndarray, iou: float) -> np.ndarray:
    """Class-wise NMS across tiles, then drop boxes mostly inside a higher-scoring box of the same class
    (a flaw cut by a tile edge leaves a fragment that plain IoU does not catch)."""
    if len(rows) == 0:
        return rows
    import torch
    from torchvision.ops import batched_nms

    tensor = torch.from_numpy(rows.astype(np.float32))
    keep = batched_nms(tensor[:, :4], tensor[:, 4], tensor[:, 5].long(), iou)
    kept = rows[keep.numpy()]
    out: list[np.ndarray] = []
    for row in kept:  # already sorted by score
        inside = False
        for other in out:
            if other[5] != row[5]:
                continue
            ix = max(0.0, min(row[2], other[2]) - max(row[0], other[0]))
            iy = max(0.0, min(row[3], other[3]) - max(row[1], other[1]))
            area = max((row[2] - row[0]) * (row[3] - row[1]), 1e-6)
            if ix * iy / area > 0.6:
                inside = True
                break
        if not inside:
            out.append(row)
    return np.stack(out)


def load_detector(weights: str | Path, *, version: str, device: str | None = None) -> Detector:
    """The detector for these weights, loaded once per process and device."""
    device = resolve_device(device)
    return load_once(
        ("detector", str(weights), version, device), lambda: Detector(weights, version=version, device=device).warm_up()
    )


# ---- training and evaluation ----------------------------------------------------------------------------


class TrainingCancelled(Exception):
    """Raised inside a training callback when the user cancels."""


@dataclass
class EpochReport:
    epoch: int
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

    Returns the path of the best weights. Raises TrainingCancelled when `should_stop()` turns true.
    """
    from ultralytics import YOLO

    device = resolve_device(device)
    model = YOLO(str(base), task="detect")

    def batch_end(trainer: Any) -> None:
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

    model.add_callback("on_train_batch_end", batch_end)
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


def evaluate(
    weights: Path,
    data_yaml: Path,
    *,
    split: str = "test",
    imgsz: int = 256,
    device: str | None = None,
    run_dir: Path | None = None,
) -> dict[str, Any]:
    """mAP50, mAP50-95, precision, recall and per-class AP50 of `weights` on one split of a YOLO data set."""
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
