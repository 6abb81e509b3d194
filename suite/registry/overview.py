"""One row per module for the Models page: can it be retrained, what serves, what the last job did."""

from __future__ import annotations

from suite.jobs.runner import trainer_for
from suite.modules import MODULES
from suite.registry.champion import champion_version
from suite.registry.versions import reconcile
from suite.review.queue import counts
from suite.store import Store


def module_overview(store: Store) -> list[dict]:
    reconcile(store)
    versions = {
        r["module"]: int(r["n"]) for r in store.query("SELECT module, count(*) AS n FROM model_versions GROUP BY 1")
    }
    last_jobs = {
        r["module"]: r
        for r in store.query(
            """SELECT module, state, created_at FROM jobs
               QUALIFY row_number() OVER (PARTITION BY module ORDER BY created_at DESC) = 1"""
        )
    }
    review = counts(store)
    rows = []
    for info in MODULES:
        job = last_jobs.get(info.key)
        rows.append(
            {
                "module": info.key,
                "title": info.title,
                "trainable": trainer_for(store.settings, info.key) is not None,
                "serving": champion_version(store.settings, info.key) or "default model",
                "versions": versions.get(info.key, 0),
                "accepted_feedback": review.get(info.key, {}).get("accepted", 0),
                "waiting_review": review.get(info.key, {}).get("new", 0),
                "last_job": f"{job['state']} ({job['created_at']:%Y-%m-%d %H:%M})" if job else "never",
            }
        )
    return rows
