"""The contract between a module's `retrain(store)` and the model registry.

A module's `suite.<module>.retrain(store, *, output_dir, progress)` trains a challenger from the store's
*accepted* feedback (never 'new' or 'rejected' rows), writes every file the challenger needs into
`output_dir` (the registry moves that folder to `SUITE_HOME/models/<module>/<version>/`), evaluates both
the challenger and the current champion on the module's frozen evaluation set in the same run, and
returns a `TrainingOutcome`. It must not change what is served: promotion is the registry's decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
