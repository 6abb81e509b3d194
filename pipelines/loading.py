"""Load each model once per process, keyed by what identifies it (name, version, device)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")

_models: dict[Hashable, object] = {}
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def load_once(key: Hashable, factory: Callable[[], T]) -> T:
    """Return the model cached under `key`, building it with `factory` the first time.

    Concurrent callers with the same key wait for one load instead of loading twice.

    Example:
        >>> model = load_once(("embedder", "minilm", "cpu"), lambda: object())
        >>> model is load_once(("embedder", "minilm", "cpu"), lambda: object())
        True
    """
    if key in _models:
        return _models[key]  # type: ignore[return-value]
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _models:
            started = time.perf_counter()
            _models[key] = factory()
            logger.info("loaded %s in %.1f s", key, time.perf_counter() - started)
    return _models[key]  # type: ignore[return-value]


def forget(prefix: Hashable | None = None) -> None:
    """Drop cached models whose key starts with `prefix` (all when None), e.g. after a new champion."""
    with _guard:
        for key in list(_models):
            if prefix is None or (isinstance(key, tuple) and key[: len(prefix)] == prefix):  # type: ignore[arg-type]
                del _models[key]


def loaded_keys() -> list[Hashable]:
    return list(_models)
