"""Load each model once per process, keyed by what identifies it (name, version, device), and no more.

Keys carry versions, catalog stamps and knowledge-base hashes, so a long-running server sees a new key
after every change. Two rules keep the cache from growing with them:

- one entry per *slot*: loading a new key for the same model drops the entry it replaces. The slot is the
  key's kind and name (`key[:2]`), except for kinds whose second part is itself a content hash or a version
  (see `SLOT_WIDTH`); a caller can also name the slot (`load_once(key, factory, slot=...)`).
- at most `MAX_ENTRIES` entries in all; the least recently used goes first.

A dropped model stays alive for as long as a caller still holds it; the cache only stops holding it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ENTRIES = 16
# How many leading parts of a key name "the same model"; the rest (versions, hashes, stamps) may change.
SLOT_WIDTH: dict[str, int] = {
    "support-index": 1,  # ("support-index", content hash, device): a new knowledge base replaces the old
    "recommend-serving": 1,  # ("recommend-serving", version, id(model), rows, updated_at)
    "transcriber": 3,  # ("transcriber", engine, source, version, device)
}

_models: OrderedDict[Hashable, object] = OrderedDict()
_slots: dict[Hashable, Hashable] = {}  # slot -> the key that fills it
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def slot_of(key: Hashable) -> Hashable:
    """The part of `key` that names the model, without what changes from one version to the next."""
    if isinstance(key, tuple) and key:
        return key[: SLOT_WIDTH.get(key[0], 2)] if isinstance(key[0], str) else key[:2]
    return key


def load_once(key: Hashable, factory: Callable[[], T], *, slot: Hashable | None = None) -> T:
    """Return the model cached under `key`, building it with `factory` the first time.

    Concurrent callers with the same key wait for one load instead of loading twice. Loading a key whose
    slot (default `slot_of(key)`) holds another key drops that other entry.

    Example:
        >>> model = load_once(("embedder", "minilm", "cpu"), lambda: object())
        >>> model is load_once(("embedder", "minilm", "cpu"), lambda: object())
        True
    """
    with _guard:
        if key in _models:
            _models.move_to_end(key)
            return _models[key]  # type: ignore[return-value]
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        with _guard:
            if key in _models:
                _models.move_to_end(key)
                return _models[key]  # type: ignore[return-value]
        try:
            started = time.perf_counter()
            model = factory()
            logger.info("loaded %s in %.1f s", key, time.perf_counter() - started)
            with _guard:
                _store(key, model, slot_of(key) if slot is None else slot)
        finally:
            with _guard:
                _locks.pop(key, None)
    return model


def _store(key: Hashable, model: object, slot: Hashable) -> None:
    replaced = _slots.get(slot)
    if replaced is not None and replaced != key and replaced in _models:
        del _models[replaced]
        logger.info("dropped %s: replaced by %s", replaced, key)
    _models[key] = model
    _slots[slot] = key
    while len(_models) > MAX_ENTRIES:
        oldest, _ = _models.popitem(last=False)
        logger.info("dropped %s: least recently used of %d cached models", oldest, MAX_ENTRIES)
    live = set(_models)
    for name in [s for s, k in _slots.items() if k not in live]:
        del _slots[name]


def forget(prefix: Hashable | None = None) -> None:
    """Drop cached models whose key starts with `prefix` (all when None), e.g. after a new champion."""
    with _guard:
        for key in list(_models):
            if prefix is None or (isinstance(key, tuple) and key[: len(prefix)] == prefix):  # type: ignore[arg-type]
                del _models[key]
        live = set(_models)
        for name in [s for s, k in _slots.items() if k not in live]:
            del _slots[name]


def loaded_keys() -> list[Hashable]:
    with _guard:
        return list(_models)
