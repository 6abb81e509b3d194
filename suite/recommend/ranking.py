"""Turning hybrid scores into the list a shopper sees: business rules, category cap, top k, a reason per card."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from suite.recommend import explain, rules
from suite.recommend.hybrid import top_k
from suite.recommend.models import Recommendation, RecommendationList, UnknownProduct
from suite.recommend.recmodel import CatalogArrays
from suite.recommend.serving import Serving


def _card(arrays: CatalogArrays, index: int, score: float, reason: str, source: str) -> Recommendation:
    price = arrays.prices[index]
    return Recommendation(
        item_id=str(arrays.item_ids[index]),
        title=arrays.titles[index],
        category=str(arrays.categories[index]),
        price=None if np.isnan(price) else float(price),
        score=score,
        reason=reason,
        source=source,
    )


def rank(
    serving: Serving,
    user_id: str | None,
    history: pd.DataFrame,
    dismissed: set[str],
    *,
    k: int,
    max_per_category: int | None,
    interests: list[str],
    text: str,
) -> RecommendationList:
    """The top `k` for one shopper (or a visitor: `user_id` None, empty `history`) from their history and interests."""
    model, scorer = serving.model, serving.scorer
    catalog, arrays = model.catalog, model.arrays
    hist = model.history_matrix(history, [user_id or "_visitor"]) if not history.empty else None
    if hist is None:
        hist = sparse.csr_matrix((1, len(catalog)), dtype=np.float32)
    query_text = ". ".join(filter(None, [("Interested in " + ", ".join(interests)) if interests else "", text]))
    queries = serving.embedder.embed([query_text]) if query_text else None
    parts = scorer.components(hist, queries=queries)
    if interests:
        in_interest = catalog["category"].isin(interests).to_numpy()
        parts["popularity"] = np.where(in_interest[None, :], parts["popularity"], 0.0)
    length = np.array([hist.indptr[1] - hist.indptr[0]])
    scores, contributions = scorer.blend(parts, length, np.array([bool(query_text)]))
    blocked = rules.blocked_for(arrays.hidden, arrays.consumable, history, model.item_index, dismissed)
    chosen = top_k(scores, blocked[None, :], k, categories=arrays.categories, max_per_category=max_per_category)[0]
    events = explain.strongest_events(model.positions(history["item_id"]), history["event"])
    stated = text or ", ".join(interests)
    items = []
    for index in chosen:
        source = max(contributions, key=lambda name: contributions[name][0, index])
        reason = explain.reason(scorer, int(index), source, events, stated)
        items.append(_card(arrays, int(index), float(scores[0, index]), reason, source))
    return RecommendationList(
        user_id=user_id,
        items=items,
        model_version=model.version,
        device=serving.device,
        weights={name: float(np.max(contributions[name])) for name in contributions},
    )


def similar(serving: Serving, item_id: str, *, k: int) -> RecommendationList:
    """Products like `item_id` (the hybrid's `Scorer.similar`), in stock and listed, never the product itself.

    Raises:
        UnknownProduct: `item_id` is not in the catalog.
    """
    model = serving.model
    index = model.item_index.get(item_id)
    if index is None:
        raise UnknownProduct(f"No product with id {item_id!r} in the catalog. Check the id or import the catalog.")
    scores, parts = serving.scorer.similar(index)
    blocked = model.arrays.hidden.copy()
    blocked[index] = True
    chosen = top_k(scores[None, :], blocked[None, :], k)[0]
    items = []
    for i in chosen:
        source = max(parts, key=lambda name: parts[name][i])
        items.append(_card(model.arrays, int(i), float(scores[i]), explain.SIMILAR_REASONS[source], source))
    return RecommendationList(user_id=None, items=items, model_version=model.version, device=serving.device)
