"""Implicit-feedback matrix factorisation (the `implicit` library's ALS) with batch scoring.

Trains on the GPU (`implicit.gpu`) when CUDA is visible and the installed `implicit` was built with it,
else on the CPU; the factors are always brought back to numpy so serving and saving are the same everywhere.

Example:
    >>> als = ALSRecommender(factors=32).fit(user_items)          # scipy CSR, users x items, confidences
    >>> scores = als.score_users(np.array([0, 1]))                  # (2, n_items) in one matrix product
    >>> vector = als.recalculate_user(user_items[5])                # a user whose history just changed
    >>> serving = als.with_new_items(3)                             # 3 new catalog products, no history yet
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit is slower (and warns) with threaded BLAS

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from pipelines.device import resolve_device  # noqa: E402
from suite.errors import ModelUnavailable  # noqa: E402
from suite.progress import Progress, no_progress  # noqa: E402

logger = logging.getLogger(__name__)


def gpu_available() -> bool:
    try:
        import implicit.gpu
    except ImportError:
        return False
    return bool(implicit.gpu.HAS_CUDA)


@dataclass
class ALSRecommender:
    """Alternating least squares on a (users x items) confidence matrix.

    Confidence for a (user, item) pair is `alpha * value` (implicit's convention); values are the summed
    event weights, so a purchase counts more than a view.
    """

    # tuned on the sample shop's time split (benchmarks/recommend.py): 32 factors beat 64 and 128 there
    factors: int = 32
    regularization: float = 0.1
    iterations: int = 15
    alpha: float = 10.0
    device: str = "cpu"
    seed: int = 0
    model_name: str = "implicit-als"
    model_version: str = "untrained"
    user_factors: np.ndarray | None = field(default=None, repr=False)
    item_factors: np.ndarray | None = field(default=None, repr=False)
    train_s: float = 0.0
    trained_on: str = "cpu"
    _gram: np.ndarray | None = field(default=None, init=False, repr=False)  # YᵀY + λI, shared by all users

    def fit(self, user_items: sparse.csr_matrix, progress: Progress = no_progress) -> ALSRecommender:
        from implicit.als import AlternatingLeastSquares

        use_gpu = resolve_device(self.device) == "cuda" and gpu_available()
        if resolve_device(self.device) == "cuda" and not use_gpu:
            logger.warning("CUDA is visible but this `implicit` build has no GPU support; training ALS on the CPU")
        from threadpoolctl import threadpool_limits

        # numpy may have started BLAS threads before our env var was set; implicit wants exactly one
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                use_gpu=use_gpu,
                random_state=self.seed,
                calculate_training_loss=False,
            )
            started = time.perf_counter()
            progress(0, 1, "training ALS")
            model.fit(sparse.csr_matrix(user_items, dtype=np.float32), show_progress=False)
        if use_gpu:
            model = model.to_cpu()
        self.train_s = time.perf_counter() - started
        self.trained_on = "cuda" if use_gpu else "cpu"
        self.user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        self._gram = None
        progress(1, 1, f"ALS trained in {self.train_s:.1f} s on {self.trained_on}")
        return self

    def _require(self) -> np.ndarray:
        if self.item_factors is None:
            raise ModelUnavailable("The recommendation model has not been trained yet; run `suite prepare`.")
        return self.item_factors

    def score_users(self, user_indices: np.ndarray) -> np.ndarray:
        """Scores of every item for a batch of training users: one (n, factors) x (factors, items) product."""
        items = self._require()
        return self.user_factors[np.asarray(user_indices)] @ items.T

    def recalculate_user(self, history: sparse.csr_matrix | np.ndarray) -> np.ndarray:
        """The exact ALS user vector for a (new or changed) history row, without retraining.

        Solves (YᵀY + Yᵤᵀ(Cᵤ − I)Yᵤ + λI) x = YᵤᵀCᵤ·1 over the items in `history` (1 x items, raw values).
        """
        items = self._require()
        row = sparse.csr_matrix(history)
        idx, values = row.indices, row.data.astype(np.float32) * self.alpha
        if idx.size == 0:
            return np.zeros(items.shape[1], dtype=np.float32)
        y = items[idx]
        if self._gram is None or self._gram.shape[0] != items.shape[1]:
            self._gram = items.T @ items + self.regularization * np.eye(items.shape[1], dtype=np.float32)
        gram = self._gram + (y.T * (values - 1.0)) @ y
        return np.linalg.solve(gram, y.T @ values).astype(np.float32)

    def score_histories(self, histories: sparse.csr_matrix) -> np.ndarray:
        """Scores for users given only by their history rows (each recalculated, then one batch product)."""
        if histories.shape[0] == 1:  # one shopper per request: a matrix-vector product over contiguous factors
            return (self._require() @ self.recalculate_user(histories[0]))[None, :]
        vectors = np.stack([self.recalculate_user(histories[i]) for i in range(histories.shape[0])])
        return vectors @ self._require().T

    def similar_items(self, item_index: int) -> np.ndarray:
        """Cosine similarity of one item to every item in factor space (all zeros for an item with no factors)."""
        items = self._require()
        norms = np.linalg.norm(items, axis=1) + 1e-9
        if norms[item_index] <= 1e-6:
            return np.zeros(items.shape[0], dtype=np.float32)
        return (items @ items[item_index]) / (norms * norms[item_index])

    def with_new_items(self, extra: int) -> ALSRecommender:
        """A copy that also scores `extra` new items appended after the known ones (zero factors: no history)."""
        items = self._require()
        grown = np.vstack([items, np.zeros((extra, items.shape[1]), np.float32)]) if extra else items
        return dataclasses.replace(self, item_factors=grown)  # the Gram cache (init=False) starts empty again

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "als_user_factors.npy", self.user_factors)
        np.save(folder / "als_item_factors.npy", self.item_factors)
        params = {k: getattr(self, k) for k in ("factors", "regularization", "iterations", "alpha", "seed")}
        meta = {**params, "model_version": self.model_version, "train_s": self.train_s, "trained_on": self.trained_on}
        (folder / "als.json").write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, folder: Path, device: str = "cpu") -> ALSRecommender:
        try:
            meta = json.loads((folder / "als.json").read_text())
            model = cls(**{k: meta[k] for k in ("factors", "regularization", "iterations", "alpha", "seed")})
            model.user_factors = np.load(folder / "als_user_factors.npy")
            model.item_factors = np.load(folder / "als_item_factors.npy")
        except (FileNotFoundError, KeyError, ValueError) as err:
            raise ModelUnavailable(
                f"The recommendation model in {folder} is missing or damaged ({err}); run `suite prepare` "
                "or retrain the recommender."
            ) from err
        model.model_version, model.train_s = meta["model_version"], meta["train_s"]
        model.trained_on, model.device = meta["trained_on"], device
        return model
