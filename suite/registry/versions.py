"""Model versions per module: record a trained challenger, gate it, promote, roll back.

Artifacts live in `SUITE_HOME/models/<module>/<version>/`; the `CHAMPION` pointer file (champion.py) is what
serving code reads, so it is the source of truth. Promotion updates the database inside one transaction and
replaces the pointer as the last step before COMMIT: a failure before that leaves the old champion serving
and the rows as they were; `reconcile` repairs the rows if a crash falls between the rename and the COMMIT.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from suite.errors import InvalidInput, ModelUnavailable, NotFound
from suite.registry.champion import champion_version, set_champion
from suite.registry.gate import gate
from suite.registry.models import ModelChange, ModelVersion
from suite.store import Store, from_json, new_id, now, to_json
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

STATUSES = ("champion", "challenger", "rejected", "retired")


def _version(row: dict) -> ModelVersion:
    return ModelVersion(
        module=row["module"],
        version=row["version"],
        status=row["status"],
        created_at=row["created_at"],
        artifact_path=row["artifact_path"],
        metrics=from_json(row.get("metrics")) or {},
        trained_on=from_json(row.get("trained_on")) or {},
    )


def list_versions(store: Store, module: str | None = None) -> list[ModelVersion]:
    """Versions, newest first."""
    reconcile(store, module)
    where, params = ("WHERE module = ?", [module]) if module else ("", [])
    rows = store.query(f"SELECT * FROM model_versions {where} ORDER BY created_at DESC", params)
    return [_version(r) for r in rows]


def get_version(store: Store, module: str, version: str) -> ModelVersion:
    rows = store.query("SELECT * FROM model_versions WHERE module = ? AND version = ?", [module, version])
    if not rows:
        raise NotFound(f"There is no model version {version!r} for {module}. `suite models list` shows them.")
    return _version(rows[0])


def history(store: Store, module: str | None = None) -> list[ModelChange]:
    """Promotions and rollbacks, newest first."""
    where, params = ("WHERE module = ?", [module]) if module else ("", [])
    return [ModelChange(**r) for r in store.query(f"SELECT * FROM model_history {where} ORDER BY ts DESC", params)]


def new_version_name(job_id: str) -> str:
    return f"v{datetime.now(UTC):%Y%m%d-%H%M%S}-{job_id[:8]}"


def register_outcome(
    store: Store,
    outcome: TrainingOutcome,
    *,
    job_id: str,
    auto_promote: bool | None = None,
    margin: float | None = None,
) -> dict:
    """Move the challenger's files into place, record it with its report, and promote it if the gate allows.

    Returns {"version", "status", "promoted", "gate"}.
    """
    settings = store.settings
    auto_promote = settings.auto_promote if auto_promote is None else auto_promote
    margin = settings.promotion_margin if margin is None else margin
    source = Path(outcome.artifact_dir)
    if not source.is_dir():
        raise ModelUnavailable(f"The {outcome.module} retraining wrote no model files to {source}.")
    version = new_version_name(job_id)
    target = settings.models_dir / outcome.module / version
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    decision = gate(outcome, margin)
    status = "challenger" if decision.passed else "rejected"
    report = {
        "primary_metric": outcome.primary_metric,
        "higher_is_better": outcome.higher_is_better,
        "challenger": outcome.challenger_metrics,
        "champion": outcome.champion_metrics,
        "champion_version": champion_version(settings, outcome.module),
        "feedback": outcome.feedback_metrics,
        "gate": decision.as_dict(),
        "notes": outcome.notes,
    }
    try:
        store.execute(
            """INSERT INTO model_versions (module, version, created_at, trained_on, metrics, status, artifact_path)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                outcome.module,
                version,
                now(),
                to_json({**outcome.trained_on, "job_id": job_id}),
                to_json(report),
                status,
                str(target),
            ],
        )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    promoted = False
    if decision.passed and auto_promote:
        promote(store, outcome.module, version, by="auto-promotion", reason="; ".join(decision.reasons))
        promoted = True
    logger.info("%s %s: %s (%s)", outcome.module, version, status, "; ".join(decision.reasons))
    status = "champion" if promoted else status
    return {"version": version, "status": status, "promoted": promoted, "gate": decision.as_dict()}


def promote(store: Store, module: str, version: str, *, by: str, reason: str = "promoted by hand") -> None:
    """Make `version` the module's champion in one step (the old champion becomes 'retired')."""
    settings = store.settings
    get_version(store, module, version)
    if not (settings.models_dir / module / version).is_dir():
        raise ModelUnavailable(f"The files of {module} {version} are missing, so it cannot serve.")
    current = champion_version(settings, module)
    if current == version:
        raise InvalidInput(f"{module} {version} is already the model in use.")
    _switch(store, module, current, version, action="promote", by=by, reason=reason)


def rollback(store: Store, module: str, *, by: str, to: str | None = None) -> str | None:
    """Serve the previous champion again (or `to`); returns the version now serving (None: default model)."""
    settings = store.settings
    current = champion_version(settings, module)
    if to is None:
        rows = store.query(
            """SELECT from_version FROM model_history WHERE module = ? AND action = 'promote'
               AND to_version IS NOT DISTINCT FROM ? ORDER BY ts DESC LIMIT 1""",
            [module, current],
        )
        if current is None or not rows:
            raise InvalidInput(f"{module} already uses its default model; there is nothing to roll back to.")
        to = rows[0]["from_version"]
    elif to == current:
        raise InvalidInput(f"{module} {to} is already the model in use.")
    if to is not None:
        get_version(store, module, to)
        if not (settings.models_dir / module / to).is_dir():
            raise ModelUnavailable(f"The files of {module} {to} are missing, so it cannot serve again.")
    _switch(store, module, current, to, action="rollback", by=by, reason=f"rolled back from {current or 'default'}")
    return to


def _switch(
    store: Store, module: str, current: str | None, target: str | None, *, action: str, by: str, reason: str
) -> None:
    with store.transaction() as con:
        con.execute("UPDATE model_versions SET status = 'retired' WHERE module = ? AND status = 'champion'", [module])
        if target is not None:
            con.execute(
                "UPDATE model_versions SET status = 'champion' WHERE module = ? AND version = ?", [module, target]
            )
        con.execute(
            "INSERT INTO model_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [new_id(), module, now(), action, current, target, by, reason[:1000]],
        )
        set_champion(store.settings, module, target)  # the atomic rename, last before COMMIT
    logger.info("%s: %s -> %s (%s by %s)", module, current or "default", target or "default", action, by)


def reconcile(store: Store, module: str | None = None) -> int:
    """Make the 'champion' rows agree with the pointer files (after a crash between rename and COMMIT)."""
    modules = [module] if module else [r["module"] for r in store.query("SELECT DISTINCT module FROM model_versions")]
    fixed = 0
    for key in modules:
        serving = champion_version(store.settings, key)
        rows = store.query("SELECT version FROM model_versions WHERE module = ? AND status = 'champion'", [key])
        marked = {r["version"] for r in rows}
        if marked == ({serving} if serving else set()):
            continue
        with store.transaction() as con:
            con.execute("UPDATE model_versions SET status = 'retired' WHERE module = ? AND status = 'champion'", [key])
            if serving:
                con.execute(
                    "UPDATE model_versions SET status = 'champion' WHERE module = ? AND version = ?", [key, serving]
                )
        logger.warning("%s: champion rows repaired to match the pointer (%s)", key, serving or "default")
        fixed += 1
    return fixed
