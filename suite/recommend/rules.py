"""Business rules applied to every list a shopper sees (after scoring, before the top 10 is picked)."""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_MAX_PER_CATEGORY = 4
RULES_IN_WORDS = (
    "Products a shopper dismissed, already bought (unless they run out, like coffee) or that are out of stock "
    "are never shown."
)


def blocked_items(
    catalog: pd.DataFrame,
    history: pd.DataFrame,
    item_index: dict[str, int],
    dismissed: set[str],
) -> np.ndarray:
    """True where an item must not be shown to this shopper.

    - anything they said "not interested" to (honoured at once, before any retraining);
    - anything they already interacted with, except consumables they bought (they run out and re-buy);
    - products out of stock, or known only from the log and missing from the catalog.
    """
    hidden = ~catalog["in_stock"].to_numpy(dtype=bool) | ~catalog["in_catalog"].to_numpy(dtype=bool)
    return blocked_for(hidden, catalog["consumable"].to_numpy(dtype=bool), history, item_index, dismissed)


def blocked_for(
    hidden: np.ndarray,
    consumable: np.ndarray,
    history: pd.DataFrame,
    item_index: dict[str, int],
    dismissed: set[str],
) -> np.ndarray:
    """`blocked_items` from the catalog's precomputed `hidden` and `consumable` flags (the per-request path)."""
    blocked = hidden.copy()
    items, events = history["item_id"].tolist(), history["event"].tolist()
    bought = {item for item, event in zip(items, events, strict=True) if event == "purchase"}
    for item in set(items):
        index = item_index.get(item)
        if index is not None and not (consumable[index] and item in bought):
            blocked[index] = True
    for item in dismissed:
        index = item_index.get(item)
        if index is not None:
            blocked[index] = True
    return blocked
