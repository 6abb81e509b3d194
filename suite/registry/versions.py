"""Model versions per module: record a trained challenger, gate it, promote, roll back.

Artifacts live in `<models>/<module>/<version>/` (`settings.models_dir`: `SUITE_HOME/models`, or the shared
folder `SUITE_MODELS_URI` names, so every replica serves what one of them promoted); the `CHAMPION` pointer file
(champion.py) is what serving code reads, so it is the source of truth. Each version is registered with the list
of its files (size and SHA-256, `manifest`); promotion and rollback check the folder against it first, so a
version whose files are gone or damaged never replaces a working champion. A version the gate rejected serves
only when a person gives a reason (`override_reason`, kept on the version row and in the history).

Promotion updates the database inside one transaction and replaces the pointer as the last step before COMMIT:
a failure before that leaves the old champion serving and the rows as they were; `reconcile` repairs the rows
if a crash falls between the rename and the COMMIT.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from suite.auth.trail import audited, system_identity
from suite.errors import InvalidInput, ModelUnavailable, NotFound
from suite.modules import MODULE_KEYS
from suite.registry.champion import champion_version, set_champion
from suite.registry.gate import gate
from suite.registry.models import ModelChange, ModelVersion
from suite.store import Store, from_json, new_id, now, to_json
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

STATUSES = ("champion", "challenger", "rejected", "retired")
MAX_REASON_CHARS = 500


def _version(row: dict) -> ModelVersion:
    return ModelVersion(
        module=row["module"],
        version=row["version"],
        status=row["status"],
        created_at=row["created_at"],
        artifact_path=row["artifact_path"],
        metrics=from_json(row.get("metrics")) or {},
        trained_on=from_json(row.get("trained_on")) or {},
        manifest=from_json(row.get("manifest")),
        override_reason=row.get("override_reason"),
        override_by=row.get("override_by"),
    )


def known_module(module: str) -> str:
    """The module key, when it is one of the suite's modules.

    Raises:
        NotFound: not a module key.
    """
    if module not in MODULE_KEYS:
        raise NotFound(f"There is no module {module!r}; the modules are {', '.join(MODULE_KEYS)}.")
    return module


def list_versions(store: Store, module: str | None = None) -> list[ModelVersion]:
    """Versions, newest first."""
    if module is not None:
        known_module(module)
    reconcile(store, module)
    where, params = ("WHERE module = ?", [module]) if module else ("", [])
    rows = store.query(f"SELECT * FROM model_versions {where} ORDER BY created_at DESC", params)
    return [_version(r) for r in rows]


def get_version(store: Store, module: str, version: str) -> ModelVersion:
    known_module(module)
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


def manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under `folder` (relative path -> bytes and SHA-256): what the version needs to serve."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            files[path.relative_to(folder).as_posix()] = {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}
    return files


def verify(folder: Path, files: dict[str, dict[str, Any]] | None) -> list[str]:
    """What is wrong with a version's folder compared with the files it was registered with (empty: it can serve).

    `files` is the manifest written at registration; a version recorded before manifests existed (None) must at
    least hold one non-empty file.
    """
    if not folder.is_dir():
        return ["its folder is missing"]
    if files is None:
        return [] if any(p.is_file() and p.stat().st_size for p in folder.rglob("*")) else ["its folder is empty"]
    if not files:
        return ["it was registered without any model file"]
    problems = []
    found = manifest(folder)
    for name, expected in files.items():
        actual = found.get(name)
        if actual is None:
            problems.append(f"{name} is missing")
        elif actual != expected:
            problems.append(f"{name} changed since it was trained ({actual['bytes']} bytes, was {expected['bytes']})")
    return problems


def check_files(store: Store, v: ModelVersion, *, serving: str | None, again: bool = False) -> None:
    """Refuse to serve `v` when its files are missing or not the ones it was trained with.

    Raises:
        ModelUnavailable: one line naming the first problems; `serving` stays in use.
    """
    problems = verify(store.settings.models_dir / v.module / v.version, v.manifest)
    if problems:
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        raise ModelUnavailable(
            f"{v.module} {v.version} cannot serve{' again' if again else ''}: {'; '.join(problems[:2])}{more}. "
            f"{serving or 'The default model'} stays in use."
        )


def register_outcome(
    store: Store,
    outcome: TrainingOutcome,
    *,
    job_id: str,
    auto_promote: bool | None = None,
    margin: float | None = None,
) -> dict:
    """Move the challenger's files into place, record it with its report and its files, and promote it if the gate
    allows (the gate includes the module's floor, so a model that is not good enough is never served automatically).

    Returns {"version", "status", "promoted", "gate"}.

    Raises:
        ModelUnavailable: the retraining wrote no model files (nothing is recorded).
    """
    settings = store.settings
    auto_promote = settings.auto_promote if auto_promote is None else auto_promote
    margin = settings.promotion_margin if margin is None else margin
    source = Path(outcome.artifact_dir)
    if not source.is_dir() or not any(p.is_file() for p in source.rglob("*")):
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
        files = manifest(target)
        store.execute(
            """INSERT INTO model_versions
                   (module, version, created_at, trained_on, metrics, status, artifact_path, manifest)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                outcome.module,
                version,
                now(),
                to_json({**outcome.trained_on, "job_id": job_id}),
                to_json(report),
                status,
                str(target),
                json.dumps(files),  # never truncated: it is what the version is checked against before serving
            ],
        )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    promoted = False
    if decision.passed and auto_promote:
        promote(
            store,
            outcome.module,
            version,
            by="auto-promotion",
            reason="; ".join(decision.reasons),
            identity=system_identity("auto-promotion"),
        )
        promoted = True
    logger.info("%s %s: %s (%s)", outcome.module, version, status, "; ".join(decision.reasons))
    status = "champion" if promoted else status
    return {"version": version, "status": status, "promoted": promoted, "gate": decision.as_dict()}


def gate_rejected(v: ModelVersion) -> bool:
    """Whether the promotion gate turned `v` down (too weak, not better, or worse on the reviewed feedback)."""
    return v.status == "rejected" or (v.metrics.get("gate") or {}).get("passed") is False


def _override(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(str(text).split())
    if not text:
        raise InvalidInput("The override reason is empty: say why this version should serve although the gate said no.")
    if len(text) > MAX_REASON_CHARS:
        raise InvalidInput(f"The override reason is {len(text)} characters; keep it under {MAX_REASON_CHARS}.")
    return text


@audited("models.promote", target=lambda a: f"{a['module']}:{a['version']}")
def promote(
    store: Store,
    module: str,
    version: str,
    *,
    by: str,
    reason: str = "promoted by hand",
    override_reason: str | None = None,
) -> None:
    """Make `version` the module's champion in one step (the old champion becomes 'retired').

    A version the gate rejected serves only with `override_reason` (kept on the version row and in the history).
    Its files are checked against the ones it was registered with first; on any problem nothing changes.

    Raises:
        NotFound: no such version. InvalidInput: it already serves, the gate rejected it and no reason was given,
        or the reason is empty. ModelUnavailable: its files are missing or changed.
    """
    settings = store.settings
    override = _override(override_reason)
    v = get_version(store, module, version)
    current = champion_version(settings, module)
    if current == version:
        raise InvalidInput(f"{module} {version} is already the model in use.")
    if gate_rejected(v) and override is None:
        why = next(iter(v.scores.gate_reasons), "it did not pass")
        raise InvalidInput(
            f"The promotion gate rejected {module} {version} ({why}). To use it anyway, give a reason: "
            f'suite models promote {module} {version} --override-reason "..."'
        )
    check_files(store, v, serving=current)
    if override is not None:
        reason = f"gate overridden by {by}: {override}" if gate_rejected(v) else f"{reason}: {override}"
    _switch(store, module, current, version, action="promote", by=by, reason=reason, override=override)


@audited("models.rollback", target="module", detail=lambda serving: {"serving": serving})
def rollback(store: Store, module: str, *, by: str, to: str | None = None) -> str | None:
    """Serve the previous champion again (or `to`); returns the version now serving (None: default model).

    The version to go back to is checked like a promotion (its files, as registered); `to` naming a version the
    gate rejected that has never served is refused: that is a promotion with an override reason.
    """
    settings = store.settings
    known_module(module)
    current = champion_version(settings, module)
    if to is None:
        rows = store.query(
            """SELECT from_version FROM model_history WHERE module = ? AND action = 'promote'
               AND to_version IS NOT DISTINCT FROM ? ORDER BY ts DESC LIMIT 1""",
            [module, current],
        )
        if current is None:
            raise InvalidInput(f"{module} already uses its default model; there is nothing to roll back to.")
        if not rows:
            raise InvalidInput(f"{module} {current} has no earlier model recorded to roll back to.")
        to = rows[0]["from_version"]
    elif to == current:
        raise InvalidInput(f"{module} {to} is already the model in use.")
    if to is not None:
        v = get_version(store, module, to)
        if gate_rejected(v) and not _has_served(store, module, to):
            raise InvalidInput(
                f"{module} {to} was rejected by the promotion gate and has never served: use "
                f'suite models promote {module} {to} --override-reason "..." if it really should.'
            )
        check_files(store, v, serving=current, again=True)
    _switch(store, module, current, to, action="rollback", by=by, reason=f"rolled back from {current or 'default'}")
    return to


def _has_served(store: Store, module: str, version: str) -> bool:
    sql = "SELECT count(*) FROM model_history WHERE module = ? AND to_version = ?"
    return bool(store.scalar(sql, [module, version]))


def _switch(
    store: Store,
    module: str,
    current: str | None,
    target: str | None,
    *,
    action: str,
    by: str,
    reason: str,
    override: str | None = None,
) -> None:
    with store.transaction() as con:
        con.execute("UPDATE model_versions SET status = 'retired' WHERE module = ? AND status = 'champion'", [module])
        if target is not None:
            con.execute(
                "UPDATE model_versions SET status = 'champion' WHERE module = ? AND version = ?", [module, target]
            )
        if target is not None and override is not None:
            con.execute(
                "UPDATE model_versions SET override_reason = ?, override_by = ? WHERE module = ? AND version = ?",
                [override, by, module, target],
            )
        con.execute(
            "INSERT INTO model_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [new_id(), module, now(), action, current, target, by, reason[:1000]],
        )
        set_champion(store.settings, module, target)  # the atomic rename, last before COMMIT
    logger.info("%s: %s -> %s (%s by %s)", module, current or "default", target or "default", action, by)
    _switch_served(store.settings, module, target)


def _switch_served(settings, module: str, target: str | None) -> None:
    """With SUITE_RAY_ADDRESS set, have the module's Ray Serve replicas load the new champion now (they keep
    the old one for requests already under way, and would load the new one on its first request anyway)."""
    if not settings.ray_address:
        return
    from pipelines.serving import switch_version

    try:
        switch_version(settings, module, target)
    except Exception:  # noqa: BLE001 - the switch is made; replicas load the new version on first use
        logger.exception("could not reconfigure the Ray Serve deployment of %s for %s", module, target or "default")


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
