"""The reason shown under each card, in the shopper's terms ("Because you bought the ..."), and always true.

A card's hybrid score is a weighted sum of min-max scaled components, and every component but popularity is
a sum over the shopper's history (co-occurrence and EASE: one row per product touched; content: the history
profile, plus what they typed; ALS: the recalculated user vector is a linear solve, so its score splits into
one share per history product too). `attribute` computes those shares for each card; the reason names the
driver with the largest share: a history product, the typed text, or recent popularity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from suite.errors import message
from suite.recommend.hybrid import Scorer

# The reasons are catalogue sentences (`suite.errors.Message`: English as a str for the CLI and API, the page
# shows them in its language); the keys are in suite/i18n/locales/*/LC_MESSAGES/rec_reasons.po.
VERBS = {"purchase": "bought", "cart": "cart", "click": "clicked", "view": "viewed", "rating": "rated"}
EVENT_RANK = {"view": 0, "click": 1, "rating": 2, "cart": 3, "purchase": 4}
SIMILAR_REASONS = {"content": "rec.reason.similar_text", "cooc": "rec.reason.same_shoppers", "als": "rec.reason.taste"}
# Text similarity of a typed search to a product (the bundled embedder; "quiet coffee grinder": espresso beans
# 0.32, the best baby product 0.19; "yoga mat": yoga mats 0.71, a yoga jump rope about 0.5; "gift for a
# newborn": newborn bottle sets 0.53; nonsense text at most 0.19 anywhere).
MATCH_COSINE = 0.55  # "Matches what you are looking for"
RELATED_COSINE = 0.30  # "Related to what you are looking for"; below: not a match at all
_STOP = {"the", "and", "for", "with", "a", "an", "of", "to", "in", "my", "me", "some", "something", "i", "want"}


def strongest_events(positions: np.ndarray, events: pd.Series) -> dict[int, str]:
    """Per product row in the history, its strongest event (a purchase beats a view of the same product)."""
    strongest: dict[int, str] = {}
    for item, event in zip(positions, events, strict=True):
        if item >= 0 and EVENT_RANK.get(event, 0) >= EVENT_RANK.get(strongest.get(int(item), "view"), 0):
            strongest[int(item)] = event
    return strongest


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2 and w not in _STOP}


def text_match(scorer: Scorer, text: str, text_vector: np.ndarray | None) -> np.ndarray:
    """Per product: 2 = matches the typed text, 1 = related to it, 0 = neither.

    A product matches when its text is close to the search (cosine >= MATCH_COSINE) or its title holds every
    word of it; related at cosine >= RELATED_COSINE.
    """
    n = scorer.vectors.shape[0]
    if not text.strip():
        return np.zeros(n, dtype=np.int8)
    out = np.zeros(n, dtype=np.int8)
    if text_vector is not None:
        cosine = scorer.vectors @ np.asarray(text_vector, dtype=np.float32)
        out[cosine >= RELATED_COSINE] = 1
        out[cosine >= MATCH_COSINE] = 2
    wanted = _words(text)
    if wanted:
        titles = scorer.model.arrays.titles
        for i in np.flatnonzero(out < 2):
            if wanted <= _words(titles[i]):
                out[i] = 2
    return out


@dataclass
class Attribution:
    """Each card's score split by driver: `history` (cards x history products), `query`, `popularity`,
    plus `offset` (the part no driver owns: each component's scaling shift, the same for every card)."""

    history_items: np.ndarray  # product rows of the history, in column order of `history`
    history: np.ndarray
    history_by_component: dict[str, np.ndarray]
    query: np.ndarray
    popularity: np.ndarray
    offset: float

    def total(self) -> np.ndarray:
        return self.history.sum(axis=1) + self.query + self.popularity + self.offset


def attribute(
    scorer: Scorer,
    hist: sparse.csr_matrix,
    raw: dict[str, np.ndarray],
    weights: dict[str, np.ndarray],
    cards: np.ndarray,
    queries: np.ndarray | None,
    latest: sparse.csr_matrix | None = None,
) -> Attribution:
    """Split the blended score of `cards` (product rows) for one shopper into one share per driver.

    `hist` is the (1 x items) history matrix, `raw` the unscaled components (`Scorer.components`), `weights`
    the per-shopper blend weights (`Scorer.weights`), `queries` the typed text's vector (1 x dim) or None,
    `latest` the (1 x items) mark of their most recent product (its share is the "recent" component).
    """
    model = scorer.model
    cards = np.asarray(cards, dtype=np.int64)
    row = hist.getrow(0)
    items, values = row.indices.astype(np.int64), row.data.astype(np.float32)
    order = np.argsort(items)
    items, values = items[order], values[order]
    damped = np.log1p(values)
    scale, offset = {}, 0.0
    for name, component in raw.items():
        low, high = float(component[0].min()), float(component[0].max())
        span = high - low
        scale[name] = float(weights[name][0]) / span if span > 1e-12 else 0.0
        offset -= scale[name] * low
    shares: dict[str, np.ndarray] = {}
    n_cards, n_hist = cards.size, items.size
    zeros = np.zeros((n_cards, n_hist), dtype=np.float64)
    query = np.zeros(n_cards)
    if n_hist:
        cooc = model.cooc[items][:, cards].toarray().T  # (cards x history)
        shares["cooc"] = scale.get("cooc", 0.0) * cooc * damped[None, :]
        if latest is not None and latest.nnz and "recent" in raw:
            shares["recent"] = scale.get("recent", 0.0) * cooc * np.isin(items, latest.indices)[None, :]
        if model.ease is not None:
            shares["ease"] = scale.get("ease", 0.0) * model.ease[np.ix_(items, cards)].T.astype(np.float64)
        profile = damped @ scorer.vectors[items]
        norm = float(np.linalg.norm(profile))
        if norm > 0:
            sims = scorer.vectors[cards] @ scorer.vectors[items].T
            shares["content"] = scale.get("content", 0.0) * sims * (damped / norm)[None, :]
        als = model.als
        y = als.item_factors[items].astype(np.float64)
        confidence = values.astype(np.float64) * als.alpha
        factors = als.item_factors.astype(np.float64)
        gram = factors.T @ factors + als.regularization * np.eye(factors.shape[1])
        gram += (y.T * (confidence - 1.0)) @ y
        solved = np.linalg.solve(gram, y.T)  # factors x history: the user vector is solved @ confidence
        shares["als"] = scale.get("als", 0.0) * (als.item_factors[cards] @ solved) * confidence[None, :]
    if queries is not None:
        query = scale.get("content", 0.0) * (scorer.vectors[cards] @ queries[0])
    popularity = scale.get("popularity", 0.0) * raw["popularity"][0, cards] if "popularity" in raw else zeros[:, 0]
    history = sum(shares.values(), zeros.copy())
    return Attribution(items, history, shares, query, np.asarray(popularity, dtype=np.float64), offset)


def driver(attribution: Attribution, card: int) -> tuple[str, int | None, str]:
    """(kind, history product row or None, component) of the largest share of card number `card`.

    kind is "history", "query" or "popularity"; component is the one giving most of that history product's
    share ("content", "cooc", "ease", "als"), or the kind itself.
    """
    best_query, best_popularity = attribution.query[card], attribution.popularity[card]
    if attribution.history.shape[1]:
        column = int(np.argmax(attribution.history[card]))
        best_history = attribution.history[card, column]
        if best_history >= max(best_query, best_popularity) and best_history > 0:
            parts = {name: share[card, column] for name, share in attribution.history_by_component.items()}
            return "history", int(attribution.history_items[column]), max(parts, key=parts.get)
    if best_query > best_popularity:
        return "query", None, "content"
    return "popularity", None, "popularity"


def reason(
    scorer: Scorer,
    item: int,
    kind: str,
    anchor: int | None,
    component: str,
    events: dict[int, str],
    *,
    text: str = "",
    match: int = 0,
    interests: list[str] | tuple[str, ...] = (),
) -> str:
    """The sentence under a card for the driver `driver` found (`match`: `text_match` of this product)."""
    arrays = scorer.model.arrays
    category = str(arrays.categories[item])
    if kind == "history" and anchor is not None:
        verb = VERBS.get(events.get(anchor, "view"), "viewed")
        how = "similar" if component == "content" else "because"
        return message(f"rec.reason.{how}.{verb}", title=str(arrays.titles[anchor]))
    if text and match == 2:
        return message("rec.reason.matches", text=text)
    if text and match == 1:
        return message("rec.reason.related", text=text)
    if interests and category in interests:
        return (
            message("rec.reason.popular_interest", category=category)
            if kind == "popularity"
            else message("rec.reason.interests")
        )
    return message("rec.reason.popular", category=category)
