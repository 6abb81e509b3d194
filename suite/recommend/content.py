"""Content vectors: each product's text (title, category, description) embedded once and cached on disk."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.embedder import vector_cache_key
from suite.settings import Settings

logger = logging.getLogger(__name__)

MODULE = "recommend"


def text_embedder(settings: Settings):
    """The shared text embedder (loaded once per process) on the configured device.

    On the CPU it is the model's ONNX export run by OpenVINO or ONNX Runtime (`pipelines.onnx_text`: the same
    vectors as PyTorch to cosine >= 0.999, checked at export; about half the CPU time on the product texts);
    on a GPU the PyTorch model.
    """
    from pipelines.onnx_text import load_fast_embedder

    return load_fast_embedder(settings.embedder_model or None, settings.device, settings.models_dir)


def vectors_dir(settings: Settings) -> Path:
    return settings.module_dir(MODULE) / "vectors"


def item_texts(catalog: pd.DataFrame) -> list[str]:
    return (catalog["title"] + ". " + catalog["category"] + ". " + catalog["description"].fillna("")).tolist()


def content_vectors(catalog: pd.DataFrame, embedder, cache_dir: Path | None) -> np.ndarray:
    """Unit-length text vectors of every catalog item, in catalog order.

    Vectors are cached under `cache_dir` per item text (one file per embedder), so a catalog that gains
    a product embeds only that product. Two processes writing at once can only cost a recomputation.
    """
    texts = item_texts(catalog)
    keys = np.array([hashlib.sha1(t.encode()).hexdigest()[:20] for t in texts])
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", vector_cache_key(embedder))
    path = cache_dir / f"items-{name}.npz" if cache_dir is not None else None
    known: dict[str, np.ndarray] = {}
    if path is not None and path.exists():
        try:
            with np.load(path) as cached:
                known = dict(zip(cached["keys"], cached["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            logger.warning("text vector cache %s is unreadable; rebuilding it", path)
    missing = sorted({k: i for i, k in enumerate(keys) if k not in known}.values())
    if missing:
        fresh = embedder.embed([texts[i] for i in missing])
        known.update(zip(keys[missing], fresh, strict=True))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.stem}-{os.getpid()}.npz")
            np.savez(tmp, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
            os.replace(tmp, path)
    return np.stack([known[k] for k in keys]).astype(np.float32)
