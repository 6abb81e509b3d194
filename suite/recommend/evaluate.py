"""The offline protocol: each shopper's last 20 % of interactions held out, every model trained on the rest
(the hybrid's blend is learned on a validation split carved from that rest, never on the held-out part).

Targets are the held-out products the shopper had not touched in training; every model ranks all other
products (already-seen ones excluded) and is scored by Recall@10, NDCG@10 and catalog coverage.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from suite.progress import Progress, no_progress
from suite.recommend.content import content_vectors
from suite.recommend.hybrid import Scorer, top_k
from suite.recommend.models import ModelScore
from suite.recommend.recmodel import RecModel, train_model

HOLDOUT = 0.2
K = 10
FEW_INTERACTIONS = 5
MODELS = ("popularity", "cooccurrence", "recent", "als", "ease", "content", "hybrid")
COMPONENT_OF = {
    "popularity": "popularity",
    "cooccurrence": "cooc",
    "recent": "recent",
    "als": "als",
    "ease": "ease",
    "content": "content",
}


def time_split(frame: pd.DataFrame, holdout: float = HOLDOUT) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per shopper, the latest ceil(holdout * n) interactions go to test (shoppers with one stay in train)."""
    frame = frame.sort_values(["user_id", "ts"], kind="stable")
    position = frame.groupby("user_id").cumcount(ascending=False)  # 0 = most recent
    count = frame.groupby("user_id")["item_id"].transform("size")
    n_test = np.where(count >= 2, np.ceil(count * holdout), 0)
    is_test = position.to_numpy() < n_test
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)


def random_split(frame: pd.DataFrame, holdout: float = HOLDOUT, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per shopper, a seeded random round(holdout * n) of their interactions to test (shoppers with one stay)."""
    shuffled = frame.sample(frac=1.0, random_state=seed)
    position = shuffled.groupby("user_id").cumcount()
    count = shuffled.groupby("user_id")["item_id"].transform("size")
    is_test = ((position < np.round(count * holdout)) & (count >= 2)).to_numpy()
    return shuffled[~is_test].reset_index(drop=True), shuffled[is_test].reset_index(drop=True)


@dataclass
class EvalSet:
    users: list[str]
    histories: sparse.csr_matrix  # training history of each evaluated user
    targets: list[np.ndarray]  # item indices held out (new to the user)
    history_counts: np.ndarray  # training interactions per evaluated user
    latest: sparse.csr_matrix  # each evaluated user's most recent training product (RecModel.latest_matrix)

    def subset(self, rows: np.ndarray) -> EvalSet:
        return EvalSet(
            [self.users[r] for r in rows],
            self.histories[rows],
            [self.targets[r] for r in rows],
            self.history_counts[rows],
            self.latest[rows],
        )


def build_eval_set(model: RecModel, train: pd.DataFrame, test: pd.DataFrame) -> EvalSet:
    users = sorted(set(test["user_id"]))
    histories = model.history_matrix(train, users)
    items = model.positions(test["item_id"])
    rows = pd.Index(users).get_indexer(pd.Index(test["user_id"]))
    keep = items >= 0
    held = sparse.csr_matrix((np.ones(int(keep.sum()), np.float32), (rows[keep], items[keep])), shape=histories.shape)
    held.sum_duplicates()
    seen = histories.copy()
    seen.data = np.ones_like(seen.data)
    held = (held - held.multiply(seen)).tocsr()  # products new to the shopper
    held.eliminate_zeros()
    held.sort_indices()
    keep_rows = np.flatnonzero(np.diff(held.indptr) > 0)
    targets = [held.indices[held.indptr[r] : held.indptr[r + 1]].astype(np.int64) for r in keep_rows]
    counts = train.groupby("user_id").size()
    users = [users[r] for r in keep_rows]
    latest = model.latest_matrix(train[train["user_id"].isin(users)], users)
    return EvalSet(users, histories[keep_rows], targets, counts.reindex(users).fillna(0).to_numpy(), latest)


def metrics(ranked: list[np.ndarray], targets: list[np.ndarray], n_items: int, k: int = K) -> dict[str, float]:
    recalls, ndcgs, shown = [], [], set()
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for items, target in zip(ranked, targets, strict=True):
        hits = np.isin(items[:k], target)
        recalls.append(hits.sum() / min(k, target.size))
        ideal = discounts[: min(k, target.size)].sum()
        ndcgs.append(float((hits * discounts[: hits.size]).sum() / ideal))
        shown.update(items[:k].tolist())
    return {
        "recall_at_10": float(np.mean(recalls)) if recalls else 0.0,
        "ndcg_at_10": float(np.mean(ndcgs)) if ndcgs else 0.0,
        "coverage": len(shown) / max(n_items, 1),
        "users": len(ranked),
    }


def rank_all(
    model: RecModel, scorer: Scorer, eval_set: EvalSet, name: str, *, recalculate: bool = False, batch: int = 2048
) -> list[np.ndarray]:
    """Top-10 for every evaluated user with one model (`name` in MODELS), in batches of matrix products.

    ALS uses the trained user vectors, or (with `recalculate`, or for users it never saw) vectors solved
    from the training history, as serving does.
    """
    ranked: list[np.ndarray] = []
    in_catalog = model.catalog["in_catalog"].to_numpy()
    for start in range(0, len(eval_set.users), batch):
        hist = eval_set.histories[start : start + batch]
        latest = eval_set.latest[start : start + batch]
        users = eval_set.users[start : start + batch]
        rows = np.array([model.user_index.get(u, -1) for u in users])
        vectors = None
        if not recalculate and (rows >= 0).all():
            vectors = model.als.user_factors[rows]
        blocked = (hist.toarray() > 0) | ~in_catalog[None, :]
        if name == "hybrid":
            parts = scorer.components(hist, user_vectors=vectors, latest=latest)
            lengths = np.diff(hist.indptr)
            scores, _ = scorer.blend(parts, lengths)
        else:
            component = COMPONENT_OF[name]
            scores = scorer.components(hist, user_vectors=vectors, latest=latest, only=(component,))[component]
        ranked.extend(top_k(scores, blocked, K))
    return ranked


def evaluate(
    frame: pd.DataFrame,
    catalog: pd.DataFrame,
    embedder,
    *,
    cache_dir=None,
    models: tuple[str, ...] = MODELS,
    device: str = "cpu",
    progress: Progress = no_progress,
) -> list[ModelScore]:
    """Time-split evaluation of each model: one score per model, with the same for shoppers with < 5 interactions.

    The hybrid's blend is learned inside `train_model` from the training part only (its own validation split).
    """
    train, test = time_split(frame)
    progress(0, len(models) + 1, "training on the earlier 80 %")
    model = train_model(train, catalog, version="evaluation", device=device, embedder=embedder, cache_dir=cache_dir)
    started = time.perf_counter()
    vectors = content_vectors(model.catalog, embedder, cache_dir)
    content_s = time.perf_counter() - started
    scorer = Scorer(model, vectors)
    eval_set = build_eval_set(model, train, test)
    few = eval_set.history_counts < FEW_INTERACTIONS
    train_s = {
        "popularity": model.train_s["popularity"],
        "cooccurrence": model.train_s["cooccurrence"],
        "als": model.train_s["als"],
        "ease": model.train_s.get("ease", 0.0),
        "content": content_s,
    }
    train_s["hybrid"] = sum(train_s.values()) + model.train_s.get("blend", 0.0)
    train_s["recent"] = train_s["cooccurrence"]  # the same matrix, one row per shopper (not counted twice above)
    results = []
    n_items = int(model.catalog["in_catalog"].sum())
    for done, name in enumerate(models, start=1):
        started = time.perf_counter()
        ranked = rank_all(model, scorer, eval_set, name)
        score_s = time.perf_counter() - started
        row = {"model": name, **metrics(ranked, eval_set.targets, n_items), "train_s": train_s[name]}
        few_ranked = [r for r, f in zip(ranked, few, strict=True) if f]
        few_targets = [t for t, f in zip(eval_set.targets, few, strict=True) if f]
        few_metrics = metrics(few_ranked, few_targets, n_items)
        row.update({f"few_{key}": value for key, value in few_metrics.items()})
        row["score_s"] = score_s
        row = {k: (round(v, 5) if isinstance(v, float) and math.isfinite(v) else v) for k, v in row.items()}
        results.append(ModelScore(**row))
        progress(done, len(models) + 1, name)
    return results
