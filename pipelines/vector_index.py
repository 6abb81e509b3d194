"""Inner-product search over unit vectors with FAISS: a GPU index when CUDA is present, else CPU; saved to disk.

Example:
    >>> index = VectorIndex.build(vectors, ids=["a", "b"], device="cpu")
    >>> index.search(query_vectors, k=5)[0][0].id
    'a'
    >>> index.save(folder); VectorIndex.load(folder).size
    2
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from suite.errors import InvalidInput, NotFound

logger = logging.getLogger(__name__)


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


class VectorIndex:
    """An exact inner-product index (IndexFlatIP) with string ids."""

    def __init__(self, index, ids: list[str], device: str = "cpu") -> None:
        self._index = index
        self.ids = list(ids)
        self.device = device

    @classmethod
    def build(cls, vectors: np.ndarray, ids: list[str], device: str = "cpu") -> VectorIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(ids):
            raise InvalidInput(f"Expected one vector per id, got {vectors.shape} for {len(ids)} ids.")
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        used = "cpu"
        if device == "cuda":
            resources = _gpu_resources()
            if resources is not None:
                index = faiss.index_cpu_to_gpu(resources, 0, index)
                used = "cuda"
            else:
                logger.info("faiss has no GPU support here (install faiss-gpu); searching on the CPU")
        return cls(index, ids, used)

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(self, queries: np.ndarray, k: int = 10) -> list[list[Hit]]:
        """The k best ids per query row, best first."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self.size == 0:
            return [[] for _ in range(len(queries))]
        scores, rows = self._index.search(queries, min(k, self.size))
        return [
            [Hit(self.ids[r], float(s), rank) for rank, (s, r) in enumerate(zip(srow, rrow, strict=True)) if r >= 0]
            for srow, rrow in zip(scores, rows, strict=True)
        ]

    def save(self, folder: Path) -> None:
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        index = faiss.index_gpu_to_cpu(self._index) if self.device == "cuda" else self._index
        tmp = folder / "index.faiss.tmp"
        faiss.write_index(index, str(tmp))
        tmp.replace(folder / "index.faiss")
        (folder / "ids.json").write_text(json.dumps(self.ids))

    @classmethod
    def load(cls, folder: Path, device: str = "cpu") -> VectorIndex:
        import faiss

        if not (folder / "index.faiss").exists():
            raise NotFound(f"No vector index in {folder}.")
        index = faiss.read_index(str(folder / "index.faiss"))
        ids = json.loads((folder / "ids.json").read_text())
        if device == "cuda" and (resources := _gpu_resources()) is not None:
            return cls(faiss.index_cpu_to_gpu(resources, 0, index), ids, "cuda")
        return cls(index, ids, "cpu")
