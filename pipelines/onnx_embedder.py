"""`OnnxEncoder`: the interface `pipelines.embedder.TextEmbedder` uses for its "onnx" / "onnx-int8" backends.

The export, its check against PyTorch and the runtimes live in `pipelines.onnx_text` and `pipelines.onnx_runtime`
(shared with the risk classifier): "onnx" runs the float graph (OpenVINO: bfloat16 on CPUs with AMX, else float32;
ONNX Runtime float32 without OpenVINO), "onnx-int8" the per-channel int8 graph on ONNX Runtime.

Example:
    >>> encoder = OnnxEncoder.export(bundled_model_path(), cache_dir, version="bundled-0.1.0")
    >>> encoder.encode(["How do I reset my password?"]).shape
    (1, 384)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.onnx_text import OnnxEmbedder, export_embedder, export_name, load_onnx_embedder


class OnnxEncoder:
    """An exported sentence embedder behind `encode(texts, batch_size)` and `dimension`."""

    def __init__(self, embedder: OnnxEmbedder) -> None:
        self.embedder = embedder

    @classmethod
    def export(cls, model_path: Path, cache_dir: Path, *, version: str, quantize: bool = False) -> OnnxEncoder:
        """Export once into a folder under `cache_dir` (named by model and version) and load it.

        Raises:
            RuntimeError: the model cannot be exported faithfully (the caller keeps the torch model).
        """
        folder = Path(cache_dir) / export_name(Path(model_path).name, version)
        exported = export_embedder(model_path, folder, version=version, quantize=quantize)
        if exported is None:
            raise RuntimeError(f"{model_path} cannot be exported to ONNX with the same vectors")
        return cls(load_onnx_embedder(exported, int8=quantize))

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    @property
    def backend(self) -> str:
        return self.embedder.backend

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        return self.embedder.embed(list(texts), batch_size=batch_size)
