"""Inner-product search over unit vectors, exact below `APPROX_MIN` rows and approximate (FAISS IVF) above.

- CPU, small: one numpy matrix-vector product (faster than FAISS flat search on a busy 2-core machine, where
  its OpenMP threads wait on each other: issue 17 measured 140 ms vs 53 ms at 100k).
- CPU, at least `APPROX_MIN` rows: FAISS `IndexIVFFlat` (inner product; `nlist` = sqrt(n) lists, a quarter of
  them probed). Measured on near-uniform synthetic vectors (the hard case; help-center text clusters more):
  100k × 384, 316 lists: 63 probes gave recall@10 0.990 of exact, 105 probes 0.998 (79 are probed); tests and
  benchmarks/speed_support.py check >= 0.98.
- CUDA with faiss-gpu: an exact GPU flat index.

Rows can be added and removed in place (`add`, `remove`), so a knowledge base that gains one article is not
re-indexed; the IVF quantizer is retrained only when the index has grown to `RETRAIN_GROWTH` times the size
it was trained at.

Example:
    >>> index = VectorIndex.build(vectors, ids=["a", "b"], device="cpu")
    >>> index.search(query_vectors, k=5)[0][0].id
    'a'
    >>> index.save(folder); VectorIndex.load(folder).size
    2
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from suite.errors import InvalidInput, NotFound

logger = logging.getLogger(__name__)

APPROX_MIN = 20_000  # rows from which the CPU index is approximate (IVF); below it search is exact
RETRAIN_GROWTH = 2.0  # retrain the IVF centroids once the index doubled since they were trained
NPROBE_SHARE = 1 / 4  # share of the IVF lists searched per query (recall@10 >= 0.98, see the module docstring)
MIN_NPROBE = 24


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # inner product (cosine for unit vectors)
    rank: int


def _gpu_resources():
    import faiss

    if not hasattr(faiss, "StandardGpuResources") or faiss.get_num_gpus() < 1:
        return None
    return faiss.StandardGpuResources()


@functools.cache
def _faiss_threads() -> None:
    """One OpenMP thread for FAISS: a server searches one question at a time per request thread, and on a
    2-core machine FAISS's threads only spin against the embedder's and each other (issue 17)."""
    import faiss

    faiss.omp_set_num_threads(1)


def _nlist(n: int) -> int:
    return max(16, int(math.sqrt(n)))


class VectorIndex:
    """Unit vectors with string ids: exact or IVF search, in-place add and remove, saved to a folder."""

    def __init__(self, vectors: np.ndarray, ids: list[str], device: str = "cpu", approximate: bool | None = None):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(ids):
            raise InvalidInput(f"Expected one vector per id, got {vectors.shape} for {len(ids)} ids.")
        if len(set(ids)) != len(ids):
            raise InvalidInput("Vector ids must be unique.")
        self._dim = int(vectors.shape[1])
        self._matrix = vectors.copy()  # rows [0, _n) are live; the rest is spare capacity
        self._n = len(ids)
        self.ids = list(ids)
        self._row = {cid: i for i, cid in enumerate(self.ids)}
        self._lock = threading.RLock()
        self._approximate = approximate
        self._ivf = None
        self._trained_at = 0
        self._gpu = None
        self.device = "cpu"
        if device == "cuda":
            resources = _gpu_resources()
            if resources is not None:
                self._gpu_resources = resources
                self.device = "cuda"
                self._rebuild_gpu()
            else:
                logger.info("faiss has no GPU support here (install faiss-gpu); searching on the CPU")
        if self.device == "cpu" and self._wants_ivf():
            self._train_ivf()

    @classmethod
    def build(
        cls, vectors: np.ndarray, ids: list[str], device: str = "cpu", approximate: bool | None = None
    ) -> VectorIndex:
        """`approximate`: None chooses by size (`APPROX_MIN`), True/False forces IVF/exact on the CPU."""
        return cls(vectors, ids, device, approximate)

    # -- facts -------------------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._n

    @property
    def dimension(self) -> int:
        return self._dim

    @property
    def kind(self) -> str:
        """'ivf', 'exact' or 'gpu-exact': how `search` finds neighbours now."""
        return "gpu-exact" if self._gpu is not None else "ivf" if self._ivf is not None else "exact"

    @property
    def matrix(self) -> np.ndarray:
        """The live vectors, one row per id (a view: do not write into it)."""
        return self._matrix[: self._n]

    def vector(self, cid: str) -> np.ndarray:
        return self._matrix[self._row[cid]]

    def __contains__(self, cid: str) -> bool:
        return cid in self._row

    # -- search ------------------------------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int = 10) -> list[list[Hit]]:
        """The k best ids per query row, best first."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        with self._lock:
            if self._n == 0:
                return [[] for _ in range(len(queries))]
            k = min(k, self._n)
            if self._gpu is not None or self._ivf is not None:
                index = self._gpu if self._gpu is not None else self._ivf
                scores, rows = index.search(queries, k)
            else:
                all_scores = queries @ self._matrix[: self._n].T
                if k < self._n:
                    part = np.argpartition(-all_scores, k - 1, axis=1)[:, :k]
                else:
                    part = np.tile(np.arange(self._n), (len(queries), 1))
                top = np.take_along_axis(all_scores, part, axis=1)
                order = np.argsort(-top, axis=1, kind="stable")
                rows = np.take_along_axis(part, order, axis=1)
                scores = np.take_along_axis(top, order, axis=1)
            ids = self.ids
            return [
                [Hit(ids[r], float(s), rank) for rank, (s, r) in enumerate(zip(srow, rrow, strict=True)) if r >= 0]
                for srow, rrow in zip(scores, rows, strict=True)
            ]

    # -- changes -----------------------------------------------------------------------------------------
    def add(self, vectors: np.ndarray, ids: list[str]) -> None:
        """Add rows (ids must be new; remove an id first to replace its vector)."""
        vectors = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        if not ids:
            return
        if vectors.shape != (len(ids), self._dim):
            raise InvalidInput(f"Expected {len(ids)} vectors of dimension {self._dim}, got {vectors.shape}.")
        with self._lock:
            clash = [cid for cid in ids if cid in self._row]
            if clash or len(set(ids)) != len(ids):
                raise InvalidInput(f"Vector ids already in the index: {clash[:3] or 'repeated in the batch'}.")
            start, end = self._n, self._n + len(ids)
            if end > len(self._matrix):
                grown = np.empty((max(end, int(len(self._matrix) * 1.5) + 16), self._dim), dtype=np.float32)
                grown[: self._n] = self._matrix[: self._n]
                self._matrix = grown
            self._matrix[start:end] = vectors
            self._n = end
            for offset, cid in enumerate(ids):
                self.ids.append(cid)
                self._row[cid] = start + offset
            if self._gpu is not None:
                self._gpu.add(vectors)
            elif self._ivf is not None and self._n > RETRAIN_GROWTH * self._trained_at:
                self._train_ivf()
            elif self._ivf is not None:
                self._ivf.add_with_ids(vectors, np.arange(start, end, dtype=np.int64))
            elif self._wants_ivf():
                self._train_ivf()

    def remove(self, ids: list[str]) -> int:
        """Remove rows by id (unknown ids are ignored); how many went. The last row moves into each hole."""
        with self._lock:
            gone = 0
            for cid in dict.fromkeys(ids):
                row = self._row.pop(cid, None)
                if row is None:
                    continue
                gone += 1
                last = self._n - 1
                if self._ivf is not None:
                    self._ivf.remove_ids(np.array([row, last], dtype=np.int64))
                if row != last:
                    moved = self.ids[last]
                    self._matrix[row] = self._matrix[last]
                    self.ids[row] = moved
                    self._row[moved] = row
                    if self._ivf is not None:
                        self._ivf.add_with_ids(self._matrix[row : row + 1], np.array([row], dtype=np.int64))
                self.ids.pop()
                self._n = last
            if gone and self._gpu is not None:
                self._rebuild_gpu()
            elif gone and self._ivf is not None and not self._wants_ivf():
                self._ivf = None  # shrank below the threshold: exact again
            return gone

    # -- internals ---------------------------------------------------------------------------------------
    def _wants_ivf(self) -> bool:
        if self._approximate is not None:
            return self._approximate and self._n >= 64
        return self._n >= APPROX_MIN

    def _train_ivf(self) -> None:
        import faiss

        _faiss_threads()
        n = self._n
        nlist = _nlist(n)
        quantizer = faiss.IndexFlatIP(self._dim)
        ivf = faiss.IndexIVFFlat(quantizer, self._dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = self._matrix[: self._n]
        if n > 64 * nlist:
            sample = sample[np.sort(rng.choice(n, 64 * nlist, replace=False))]
        faiss.omp_set_num_threads(max(1, os.cpu_count() or 1))  # k-means is one batch job: all cores
        try:
            ivf.train(np.ascontiguousarray(sample))
        finally:
            faiss.omp_set_num_threads(1)
        ivf.add_with_ids(self._matrix[: self._n], np.arange(self._n, dtype=np.int64))
        ivf.nprobe = min(nlist, max(MIN_NPROBE, int(nlist * NPROBE_SHARE)))
        self._ivf, self._trained_at = ivf, n
        logger.info("IVF index over %d vectors: %d lists, nprobe %d", n, nlist, ivf.nprobe)

    def _rebuild_gpu(self) -> None:
        import faiss

        flat = faiss.IndexFlatIP(self._dim)
        flat.add(self._matrix[: self._n])
        self._gpu = faiss.index_cpu_to_gpu(self._gpu_resources, 0, flat)

    # -- files -------------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Vectors, ids and (when approximate) the trained IVF index; `vectors.npy` is written last."""
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            (folder / "ids.json").write_text(json.dumps(self.ids))
            meta = {"approximate": self._approximate, "trained_at": self._trained_at}
            (folder / "meta.json").write_text(json.dumps(meta))
            if self._ivf is not None:
                faiss.write_index(self._ivf, str(folder / "ivf.faiss.tmp"))
                (folder / "ivf.faiss.tmp").replace(folder / "ivf.faiss")
            else:
                (folder / "ivf.faiss").unlink(missing_ok=True)
            with (folder / "vectors.npy.tmp").open("wb") as handle:
                np.save(handle, self.matrix)
            (folder / "vectors.npy.tmp").replace(folder / "vectors.npy")

    @classmethod
    def load(cls, folder: Path, device: str = "cpu") -> VectorIndex:
        import faiss

        if not (folder / "vectors.npy").exists():
            raise NotFound(f"No vector index in {folder}.")
        ids = json.loads((folder / "ids.json").read_text())
        meta = json.loads((folder / "meta.json").read_text()) if (folder / "meta.json").exists() else {}
        vectors = np.load(folder / "vectors.npy")
        index = cls.__new__(cls)
        has_ivf = (folder / "ivf.faiss").exists() and device != "cuda"
        # Built without training; the saved IVF (its centroids and lists) is put back as it was.
        cls.__init__(index, vectors, ids, device, approximate=False if has_ivf else meta.get("approximate"))
        if has_ivf:
            _faiss_threads()
            index._approximate = meta.get("approximate")
            index._ivf = faiss.read_index(str(folder / "ivf.faiss"))
            index._trained_at = int(meta.get("trained_at") or len(ids))
        return index
