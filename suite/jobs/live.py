"""A job as the Models page follows it: waiting (and why), running (stage, epoch, metrics), or the gate's decision."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from suite.errors import NotFound
from suite.jobs import queue
from suite.jobs.workers import why_waiting
from suite.store import Store


@dataclass(frozen=True)
class LiveJob:
    """What to show about one job now; `headline` is the sentence, the rest the details."""

    job_id: str
    module: str
    kind: str
    state: str
    headline: str
    progress: float = 0.0
    stage: str | None = None
    epoch: int | None = None
    epochs: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    last_log: str | None = None
    version: str | None = None
    promoted: bool = False

    @property
    def active(self) -> bool:
        return self.state in queue.ACTIVE

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"active": self.active}


def live_job(store: Store, module: str, job_id: str | None = None) -> LiveJob | None:
    """Job `job_id`, or else the module's queued or running job; None when there is neither."""
    if job_id is not None:
        try:
            job = queue.get_job(store, job_id)
        except NotFound:
            job = None
    else:
        job = next((j for j in queue.list_jobs(store, module, limit=10) if j["state"] in queue.ACTIVE), None)
    if job is None:
        return None
    lines = [line for line in (job.get("log") or "").splitlines() if line.strip()]
    outcome = job.get("outcome") or {}
    return LiveJob(
        job_id=job["job_id"],
        module=job["module"],
        kind=job.get("kind") or queue.RETRAIN,
        state=job["state"],
        headline=_headline(store, job),
        progress=float(job.get("progress") or 0.0),
        stage=job.get("stage"),
        epoch=job.get("epoch"),
        epochs=job.get("epochs"),
        metrics=job.get("metrics") or {},
        last_log=lines[-1] if lines else None,
        version=outcome.get("version"),
        promoted=bool(outcome.get("promoted")),
    )


def _headline(store: Store, job: dict[str, Any]) -> str:
    state, outcome = job["state"], job.get("outcome") or {}
    if state == "queued":
        return why_waiting(store, job) or "Queued."
    if state == "running":
        where = job.get("stage") or "starting"
        if job.get("epoch") is not None and job.get("epochs"):
            where += f", epoch {job['epoch']} of {job['epochs']}"
        return f"Running: {where} ({float(job.get('progress') or 0):.0%})."
    if state == "cancelled":
        return f"Cancelled: {outcome.get('message') or 'someone stopped it'}. The version in use stays."
    if state == "failed":
        reason = outcome.get("refused") or outcome.get("error") or "see the job log"
        return f"Failed: {reason}. The version in use stays."
    return decision(outcome)


def decision(outcome: dict[str, Any]) -> str:
    """The gate's decision on a finished job's new version, in one sentence."""
    version, metric = outcome.get("version"), outcome.get("primary_metric")
    new = (outcome.get("challenger") or {}).get(metric) if metric else None
    old = (outcome.get("champion") or {}).get(metric) if metric else None
    scores = ""
    if isinstance(new, int | float):
        against = f" vs {old:.3f} for the version in use" if isinstance(old, int | float) else ""
        scores = f" ({metric} {new:.3f}{against})"
    reasons = "; ".join((outcome.get("gate") or {}).get("reasons") or [])
    why = f" Why: {reasons}." if reasons else ""
    if outcome.get("promoted"):
        return f"Done: new version {version} is now in use{scores}.{why}"
    return f"Done: new version {version} was made but not put to use{scores}.{why}"
