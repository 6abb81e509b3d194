"""`load_demo`: the sample shop into the store, plus a few example clicks and dismissals for the review queue."""

from __future__ import annotations

import logging

from suite import demo
from suite.errors import ModelUnavailable
from suite.modules import DemoReport
from suite.progress import Progress, no_progress
from suite.recommend import queries
from suite.recommend.default_model import SAMPLE
from suite.recommend.ingest import import_files
from suite.store import Store

logger = logging.getLogger(__name__)

MODULE = "recommend"
DEMO_SHOPPERS = ("U0001", "U0002", "U0003")


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """Import the sample catalog and log (idempotent), then log sample feedback once if the model is built.

    The log's dates are moved to end on the day of the first demo load (`suite.demo.shift_days`).
    """
    progress(0, 2, "catalog and interactions")
    sample = SAMPLE / "interactions.csv.gz"
    # The shop's log moved to end on the day of the first demo load (sample_data/ stays as it is).
    days = demo.shift_days(store, "recommend", demo.last_day(sample, "timestamp"))
    log_file = demo.shifted_csv(
        sample, demo.shifted_path(store.settings, "shop-interactions.csv.gz"), ("timestamp",), days
    )
    catalog, log = import_files(store, catalog=SAMPLE / "catalog.csv", interactions=log_file, source="demo")
    progress(1, 2, "sample feedback")
    already = queries.demo_feedback_count(store)
    feedback = 0 if already else _sample_feedback(store)
    progress(2, 2, "done")
    return DemoReport(
        module=MODULE,
        counts={
            "products": catalog.rows_read,
            "interactions_added": log.rows_added,
            "interactions_already_there": log.duplicates,
            "sample_feedback": feedback,
        },
        note="" if feedback or already else "no sample feedback yet: the recommender is not built",
    )


def _sample_feedback(store: Store) -> int:
    from suite.recommend.service import recommend_for_user

    logged = 0
    for user_id in DEMO_SHOPPERS:
        try:
            shown = recommend_for_user(store, user_id, user="demo")
        except ModelUnavailable:
            logger.info("recommender not built yet; no sample feedback logged")
            return logged
        for card, kind in ((shown.items[0], "click"), (shown.items[-1], "dismiss")):
            value = {
                "demo": True,
                "user_id": user_id,
                "item_id": card.item_id,
                "title": card.title,
                "category": card.category,
                "answer": "interested" if kind == "click" else "not interested",
                "reason_shown": card.reason,
                "list_shown": [r.item_id for r in shown.items],
                "model_version": shown.model_version,
                "context": f"Sample feedback: shopper {user_id} was shown {card.title} ({card.category}) "
                f"because “{card.reason}”.",
            }
            store.log_feedback(module=MODULE, kind=kind, value=value, request_id=shown.request_id, user="demo")
            logged += 1
    return logged
