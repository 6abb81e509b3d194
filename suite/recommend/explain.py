"""The reason shown under each card, in the shopper's terms ("Because you bought the ...")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from suite.recommend.hybrid import Scorer

VERBS = {
    "purchase": "bought",
    "cart": "put in your cart",
    "click": "clicked on",
    "view": "looked at",
    "rating": "rated",
}
EVENT_RANK = {"view": 0, "click": 1, "rating": 2, "cart": 3, "purchase": 4}
SIMILAR_REASONS = {
    "content": "Similar description",
    "cooc": "Often chosen by the same shoppers",
    "als": "Liked by shoppers with similar taste",
}


def strongest_events(positions: np.ndarray, events: pd.Series) -> dict[int, str]:
    """Per product row in the history, its strongest event (a purchase beats a view of the same product)."""
    strongest: dict[int, str] = {}
    for item, event in zip(positions, events, strict=True):
        if item >= 0 and EVENT_RANK.get(event, 0) >= EVENT_RANK.get(strongest.get(int(item), "view"), 0):
            strongest[int(item)] = event
    return strongest


def reason(scorer: Scorer, item: int, source: str, events: dict[int, str], query_text: str) -> str:
    """Why `item` was picked, given the component that chose it and the shopper's history (`events`)."""
    model = scorer.model
    arrays = model.arrays
    history_idx = np.array(sorted(events), dtype=np.int64)
    if source == "popularity" or (source != "content" and history_idx.size == 0):
        return f"Popular in {arrays.categories[item]} right now"
    if source == "content" and history_idx.size == 0:
        return f"Matches what you are looking for: “{query_text}”" if query_text else "Matches your interests"
    if source == "content":
        sims = scorer.vectors[history_idx] @ scorer.vectors[item]
    else:
        sims = model.cooc_row(item)[history_idx]  # co-occurrence is symmetric: one row
        if sims.max(initial=0) <= 0:
            factors = model.als.item_factors
            sims = factors[history_idx] @ factors[item]
    anchor = int(history_idx[int(np.argmax(sims))])
    verb = VERBS.get(events.get(anchor, "view"), "looked at")
    title = arrays.titles[anchor]
    if source == "content":
        return f"Similar to the {title} you {verb}"
    return f"Because you {verb} the {title}"
