"""The vector index: exact below the size threshold, IVF above it (recall against exact), in-place changes, files."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines import vector_index
from pipelines.vector_index import VectorIndex


def clustered(n: int, dim: int = 48, clusters: int = 60, seed: int = 0) -> np.ndarray:
    """Unit vectors in clusters with spread, like passages of a help center about a few dozen topics."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    vectors = centres[rng.integers(0, clusters, n)] + 0.7 * rng.standard_normal((n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def exact_top(vectors: np.ndarray, ids: list[str], query: np.ndarray, k: int = 10) -> set[str]:
    return {ids[i] for i in np.argsort(-(vectors @ query))[:k]}


def recall(index: VectorIndex, vectors: np.ndarray, ids: list[str], queries: np.ndarray) -> float:
    hits = index.search(queries, k=10)
    return float(
        np.mean(
            [len({h.id for h in row} & exact_top(vectors, ids, q)) / 10 for row, q in zip(hits, queries, strict=True)]
        )
    )


def test_small_indexes_are_exact_and_large_ones_approximate(monkeypatch):
    monkeypatch.setattr(vector_index, "APPROX_MIN", 3000)
    small = VectorIndex.build(clustered(2999), [str(i) for i in range(2999)])
    large = VectorIndex.build(clustered(3000), [str(i) for i in range(3000)])
    assert small.kind == "exact" and large.kind == "ivf"


def test_approximate_index_recall_at_10_is_at_least_098_of_exact():
    vectors = clustered(12_000)
    ids = [f"c{i}" for i in range(len(vectors))]
    index = VectorIndex.build(vectors, ids, approximate=True)
    queries = clustered(200, seed=1)
    assert index.kind == "ivf"
    assert recall(index, vectors, ids, queries) >= 0.98


@pytest.mark.parametrize("approximate", [False, True], ids=["exact", "ivf"])
def test_add_and_remove_in_place_match_a_fresh_build(approximate):
    vectors = clustered(3000, seed=2)
    ids = [f"c{i}" for i in range(3000)]
    index = VectorIndex.build(vectors[:2500], ids[:2500], approximate=approximate)
    index.add(vectors[2500:], ids[2500:])
    gone = ids[100:400] + ["not-there"]
    assert index.remove(gone) == 300
    keep = [i for i in range(3000) if not 100 <= i < 400]
    assert index.size == len(keep) and "c150" not in index and "c2999" in index
    np.testing.assert_allclose(index.vector("c2999"), vectors[2999])
    queries = vectors[[5, 2600, 2999, 150]]
    hits = index.search(queries, k=10)
    assert [row[0].id for row in hits[:3]] == ["c5", "c2600", "c2999"]
    assert all(h.id != "c150" for h in hits[3])
    assert recall(index, vectors[keep], [ids[i] for i in keep], clustered(100, seed=3)) >= 0.98
    with pytest.raises(Exception, match="already"):
        index.add(vectors[:1], ["c5"])


def test_an_index_that_doubled_retrains_its_lists():
    vectors = clustered(4000, seed=4)
    ids = [str(i) for i in range(4000)]
    index = VectorIndex.build(vectors[:1000], ids[:1000], approximate=True)
    lists = index._ivf.nlist
    index.add(vectors[1000:], ids[1000:])
    assert index._ivf.nlist > lists and index._ivf.ntotal == 4000


def test_ivf_index_save_and_load_keep_the_trained_lists(tmp_path):
    vectors = clustered(3000, seed=5)
    ids = [f"c{i}" for i in range(3000)]
    index = VectorIndex.build(vectors, ids, approximate=True)
    index.remove(["c7"])
    index.save(tmp_path / "ix")
    loaded = VectorIndex.load(tmp_path / "ix")
    assert loaded.kind == "ivf" and loaded.size == 2999 and "c7" not in loaded
    assert [h.id for h in loaded.search(vectors[9], k=3)[0]] == [h.id for h in index.search(vectors[9], k=3)[0]]
    loaded.add(vectors[7:8], ["c7"])
    assert loaded.search(vectors[7], k=1)[0][0].id == "c7"
