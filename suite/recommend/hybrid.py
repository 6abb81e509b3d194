"""Score every item for a batch of shoppers with each model, and blend them.

The one definition of the recommender's weights. Every component is min-max scaled per shopper first, so
the weights mean what they say. Two ways to weigh them:
- the learned blend (`Blend`, fitted by `suite.recommend.blendfit` on a validation split carved from the
  training period and saved with the model): one set of weights per history-length segment
  (SEGMENT_EDGES), chosen to maximise NDCG@10 on each shopper's latest interactions; only it weighs
  "recent", the co-occurrence partners of the product the shopper touched last;
- the fixed rule (models trained before the learned blend, and new visitors always):
  collaborative share = n / (n + HISTORY_PIVOT), where n is the number of distinct products in the
  shopper's history, split between ALS, co-occurrence and EASE (COLLAB_SPLIT); the rest goes to content
  (similar text to what they touched or typed) and to recent popularity, CONTENT_SHARE : 1 - CONTENT_SHARE;
  a new visitor gets VISITOR_CONTENT_SHARE content when they stated interests or typed what they look for,
  and popularity only when they did neither.
A shopper with history who also typed what they look for gets at least the rule's content share.

"More like this product" (`Scorer.similar`) blends SIMILAR_WEIGHTS of text similarity, co-occurrence
(scaled by its row maximum) and ALS taste similarity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse

from suite.recommend import ease
from suite.recommend.recmodel import RecModel

HISTORY_PIVOT = 2.0
ALS_SHARE = 0.2
COLLAB_SPLIT = {"als": 0.2, "cooc": 0.4, "ease": 0.4}  # of the collaborative share, when the model has EASE
CONTENT_SHARE = 0.3
VISITOR_CONTENT_SHARE = 0.7  # no history but stated interests: mostly what they asked for
COMPONENTS = ("als", "cooc", "recent", "ease", "content", "popularity")
SEGMENT_EDGES = (1, 5, 20)  # history lengths [1, 5), [5, 20), [20, ...): one set of learned weights each
SIMILAR_WEIGHTS = {"content": 0.5, "cooc": 0.3, "als": 0.2}


@dataclass(frozen=True)
class Blend:
    """Learned weights, one dict (component -> weight, summing to 1) per history-length segment."""

    weights: tuple[dict[str, float], ...]
    edges: tuple[int, ...] = SEGMENT_EDGES
    validation: dict = field(default_factory=dict)  # what the fit measured (users, NDCG@10 before/after)

    def as_dict(self) -> dict:
        return {"edges": list(self.edges), "weights": [dict(w) for w in self.weights], "validation": self.validation}

    @classmethod
    def from_dict(cls, data: dict | None) -> Blend | None:
        if not data:
            return None
        weights = tuple({name: float(w.get(name, 0.0)) for name in COMPONENTS} for w in data["weights"])
        return cls(weights=weights, edges=tuple(data["edges"]), validation=data.get("validation", {}))

    def segment(self, history_lengths: np.ndarray) -> np.ndarray:
        """Segment index of each history length (only meaningful for lengths >= 1)."""
        return np.clip(np.searchsorted(self.edges, history_lengths, side="right") - 1, 0, len(self.weights) - 1)


def collaborative_share(history_length: np.ndarray | float) -> np.ndarray | float:
    """The weight on what similar shoppers chose (ALS + co-occurrence) for a history of n distinct products."""
    return history_length / (history_length + HISTORY_PIVOT)


def describe_blend() -> str:
    """The blending rule in words for merchandisers."""
    return (
        "For shoppers with a history, the weights of what similar shoppers chose, of what goes with the product "
        "they looked at last, of products whose description matches what they looked at, and of what is popular "
        "right now are learned from each shopper's most recent visits before every training (separately for "
        "short, medium and long histories). New visitors "
        "get products whose description matches what they asked for, and what is popular right now."
    )


def _scale_rows(scores: np.ndarray) -> np.ndarray:
    low = scores.min(axis=1, keepdims=True)
    span = scores.max(axis=1, keepdims=True) - low
    return np.divide(scores - low, span, out=np.zeros_like(scores), where=span > 1e-12)


def rule_weights(
    history_lengths: np.ndarray, has_query: np.ndarray | None = None, *, with_ease: bool = True
) -> dict[str, np.ndarray]:
    """Per-shopper weights of each component by the fixed rule (module docstring)."""
    n = np.asarray(history_lengths, dtype=np.float32)
    informed = n > 0 if has_query is None else (n > 0) | np.asarray(has_query)
    collab = collaborative_share(n)
    content = np.where(informed, (1 - collab) * CONTENT_SHARE, 0.0)
    content = np.where((n == 0) & informed, VISITOR_CONTENT_SHARE, content)
    split = COLLAB_SPLIT if with_ease else {"als": ALS_SHARE, "cooc": 1 - ALS_SHARE, "ease": 0.0}
    return {
        **{name: collab * share for name, share in split.items()},
        "recent": np.zeros_like(n),  # only the learned blend weighs the latest product's partners
        "content": content,
        "popularity": 1 - collab - content,
    }


def blend_weights(
    history_lengths: np.ndarray,
    has_query: np.ndarray | None = None,
    blend: Blend | None = None,
    *,
    with_ease: bool = True,
) -> dict[str, np.ndarray]:
    """Per-shopper weights of each component: the learned blend for shoppers with history, else the rule."""
    n = np.asarray(history_lengths, dtype=np.float32)
    rule = rule_weights(n, has_query, with_ease=with_ease)
    if blend is None:
        return rule
    segment = blend.segment(n)
    learned = {name: np.array([w[name] for w in blend.weights], dtype=np.float32)[segment] for name in COMPONENTS}
    out = {name: np.where(n > 0, learned[name], rule[name]) for name in COMPONENTS}
    if has_query is not None:  # they typed what they look for: at least the rule's share on the text match
        asked = (n > 0) & np.asarray(has_query)
        out["content"] = np.where(asked, np.maximum(out["content"], rule["content"]), out["content"])
    return out


@dataclass
class Scorer:
    """Batch scoring over the model's items; `vectors` are the content vectors in the same item order."""

    model: RecModel
    vectors: np.ndarray

    @cached_property
    def learned(self) -> Blend | None:
        return Blend.from_dict(self.model.blend)

    # Per-model work done once, not on every request (a Scorer lives as long as its serving model).
    @cached_property
    def _log_popularity(self) -> np.ndarray:
        return np.log1p(self.model.popularity).astype(np.float32)

    def _times_cooc(self, rows: sparse.csr_matrix) -> np.ndarray:
        """`rows @ cooc` as a dense array; one shopper gathers only the co-occurrence rows they touched."""
        if rows.shape[0] == 1:
            return self._cooc_row(rows)
        return np.asarray((rows @ self.model.cooc).todense(), dtype=np.float32)

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
        latest: sparse.csr_matrix | None = None,
        only: tuple[str, ...] = COMPONENTS,
    ) -> dict[str, np.ndarray]:
        """Raw (unscaled) scores per component, each (n_users x n_items).

        `user_vectors` are ALS user factors when known (training users); otherwise they are recalculated
        from `histories`. `queries` (n_users x dim, zero rows allowed) add stated interests to the profile.
        `latest` marks each shopper's most recent product (`RecModel.latest_matrix`): "recent" is the
        co-occurrence row of that product alone (what goes with what they just touched); zeros without it.
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
            out["cooc"] = self._times_cooc(damped)
        if "recent" in only:
            out["recent"] = (
                self._times_cooc(latest) if latest is not None else np.zeros((n, self.vectors.shape[0]), np.float32)
            )
        if "ease" in only:
            if self.model.ease is None:
                out["ease"] = np.zeros((n, self.vectors.shape[0]), dtype=np.float32)
            else:
                out["ease"] = ease.score(self.model.ease, histories)
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
        weights = self.weights(history_lengths, has_query)
        parts = {name: _scale_rows(components[name]) * weights[name][:, None] for name in COMPONENTS}
        return sum(parts.values()), parts

    def weights(self, history_lengths: np.ndarray, has_query: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per-shopper component weights: the model's learned blend, else the fixed rule."""
        return blend_weights(history_lengths, has_query, self.learned, with_ease=self.model.ease is not None)

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
