"""Export a YOLO `.pt` once to ONNX for the CPU runtimes (`pipelines.onnx_runtime`), beside a small `export.json`.

The graph has dynamic batch, height and width, so one call takes every tile of a photo and the whole-image
pass keeps its letterboxed rectangle. Before the export is published it must give the same raw outputs as the
PyTorch model on a fixed input (float32 ONNX Runtime, max difference `MAX_DIFF` pixels/scores).

Example:
    >>> folder = export_detector(Path("best.pt"), home / "exported" / "default-2fed9a1d5c", imgsz=256)
    >>> load_detector("best.pt", version="default-2fed9a1d5c", exported=folder / "model.onnx")
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import warnings
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
MAX_DIFF = 0.05  # on box coordinates in pixels (scores differ by far less)
_lock = threading.Lock()


def exported_model(folder: Path) -> Path | None:
    """The exported model file in `folder` when the export finished, else None."""
    folder = Path(folder)
    return folder / MODEL_FILE if (folder / "export.json").exists() and (folder / MODEL_FILE).exists() else None


def export_detector(weights: Path, out_dir: Path, *, imgsz: int) -> Path | None:
    """Export `weights` into `out_dir` (skipped when it is there); None when the export cannot be used.

    Needs the `onnx` package (Ultralytics' exporter) and a runtime; Ultralytics must already be configured
    offline (`pipelines.yolo_offline.configure_offline`).
    """
    weights, out_dir = Path(weights), Path(out_dir)
    with _lock:
        if exported_model(out_dir) is not None:
            return out_dir
        tmp = out_dir.with_name(f"{out_dir.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            from ultralytics import YOLO

            shutil.copyfile(weights, tmp / "model.pt")  # the exporter writes beside its input
            model = YOLO(str(tmp / "model.pt"), task="detect")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                written = model.export(
                    format="onnx", imgsz=imgsz, dynamic=True, simplify=False, device="cpu", half=False, verbose=False
                )
            Path(written).rename(tmp / MODEL_FILE)
            (tmp / "model.pt").unlink()
            diff = _max_difference(model, tmp / MODEL_FILE, imgsz)
            if not diff <= MAX_DIFF:
                logger.warning("ONNX export of %s differs from PyTorch by %.4f; not used", weights, diff)
                return None
            meta = {"source": str(weights), "imgsz": imgsz, "names": {int(k): str(v) for k, v in model.names.items()}}
            meta["check_max_diff"] = round(float(diff), 6)
            (tmp / "export.json").write_text(json.dumps(meta, indent=2))
            shutil.rmtree(out_dir, ignore_errors=True)
            try:
                tmp.rename(out_dir)
            except OSError:  # another process finished first: keep its export
                if exported_model(out_dir) is None:
                    raise
            logger.info("exported %s to %s (max difference to PyTorch %.5f)", weights.name, out_dir, diff)
            return out_dir
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _max_difference(model, onnx_file: Path, imgsz: int) -> float:
    """Largest absolute difference of the raw outputs, PyTorch vs ONNX Runtime float32, on a fixed input."""
    import torch

    from pipelines.onnx_runtime import OnnxModel

    pixels = np.random.default_rng(0).random((2, 3, imgsz, imgsz), dtype=np.float32)
    network = model.model.float().eval()
    with torch.no_grad():
        expected = network(torch.from_numpy(pixels))
    expected = (expected[0] if isinstance(expected, (list, tuple)) else expected).numpy()
    got = OnnxModel(onnx_file, runtime="onnxruntime").run({"images": pixels})[0]  # float input: no bgr_images
    return float(np.abs(got - expected).max()) if got.shape == expected.shape else float("inf")


def load_names(folder: Path) -> dict[int, str]:
    meta = json.loads((Path(folder) / "export.json").read_text())
    return {int(k): v for k, v in meta["names"].items()}
