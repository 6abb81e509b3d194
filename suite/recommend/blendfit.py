"""Learning the hybrid's blend: per history-length segment, the component weights that rank best.

The data is the training frame only: each shopper's latest VALIDATION share of it is held out, an inner
model is fitted on the rest, and coordinate ascent over GRID picks the weights that maximise NDCG@10 of the
held-out products (the evaluation protocol of `suite.recommend.evaluate`, one level down). First one set for
every validation shopper, then each segment refines it when it has MIN_SEGMENT_USERS shoppers and the
refinement gains at least MIN_GAIN (else it keeps the pooled weights: small segments would fit noise).
The test split of an evaluation is never seen: that split is cut off before `train_model` gets the frame.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from suite.recommend.hybrid import COMPONENTS, SEGMENT_EDGES, Blend, Scorer, _scale_rows, rule_weights

logger = logging.getLogger(__name__)

VALIDATION = 0.2
K = 10
GRID = (0.0, 0.05, 0.1, 0.2, 0.35, 0.6, 1.0)
PASSES = 2
MIN_USERS = 30  # fewer validation shoppers than this: no learned blend (the rule serves)
MIN_SEGMENT_USERS = 100
MIN_GAIN = 0.001  # NDCG@10 a segment's own weights must add over the pooled ones
MAX_USERS = 2_000  # validation shoppers used (a seeded sample beyond that: the fit stays within a second or two)
POOL = 40
_DISCOUNTS = 1.0 / np.log2(np.arange(2, K + 2))


class _Ndcg:
    """NDCG@10 of weighted sums of fixed, scaled component matrices, fast enough to call a hundred times.

    Each shopper's candidates are the union of every component's top POOL products (a product outside all
    of them cannot reach a blend's top 10 unless several components rank it just below POOL), so one call
    ranks about 5 x POOL columns instead of the whole catalog.
    """

    def __init__(self, parts: dict[str, np.ndarray], blocked: np.ndarray, targets: np.ndarray) -> None:
        in_pool = np.zeros(blocked.shape, dtype=bool)
        for values in parts.values():
            masked = np.where(blocked, -np.inf, values)
            top = np.argpartition(-masked, POOL - 1, axis=1)[:, :POOL]
            np.put_along_axis(in_pool, top, True, axis=1)
        in_pool &= ~blocked
        width = int(in_pool.sum(axis=1).max())
        pool = np.argsort(~in_pool, axis=1, kind="stable")[:, :width]  # pool members first
        valid = np.take_along_axis(in_pool, pool, axis=1)
        self.parts = {name: np.take_along_axis(values, pool, axis=1) for name, values in parts.items()}
        self.targets = np.take_along_axis(targets, pool, axis=1) & valid
        self.penalty = np.where(valid, np.float32(0.0), np.float32(-1e9))
        counts = np.minimum(targets.sum(axis=1), K)
        self.ideal = np.cumsum(_DISCOUNTS)[np.maximum(counts, 1) - 1]

    def per_user(self, weights: dict[str, float], rows: np.ndarray) -> np.ndarray:
        scores = self.penalty[rows].copy()
        for name, weight in weights.items():
            if weight:
                scores += np.float32(weight) * self.parts[name][rows]
        top = np.argpartition(-scores, K - 1, axis=1)[:, :K]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        hits = np.take_along_axis(self.targets[rows], top, axis=1)
        return (hits * _DISCOUNTS).sum(axis=1) / self.ideal[rows]

    def __call__(self, weights: dict[str, float], rows: np.ndarray) -> float:
        return float(self.per_user(weights, rows).mean())


def _ascend(ndcg: _Ndcg, start: dict[str, float], rows: np.ndarray, names: tuple[str, ...], passes: int):
    """Coordinate ascent over GRID, one component at a time; returns (weights, NDCG@10)."""
    weights, best = dict(start), ndcg(start, rows)
    for _ in range(passes):
        improved = False
        for name in names:
            for value in GRID:
                if value == weights[name]:
                    continue
                trial = {**weights, name: value}
                if not any(trial[n] for n in names if n != "popularity"):
                    continue  # popularity alone is not a personal blend
                score = ndcg(trial, rows)
                if score > best + 1e-6:
                    weights, best, improved = trial, score, True
        if not improved:
            break
    return weights, best


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values()) or 1.0
    return {name: round(weights.get(name, 0.0) / total, 4) for name in COMPONENTS}


def learn_blend(
    frame: pd.DataFrame,
    catalog: pd.DataFrame,
    *,
    device: str = "cpu",
    embedder=None,
    cache_dir: Path | None = None,
    validation: str = "time",
) -> dict | None:
    """The learned `Blend` (as a dict, saved with the model), or None when the frame is too small to hold out.

    `validation` is how the held-out part is carved: "time" (each shopper's latest interactions: the future a
    live shop predicts, the default) or "random" (a seeded random share per shopper, for a benchmark whose
    test split is random, like the Recommenders protocol on MovieLens).
    """
    from suite.recommend.content import content_vectors
    from suite.recommend.evaluate import build_eval_set, random_split, time_split
    from suite.recommend.recmodel import train_model

    split = {"time": time_split, "random": random_split}[validation]
    inner, validation_part = split(frame, VALIDATION)
    if inner.empty or validation_part.empty:
        return None
    model = train_model(inner, catalog, version="validation", device=device, learn_blend=False)
    eval_set = build_eval_set(model, inner, validation_part)
    if len(eval_set.users) > MAX_USERS:
        eval_set = eval_set.subset(np.sort(np.random.default_rng(0).choice(len(eval_set.users), MAX_USERS, False)))
    if len(eval_set.users) < MIN_USERS:
        logger.info("only %d validation shoppers: the recommender keeps its fixed blend", len(eval_set.users))
        return None
    names = tuple(n for n in COMPONENTS if (n != "ease" or model.ease is not None) and (n != "content" or embedder))
    n_items = len(model.catalog)
    vectors = content_vectors(model.catalog, embedder, cache_dir) if embedder is not None else None
    scorer = Scorer(model, vectors if vectors is not None else np.zeros((n_items, 1), np.float32))
    rows = np.array([model.user_index.get(u, -1) for u in eval_set.users])
    user_vectors = model.als.user_factors[rows] if (rows >= 0).all() else None
    raw = scorer.components(eval_set.histories, user_vectors=user_vectors, latest=eval_set.latest, only=names)
    parts = {name: _scale_rows(values).astype(np.float32) for name, values in raw.items()}
    blocked = (eval_set.histories.toarray() > 0) | ~model.catalog["in_catalog"].to_numpy(dtype=bool)[None, :]
    targets = np.zeros((len(eval_set.users), n_items), dtype=bool)
    for row, target in enumerate(eval_set.targets):
        targets[row, target] = True
    ndcg = _Ndcg(parts, blocked, targets)

    lengths = np.diff(eval_set.histories.indptr)
    everyone = np.arange(len(lengths))
    rule = rule_weights(np.array([float(np.median(lengths))]), with_ease=model.ease is not None)
    start = {name: float(rule[name][0]) if name in names else 0.0 for name in COMPONENTS}
    pooled, pooled_ndcg = _ascend(ndcg, start, everyone, names, PASSES)
    segment_of = np.clip(np.searchsorted(SEGMENT_EDGES, lengths, side="right") - 1, 0, len(SEGMENT_EDGES) - 1)
    weights, report = [], {"users": len(lengths), "pooled_ndcg_at_10": round(pooled_ndcg, 4), "segments": []}
    for segment in range(len(SEGMENT_EDGES)):
        members = everyone[segment_of == segment]
        chosen = pooled
        entry = {"from": SEGMENT_EDGES[segment], "users": int(members.size)}
        if members.size:
            rule_ndcg, base = ndcg(start, members), ndcg(pooled, members)
            entry.update(rule_ndcg_at_10=round(rule_ndcg, 4), ndcg_at_10=round(base, 4))
            if members.size >= MIN_SEGMENT_USERS:
                own, own_ndcg = _ascend(ndcg, pooled, members, names, 1)
                if own_ndcg >= base + MIN_GAIN:
                    chosen = own
                    entry.update(ndcg_at_10=round(own_ndcg, 4), own_weights=True)
        weights.append(_normalised(chosen))
        report["segments"].append(entry)
    report["split"] = validation
    return Blend(weights=tuple(weights), validation=report).as_dict()
