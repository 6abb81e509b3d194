"""What retraining did over time: every model version with its score, and every retraining job."""

from __future__ import annotations

import pandas as pd

from suite.jobs.queue import list_jobs
from suite.registry.versions import list_versions
from suite.store import Store

TIMELINE_COLUMNS = ["created_at", "module", "version", "status", "metric", "challenger", "champion_then", "gate"]
_JOB_FIELDS = ("job_id", "module", "kind", "state", "requested_by", "created_at", "started_at", "finished_at", "worker")
JOB_COLUMNS = [*_JOB_FIELDS, "progress", "seconds", "version", "result", "error"]


def model_timeline(store: Store, module: str | None = None) -> pd.DataFrame:
    """Every model version, oldest first, with its primary metric against the champion of its day."""
    rows = []
    for v in reversed(list_versions(store, module)):
        scores = v.scores
        rows.append(
            {
                "created_at": v.created_at,
                "module": v.module,
                "version": v.version,
                "status": v.status,
                "metric": scores.metric,
                "challenger": scores.challenger,
                "champion_then": scores.champion,
                "gate": "; ".join(scores.gate_reasons),
            }
        )
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)


def job_history(store: Store, module: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Jobs (retraining, or training on an uploaded data set), newest first, with duration, result and version."""
    rows = []
    for job in list_jobs(store, module, limit=limit):
        outcome = job["outcome"] or {}
        started, finished = job["started_at"], job["finished_at"]
        rows.append(
            {
                **{name: job.get(name) for name in _JOB_FIELDS},
                "progress": round(job["progress"] or 0.0, 3),
                "seconds": round((finished - started).total_seconds(), 1) if started and finished else None,
                "version": outcome.get("version"),
                "result": outcome.get("status"),
                "error": outcome.get("error"),
            }
        )
    return pd.DataFrame(rows, columns=JOB_COLUMNS)
