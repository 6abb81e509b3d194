"""Ultralytics YOLO behind one verb, `detect`, that never touches the network (see `pipelines.yolo_offline`).

Example:
    >>> detector = load_detector("suite/inspect/default_model/best.pt", version="default-1", device="cpu")
    >>> result = detector.detect(Image.open("part.jpg"))
    >>> [(d.class_name, round(d.confidence, 2), d.box) for d in result.detections]

Large images are cut into overlapping tiles at native resolution (small flaws stay visible), plus one pass
over the whole image (large defects), and the boxes are merged with class-wise NMS; `DetectOptions.tile`
decides by image size unless forced. The tiles are as few and as large as `tile_size` allows, spread evenly
so that they overlap by at least `tile_overlap` and cover the photo with little repeated area (a 3000x2000
photo: 8 tiles of 800x1024, 1.09x its pixels, where 150 tiles of 256 px looked at 1.64x). All tiles of a
photo go through the network in one call (up to `DetectOptions.max_batch_pixels`). Training is
`pipelines.detector_training`, scoring `pipelines.detector_eval`.

On the CPU, a model exported to ONNX (`pipelines.detector_export`, passed as `exported`) runs on OpenVINO or
ONNX Runtime (`pipelines.onnx_runtime`) with the same letterbox, NMS and box scaling as Ultralytics' predictor;
on a GPU, or without an export, the PyTorch model serves (`Detector.runtime` says which).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.boxes import merge_boxes
from pipelines.device import half_precision, resolve_device
from pipelines.loading import load_once

logger = logging.getLogger(__name__)


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
        tile_size: the longest tile side, at native resolution (the network is fully convolutional: a larger
            tile sees the same pixels at the same scale, and fewer tiles repeat fewer overlapping pixels).
        tile_overlap: the least overlap of neighbouring tiles, so a flaw on a seam is whole in one of them.
        whole_pass: with tiles, also look at the whole (downscaled) image for defects larger than a tile.
        max_side: larger images are downscaled to this first (a 12,000 px photo must not run out of memory).
        batch: at most this many tiles per network call.
        max_batch_pixels: and at most this many tile pixels per call (bounds memory: 160 tiles of 256 px).
    """

    min_confidence: float = 0.1
    iou: float = 0.5
    imgsz: int = 256
    tile: str = "auto"
    tile_above: int = 1000
    tile_size: int = 1024
    tile_overlap: int = 48
    max_side: int = 6000
    batch: int = 160
    max_batch_pixels: int = 160 * 256 * 256  # all 8 tiles of a 3000x2000 photo in one call
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
    runtime: str = "torch"  # or the exported model's runtime, e.g. "openvino-bf16"


class Detector:
    """A loaded YOLO model; construct it through `load_detector` so each weights file loads once."""

    def __init__(
        self,
        weights: str | Path,
        *,
        version: str,
        device: str | None = None,
        exported: str | Path | None = None,
        runtime: str = "auto",
    ) -> None:
        self.weights = Path(weights)
        self.model_version = version
        self.model_name = f"yolo:{self.weights.name}"
        self.device = resolve_device(device)
        self.half = half_precision(self.device)
        self.exported = Path(exported) if exported else None
        self._wanted_runtime = runtime  # "auto", "openvino" or "onnxruntime" for the exported model
        self.runtime = "torch"
        self._model: Any = None
        self._onnx: Any = None
        self._names: dict[int, str] = {}

    def warm_up(self) -> Detector:
        if self._model is not None or self._onnx is not None:
            return self
        if self.exported is not None and self.device == "cpu":
            try:
                from pipelines.detector_export import load_names
                from pipelines.onnx_runtime import OnnxModel

                self._onnx = OnnxModel(self.exported, runtime=self._wanted_runtime, bgr_images=True)
                self._names = load_names(self.exported.parent)
                self.runtime = self._onnx.name
                return self
            except Exception as err:  # noqa: BLE001 - a missing runtime or a bad file: PyTorch still works
                logger.warning("cannot run %s (%s); using the PyTorch model", self.exported, err)
                self._onnx = None
        from ultralytics import YOLO

        self._model = YOLO(str(self.weights), task="detect")
        self._model.to(self.device)
        self._names = {int(k): str(v) for k, v in self._model.names.items()}
        self.runtime = "torch"
        return self

    @property
    def names(self) -> dict[int, str]:
        return dict(self.warm_up()._names)

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
            boxes, tiles = self._detect_tiled(bgr, options)
        else:
            boxes, tiles = self._predict([bgr], options, options.imgsz)[0], 1
        names = self._names
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
            runtime=self.runtime,
        )

    def _predict(
        self, images: list[np.ndarray], options: DetectOptions, imgsz: int | tuple[int, int]
    ) -> list[np.ndarray]:
        """Rows of (x1, y1, x2, y2, confidence, class) per image; `imgsz` a side or (height, width)."""
        if self._onnx is not None:
            return self._predict_exported(images, options, imgsz)
        results = self._model.predict(
            images,
            imgsz=list(imgsz) if isinstance(imgsz, tuple) else imgsz,
            conf=options.min_confidence,
            iou=options.iou,
            device=self.device,
            verbose=False,
            **({"half": True} if self.half else {}),
        )
        return [r.boxes.data.cpu().numpy().reshape(-1, 6) for r in results]

    def _predict_exported(
        self, images: list[np.ndarray], options: DetectOptions, imgsz: int | tuple[int, int]
    ) -> list[np.ndarray]:
        """`_predict` on the exported model, in one call: Ultralytics' letterbox, NMS and box scaling."""
        import torch
        from ultralytics.data.augment import LetterBox
        from ultralytics.utils import nms, ops

        shape = tuple(imgsz) if isinstance(imgsz, tuple) else (imgsz, imgsz)
        same = len({im.shape for im in images}) == 1
        if same and images[0].shape[:2] == shape:  # tiles: already the network's size
            batch = np.stack(images)
        else:  # as the predictor does: a rectangle padded to the stride when the shapes agree, else a square
            letterbox = LetterBox(shape, auto=same, stride=32)
            batch = np.stack([letterbox(image=im) for im in images])
        raw = self._onnx.run({"images": batch})[0]  # uint8 BGR; the runtime makes it float RGB NCHW
        kept = nms.non_max_suppression(torch.from_numpy(raw), options.min_confidence, options.iou, max_det=300)
        rows = []
        for found, image in zip(kept, images, strict=True):
            found[:, :4] = ops.scale_boxes(batch.shape[1:3], found[:, :4], image.shape)
            rows.append(found.numpy().reshape(-1, 6))
        return rows

    def _detect_tiled(self, bgr: np.ndarray, options: DetectOptions) -> tuple[np.ndarray, int]:
        height, width = bgr.shape[:2]
        (tile_w, xs), (tile_h, ys) = (tile_layout(n, options.tile_size, options.tile_overlap) for n in (width, height))
        if (tile_h, tile_w) != (height, width) and (tile_h > height or tile_w > width):  # a side below one tile
            bgr = np.pad(bgr, ((0, max(0, tile_h - height)), (0, max(0, tile_w - width)), (0, 0)), constant_values=114)
        origins = [(x, y) for y in ys for x in xs]
        per_call = max(1, min(options.batch, options.max_batch_pixels // (tile_h * tile_w)))
        found = []
        for start in range(0, len(origins), per_call):
            chunk = origins[start : start + per_call]
            tiles = [bgr[y : y + tile_h, x : x + tile_w] for x, y in chunk]
            for (x, y), rows in zip(chunk, self._predict(tiles, options, (tile_h, tile_w)), strict=True):
                rows[:, [0, 2]] += x
                rows[:, [1, 3]] += y
                found.append(rows)
        if options.whole_pass:  # tiles cut a defect larger than a tile into pieces; the whole view sees it
            found.append(self._predict([bgr[:height, :width]], options, options.imgsz)[0])
        rows = np.concatenate(found) if found else np.zeros((0, 6), dtype=np.float32)
        rows[:, [0, 2]] = rows[:, [0, 2]].clip(0, width)  # boxes in the padding of a short side end at the edge
        rows[:, [1, 3]] = rows[:, [1, 3]].clip(0, height)
        return merge_boxes(rows, options.iou), len(origins)


def tile_layout(length: int, size: int, overlap: int, stride: int = 32) -> tuple[int, list[int]]:
    """(tile length, starts) along one side: the fewest tiles of at most `size` (a multiple of `stride`) that
    overlap by at least `overlap`, spread evenly so that the last one ends at the edge.

    >>> tile_layout(3000, 1024, 48)
    (800, [0, 733, 1467, 2200])
    """
    size = max(stride, size // stride * stride)
    if length <= size:
        return -(-length // stride) * stride, [0]
    count = -(-(length - overlap) // (size - overlap))
    tile = -(-(length + (count - 1) * overlap) // count)
    tile = min(size, -(-tile // stride) * stride)
    return tile, [round(i * (length - tile) / (count - 1)) for i in range(count)]


def load_detector(
    weights: str | Path, *, version: str, device: str | None = None, exported: str | Path | None = None
) -> Detector:
    """The detector for these weights, loaded once per process and device (`exported`: its ONNX file, for CPUs)."""
    device = resolve_device(device)
    return load_once(
        ("detector", str(weights), version, device, str(exported or "")),
        lambda: Detector(weights, version=version, device=device, exported=exported).warm_up(),
    )
