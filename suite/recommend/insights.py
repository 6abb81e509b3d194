"""What the lists actually shown look like: catalog coverage, popularity concentration, category mix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from suite.recommend import queries
from suite.recommend.models import Insights
from suite.recommend.recmodel import RecModel
from suite.store import Store


def insights(store: Store, model: RecModel) -> Insights:
    """The latest 5,000 lists shown to shoppers and visitors, measured against `model`'s catalog."""
    lists = queries.shown_lists(store)
    shown = [item for output in lists for item in (output.get("items", []) if isinstance(output, dict) else [])]
    in_catalog = model.catalog[model.catalog["in_catalog"]]
    order = np.argsort(-model.popularity)
    popular = set(model.catalog["item_id"].to_numpy()[order[: max(1, len(order) // 10)]])  # the top 10 %
    by_category = pd.Series(
        model.catalog.set_index("item_id")["category"].reindex(shown).fillna("Unknown").to_numpy()
    ).value_counts()
    return Insights(
        model_version=model.version,
        trained_at=model.trained_at,
        data_until=model.data_until,
        lists_shown=len(lists),
        items_shown=len(shown),
        catalog_size=len(in_catalog),
        catalog_coverage=len(set(shown)) / max(len(in_catalog), 1),
        popular_share=(sum(i in popular for i in shown) / len(shown)) if shown else 0.0,
        shown_by_category={str(k): int(v) for k, v in by_category.items()},
        feedback=queries.feedback_counts(store),
    )
