"""Turning hybrid scores into the list a shopper sees: business rules, category cap, top k, a reason per card."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from suite.errors import message
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
    """The top `k` for one shopper (or a visitor: `user_id` None, empty `history`) from their history and interests.

    Interests are a filter: only products of those categories are shown. A typed `text` ranks the products
    that match it first (within the interests when both are given); when none matches, the list says so in
    `note` and no card claims to match it. Every reason names the driver with the largest share of its card's
    score (`explain.attribute`).
    """
    model, scorer = serving.model, serving.scorer
    catalog, arrays = model.catalog, model.arrays
    text = (text or "").strip()
    shopper = [user_id or "_visitor"]
    hist = model.history_matrix(history, shopper) if not history.empty else None
    if hist is None:
        hist = sparse.csr_matrix((1, len(catalog)), dtype=np.float32)
    latest = model.latest_matrix(history, shopper)
    blocked = rules.blocked_for(arrays.hidden, arrays.consumable, history, model.item_index, dismissed)
    allowed = ~blocked
    if interests:
        in_interest = catalog["category"].isin(interests).to_numpy()
        allowed &= in_interest
    where = ", ".join(interests)
    note, match = "", np.zeros(len(catalog), dtype=np.int8)
    text_vector = None
    if text:
        text_vector = serving.embedder.embed([text])[0]
        match = explain.text_match(scorer, text, text_vector)
        if not (match[allowed] > 0).any():
            key = "rec.note.nothing_in" if interests else "rec.note.nothing"
            note = message(key, where=where, text=text) if interests else message(key, text=text)
            text, text_vector, match = "", None, np.zeros(len(catalog), dtype=np.int8)
    queries = None
    if text_vector is not None:
        queries = text_vector[None, :].astype(np.float32)
    elif interests:
        queries = serving.embedder.embed(["Interested in " + ", ".join(interests)])
    parts = scorer.components(hist, queries=queries, latest=latest)
    if interests:
        parts["popularity"] = np.where(in_interest[None, :], parts["popularity"], 0.0)
    length = np.array([hist.indptr[1] - hist.indptr[0]])
    has_query = np.array([queries is not None])
    scores, contributions = scorer.blend(parts, length, has_query)
    if interests and max_per_category:  # the shopper chose the categories: the cap must not empty the list
        max_per_category = max(max_per_category, -(-k // len(interests)))
    ordering = scores + 2.0 * (match[None, :] == 2) + 1.0 * (match[None, :] == 1)  # matches of the text first
    chosen = top_k(ordering, ~allowed[None, :], k, categories=arrays.categories, max_per_category=max_per_category)[0]
    found = int((match[allowed] > 0).sum())
    if text and not note and found < len(chosen):
        key = "rec.note.only_one" if found == 1 else "rec.note.only_some"
        note = message(f"{key}_in" if interests else key, count=found, where=where, text=text)
    events = explain.strongest_events(model.positions(history["item_id"]), history["event"])
    weights = scorer.weights(length, has_query)
    attribution = explain.attribute(scorer, hist, parts, weights, chosen, queries, latest)
    items = []
    for card, index in enumerate(chosen):
        kind, anchor, component = explain.driver(attribution, card)
        if kind == "query" and text and match[index] == 0:
            kind, component = "popularity", "popularity"  # never claim a text match the product does not have
        reason = explain.reason(
            scorer, int(index), kind, anchor, component, events, text=text, match=int(match[index]), interests=interests
        )
        items.append(_card(arrays, int(index), float(scores[0, index]), reason, component))
    return RecommendationList(
        user_id=user_id,
        items=items,
        note=note,
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
        items.append(_card(model.arrays, int(i), float(scores[i]), message(explain.SIMILAR_REASONS[source]), source))
    return RecommendationList(user_id=None, items=items, model_version=model.version, device=serving.device)
