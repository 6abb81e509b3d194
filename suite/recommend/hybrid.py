"""Score every item for a batch of shoppers with each model, and blend them by history length.

The one definition of the recommender's weights. The blending rule (told to merchandisers in the page's
insights tab by `describe_blend`):
- collaborative share = n / (n + HISTORY_PIVOT), where n is the number of distinct products in the
  shopper's history: 0 for a new visitor, one half at HISTORY_PIVOT (2) products, 80 % at 8.
  It is split between ALS and co-occurrence (ALS_SHARE : 1 - ALS_SHARE).
- the rest goes to content (similar text to what they touched or typed) and to recent popularity,
  CONTENT_SHARE : 1 - CONTENT_SHARE; a new visitor gets VISITOR_CONTENT_SHARE content when they stated
  interests or typed what they look for, and popularity only when they did neither.
Every component is min-max scaled per shopper first, so the weights mean what they say.

"More like this product" (`Scorer.similar`) blends SIMILAR_WEIGHTS of text similarity, co-occurrence
(scaled by its row maximum) and ALS taste similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from suite.recommend.recmodel import RecModel

HISTORY_PIVOT = 2.0
ALS_SHARE = 0.2
CONTENT_SHARE = 0.3
VISITOR_CONTENT_SHARE = 0.7  # no history but stated interests: mostly what they asked for
COMPONENTS = ("als", "cooc", "content", "popularity")
SIMILAR_WEIGHTS = {"content": 0.5, "cooc": 0.3, "als": 0.2}


def collaborative_share(history_length: np.ndarray | float) -> np.ndarray | float:
    """The weight on what similar shoppers chose (ALS + co-occurrence) for a history of n distinct products."""
    return history_length / (history_length + HISTORY_PIVOT)


def describe_blend() -> str:
    """The blending rule in words for merchandisers, from the constants above."""
    most = 4 * HISTORY_PIVOT
    return (
        "Shoppers with a longer history get more weight on what similar shoppers chose "
        f"(half at {HISTORY_PIVOT:g} products, {collaborative_share(most):.0%} at {most:g}); newcomers get more "
        "weight on products whose description matches what they looked at or asked for, and on what is popular "
        "right now."
    )


def _scale_rows(scores: np.ndarray) -> np.ndarray:
    low = scores.min(axis=1, keepdims=True)
    span = scores.max(axis=1, keepdims=True) - low
    return np.divide(scores - low, span, out=np.zeros_like(scores), where=span > 1e-12)


def blend_weights(history_lengths: np.ndarray, has_query: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-shopper weights of each component (the rule in the module docstring)."""
    n = np.asarray(history_lengths, dtype=np.float32)
    informed = n > 0 if has_query is None else (n > 0) | np.asarray(has_query)
    collab = collaborative_share(n)
    content = np.where(informed, (1 - collab) * CONTENT_SHARE, 0.0)
    content = np.where((n == 0) & informed, VISITOR_CONTENT_SHARE, content)
    return {
        "als": collab * ALS_SHARE,
        "cooc": collab * (1 - ALS_SHARE),
        "content": content,
        "popularity": 1 - collab - content,
    }


@dataclass
class Scorer:
    """Batch scoring over the model's items; `vectors` are the content vectors in the same item order."""

    model: RecModel
    vectors: np.ndarray

    # Per-model work done once, not on every request (a Scorer lives as long as its serving model).
    @cached_property
    def _log_popularity(self) -> np.ndarray:
        return np.log1p(self.model.popularity).astype(np.float32)

    def _cooc_row(self, histories: sparse.csr_matrix) -> np.ndarray:
        """`damped history @ cooc` for one shopper: only the co-occurrence rows of the items they touched."""
        cooc = self.model.cooc
        items, weights = histories.indices, histories.data
        starts, ends = cooc.indptr[items], cooc.indptr[items + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        out = np.zeros((1, cooc.shape[1]), dtype=np.float32)
        if total:
            offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
            positions = offsets + np.arange(total)
            out[0] = np.bincount(
                cooc.indices[positions],
                weights=cooc.data[positions] * np.repeat(weights, lengths),
                minlength=cooc.shape[1],
            )
        return out

    def components(
        self,
        histories: sparse.csr_matrix,
        *,
        user_vectors: np.ndarray | None = None,
        queries: np.ndarray | None = None,
        only: tuple[str, ...] = COMPONENTS,
    ) -> dict[str, np.ndarray]:
        """Raw (unscaled) scores per component, each (n_users x n_items).

        `user_vectors` are ALS user factors when known (training users); otherwise they are recalculated
        from `histories`. `queries` (n_users x dim, zero rows allowed) add stated interests to the profile.
        """
        n = histories.shape[0]
        damped = histories.copy().astype(np.float32)
        damped.data = np.log1p(damped.data)
        out: dict[str, np.ndarray] = {}
        if "als" in only:
            if user_vectors is None:
                out["als"] = self.model.als.score_histories(histories)
            else:
                out["als"] = user_vectors @ self.model.als.item_factors.T
        if "cooc" in only:
            if n == 1:
                out["cooc"] = self._cooc_row(damped)
            else:
                out["cooc"] = np.asarray((damped @ self.model.cooc).todense(), dtype=np.float32)
        if "content" in only:
            profile = np.asarray(damped @ self.vectors, dtype=np.float32)
            norms = np.linalg.norm(profile, axis=1, keepdims=True)
            profile = np.divide(profile, norms, out=np.zeros_like(profile), where=norms > 0)
            if queries is not None:
                profile = profile + queries
            # one shopper: a matrix-vector product over the contiguous vectors (no transposed view)
            out["content"] = (self.vectors @ profile[0])[None, :] if n == 1 else profile @ self.vectors.T
        if "popularity" in only:
            out["popularity"] = np.broadcast_to(self._log_popularity, (n, self.vectors.shape[0])).copy()
        return out

    def blend(
        self, components: dict[str, np.ndarray], history_lengths: np.ndarray, has_query: np.ndarray | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Hybrid scores plus each component's weighted, scaled contribution (for explanations)."""
        weights = blend_weights(history_lengths, has_query)
        parts = {name: _scale_rows(components[name]) * weights[name][:, None] for name in COMPONENTS}
        return sum(parts.values()), parts

    def similar(self, item: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of every item as "more like `item`", plus each component's weighted part (for reasons)."""
        together = self.model.cooc_row(item)
        raw = {
            "content": self.vectors @ self.vectors[item],
            "cooc": together / max(together.max(), 1e-9),
            "als": self.model.als.similar_items(item),
        }
        parts = {name: weight * raw[name] for name, weight in SIMILAR_WEIGHTS.items()}
        return sum(parts.values()), parts


def top_k(
    scores: np.ndarray,
    blocked: np.ndarray,
    k: int,
    *,
    categories: np.ndarray | None = None,
    max_per_category: int | None = None,
) -> list[np.ndarray]:
    """Best `k` allowed items per row; with `max_per_category`, no category fills more than that many."""
    masked = np.where(blocked, -np.inf, scores)
    pool = min(masked.shape[1], k if not max_per_category else max(k * 8, 100))
    candidates = np.argpartition(-masked, pool - 1, axis=1)[:, :pool]
    results = []
    for row, cand in enumerate(candidates):
        cand = cand[np.argsort(-masked[row, cand], kind="stable")]
        cand = cand[np.isfinite(masked[row, cand])]
        if max_per_category and categories is not None:
            chosen, used = [], {}
            for item in cand:
                cat = categories[item]
                if used.get(cat, 0) < max_per_category:
                    chosen.append(item)
                    used[cat] = used.get(cat, 0) + 1
                    if len(chosen) == k:
                        break
            cand = np.array(chosen, dtype=np.int64)
        results.append(cand[:k])
    return results
