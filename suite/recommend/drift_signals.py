"""The recommender's drift signals: what it recommends (category mix) and how often it knows the shopper."""

from __future__ import annotations

from suite.drift import DriftSignal, event_outputs, label_mix
from suite.recommend import queries
from suite.store import Store

MODULE = "recommend"


def drift_signals(store: Store, *, recent_days: int, reference_days: int) -> list[DriftSignal]:
    """Category mix of the products recommended, and the share of shoppers with no history (cold start)."""
    reference, recent = event_outputs(store, MODULE, recent_days=recent_days, reference_days=reference_days)
    category = queries.item_categories(store)

    def categories(outputs: list[dict]) -> list[str]:
        return [category.get(str(item), "Unknown") for output in outputs for item in output.get("items") or []]

    def cold_start(outputs: list[dict]) -> list[str]:
        return ["no history" if o.get("cold_start") else "known shopper" for o in outputs if o.get("user_id")]

    return [
        label_mix(MODULE, "category mix of recommended products", categories(reference), categories(recent)),
        label_mix(MODULE, "shoppers with no history", cold_start(reference), cold_start(recent)),
    ]
