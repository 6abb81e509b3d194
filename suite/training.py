"""The contract between a module's `retrain(store)` and the model registry.

A module's `suite.<module>.retrain(store, *, output_dir, progress)` trains a challenger from the store's
*accepted* feedback (never 'new' or 'rejected' rows), writes every file the challenger needs into
`output_dir` (the registry moves that folder to `SUITE_HOME/models/<module>/<version>/`), evaluates both
the challenger and the current champion on the module's frozen evaluation set in the same run, and
returns a `TrainingOutcome`. It must not change what is served: promotion is the registry's decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suite.store import Store, from_json


@dataclass
class TrainingOutcome:
    module: str
    artifact_dir: Path
    primary_metric: str  # e.g. "mrr", "ndcg_at_10", "map50", "macro_f1", "wer"
    higher_is_better: bool
    challenger_metrics: dict[str, float]  # on the frozen evaluation set
    champion_metrics: dict[str, float]  # the serving model on the same set, same run
    # The primary metric on the accepted feedback cases: {"challenger": x, "champion": y}; empty if none.
    feedback_metrics: dict[str, float] = field(default_factory=dict)
    trained_on: dict[str, Any] = field(default_factory=dict)  # {"feedback_ids": [...], "data_hash": "..."}
    notes: str = ""

    def improvement(self) -> float:
        """How much the challenger beats the champion on the primary metric (positive = better)."""
        new = self.challenger_metrics[self.primary_metric]
        old = self.champion_metrics.get(self.primary_metric)
        if old is None:
            return float("inf")
        return (new - old) if self.higher_is_better else (old - new)


def accepted_feedback(store: Store, module: str, kinds: Iterable[str]) -> list[dict[str, Any]]:
    """The module's feedback that a person accepted, oldest first: the only feedback training may use.

    Each row has feedback_id, kind, ts and value (decoded from JSON; {} when empty).
    """
    store.flush(wait_s=2.0)  # feedback given seconds ago may still be in the write journal
    rows = store.query(
        """SELECT feedback_id, kind, ts, value FROM feedback
           WHERE module = ? AND review_state = 'accepted' AND list_contains(?, kind) ORDER BY ts""",
        [module, list(kinds)],
    )
    return [{**row, "value": from_json(row["value"]) or {}} for row in rows]
