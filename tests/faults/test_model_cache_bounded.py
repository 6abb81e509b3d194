"""A long-running server sees a new cache key after every knowledge-base or catalog change: memory stays flat."""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict

import psutil
import pytest

from pipelines import loading


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch):
    """A cache of this test's own (the session's real models stay cached for the other tests)."""
    monkeypatch.setattr(loading, "_models", OrderedDict())
    monkeypatch.setattr(loading, "_slots", {}, raising=False)
    monkeypatch.setattr(loading, "_locks", {})


def _index(mb: int = 8) -> bytes:
    return b"\x01" * (mb * 2**20)  # touched memory, like a loaded index


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def test_two_hundred_knowledge_base_changes_keep_one_index_and_flat_memory():
    for i in range(10):  # warm up the allocator
        loading.load_once(("support-index", f"warm{i}", "cpu"), _index)
    before = _rss_mb()
    for i in range(200):  # 1.6 GB if every old index were kept
        loading.load_once(("support-index", f"kb-hash-{i}", "cpu"), _index)
        loading.load_once(("recommend-serving", "v1", 1234, 500 + i, f"2024-01-{i % 28 + 1}"), _index)
    assert loading.loaded_keys() == [
        ("support-index", "kb-hash-199", "cpu"),
        ("recommend-serving", "v1", 1234, 699, "2024-01-4"),
    ]
    assert _rss_mb() - before < 100


def test_a_new_version_of_the_same_model_replaces_the_old_one():
    loading.load_once(("classifier", "/models/risk", "v1", "cpu"), object)
    loading.load_once(("classifier", "/models/risk", "v2", "cpu"), object)
    loading.load_once(("classifier", "vader"), object)
    loading.load_once(("transcriber", "faster-whisper", "tiny", "v1", "cpu"), object)
    loading.load_once(("transcriber", "faster-whisper", "base", "v1", "cpu"), object)  # another model: both stay
    assert loading.loaded_keys() == [
        ("classifier", "/models/risk", "v2", "cpu"),
        ("classifier", "vader"),
        ("transcriber", "faster-whisper", "tiny", "v1", "cpu"),
        ("transcriber", "faster-whisper", "base", "v1", "cpu"),
    ]


def test_at_most_max_entries_stay_and_the_least_recently_used_goes_first():
    for i in range(loading.MAX_ENTRIES):
        loading.load_once(("detector", f"/weights/{i}.pt", "v1", "cpu"), object)
    loading.load_once(("detector", "/weights/0.pt", "v1", "cpu"), object)  # used again: now the most recent
    loading.load_once(("detector", "/weights/new.pt", "v1", "cpu"), object)
    keys = loading.loaded_keys()
    assert len(keys) == loading.MAX_ENTRIES
    assert ("detector", "/weights/1.pt", "v1", "cpu") not in keys
    assert ("detector", "/weights/0.pt", "v1", "cpu") in keys


def test_concurrent_callers_of_one_key_share_one_load():
    calls = []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(5)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(loading.load_once(("embedder", "m", "cpu"), slow)))]
    threads += [threading.Thread(target=lambda: results.append(loading.load_once(("embedder", "m", "cpu"), slow)))]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results[0] is results[1]
    assert loading._locks == {}  # no lock left behind per key  # noqa: SLF001


def test_an_explicit_slot_and_forget():
    loading.load_once(("custom", "a"), object, slot="one")
    loading.load_once(("custom", "b"), object, slot="one")
    assert loading.loaded_keys() == [("custom", "b")]
    loading.forget(("custom",))
    assert loading.loaded_keys() == []
