"""One row per module for the Models page: can it be retrained, what serves, what the last job did."""

from __future__ import annotations

from suite.jobs.queue import list_jobs
from suite.jobs.runner import trainer_for
from suite.modules import MODULES
from suite.registry.champion import champion_version
from suite.registry.models import ModuleOverview
from suite.registry.versions import reconcile
from suite.review.queue import counts
from suite.store import Store


def module_overview(store: Store) -> list[ModuleOverview]:
    """Every module of the catalogue, in its order."""
    reconcile(store)
    versions = {
        r["module"]: int(r["n"]) for r in store.query("SELECT module, count(*) AS n FROM model_versions GROUP BY 1")
    }
    review = counts(store)
    rows = []
    for info in MODULES:
        last = list_jobs(store, info.key, limit=1)
        rows.append(
            ModuleOverview(
                module=info.key,
                title=info.title,
                trainable=trainer_for(store.settings, info.key) is not None,
                serving=champion_version(store.settings, info.key) or "default model",
                versions=versions.get(info.key, 0),
                accepted_feedback=review.of(info.key, "accepted"),
                waiting_review=review.of(info.key, "new"),
                last_job=f"{last[0]['state']} ({last[0]['created_at']:%Y-%m-%d %H:%M})" if last else "never",
            )
        )
    return rows
