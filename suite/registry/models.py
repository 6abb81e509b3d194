"""What the registry hands to pages and the CLI: model versions, their scores, promotions, a per-module overview."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Scores:
    """A version's primary metric on the frozen evaluation set, as its training run recorded it."""

    metric: str | None  # e.g. "macro_f1"
    challenger: float | None  # this version's score
    champion: float | None  # the score of the version serving when it was trained, same run
    gate_reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scores(metrics: dict[str, Any]) -> Scores:
    """Read the primary metric out of a version's recorded report (see `versions.register_outcome`)."""
    metric = metrics.get("primary_metric")
    return Scores(
        metric=metric,
        challenger=(metrics.get("challenger") or {}).get(metric),
        champion=(metrics.get("champion") or {}).get(metric),
        gate_reasons=list((metrics.get("gate") or {}).get("reasons", [])),
    )


@dataclass(frozen=True)
class ModelVersion:
    """One trained version of a module's model: its status, report (`metrics`) and training data."""

    module: str
    version: str
    status: str  # champion / challenger / rejected / retired
    created_at: datetime
    artifact_path: str | None
    metrics: dict[str, Any] = field(default_factory=dict)
    trained_on: dict[str, Any] = field(default_factory=dict)  # feedback_ids, data_hash, job_id
    # Its files as registered (relative path -> bytes, sha256), checked before it serves; None for old versions.
    manifest: dict[str, dict[str, Any]] | None = None
    override_reason: str | None = None  # why a person put it to use although the gate rejected it
    override_by: str | None = None

    @property
    def scores(self) -> Scores:
        return scores(self.metrics)

    @property
    def feedback_used(self) -> int:
        """How many accepted feedback items it was trained on."""
        return len(self.trained_on.get("feedback_ids") or [])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ModelChange:
    """One promotion or rollback: which version served before and after, who did it and why."""

    history_id: str
    module: str
    ts: datetime
    action: str  # promote / rollback
    from_version: str | None
    to_version: str | None
    by_user: str | None
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ModuleOverview:
    """One row of the Models page: can the module learn, what serves, what its last retraining did."""

    module: str
    title: str
    trainable: bool
    serving: str  # a version, or "default model"
    versions: int
    accepted_feedback: int
    waiting_review: int
    last_job: str  # "succeeded (2025-01-31 02:00)" or "never"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
