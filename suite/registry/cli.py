"""`suite models list|show|promote|rollback`, `suite retrain --module M`, `suite worker [--once]`."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit
from suite.progress import command_progress

models_app = typer.Typer(no_args_is_help=True, help="Model versions per module: list, show, promote, roll back.")


def _user(user: str | None) -> str:
    return user or clikit.settings().user


@models_app.command("list")
@clikit.friendly
def list_(module: str | None = typer.Option(None, "--module", "-m", help="Only this module.")) -> None:
    """One JSON line per model version (newest first), with its status and primary metric."""
    from suite.registry.champion import champion_version
    from suite.registry.versions import list_versions

    for v in list_versions(clikit.store(), module):
        scores = v.scores
        clikit.emit(
            {
                "module": v.module,
                "version": v.version,
                "status": v.status,
                "serving": champion_version(clikit.settings(), v.module) == v.version,
                "created_at": v.created_at,
                "primary_metric": scores.metric,
                "challenger": scores.challenger,
                "champion_before": scores.champion,
                "gate_passed": (v.metrics.get("gate") or {}).get("passed"),
                "override_reason": v.override_reason,
            }
        )


@models_app.command()
@clikit.friendly
def show(module: str, version: str) -> None:
    """Everything recorded about one version: metrics, gate report, training data."""
    from suite.registry.versions import get_version

    clikit.emit(get_version(clikit.store(), module, version).as_dict())


@models_app.command()
@clikit.friendly
def promote(
    module: str,
    version: str,
    user: str | None = typer.Option(None, help="Who promotes."),
    override_reason: str | None = typer.Option(
        None, "--override-reason", help="Why a version the gate rejected should serve anyway (kept in the history)."
    ),
) -> None:
    """Serve VERSION for MODULE from now on (the running dashboard picks it up on its next request).

    Its files are checked first; a version the promotion gate rejected needs --override-reason.
    """
    from suite.registry.versions import promote as do_promote

    do_promote(clikit.store(), module, version, by=_user(user), override_reason=override_reason)
    clikit.emit({"module": module, "serving": version})


@models_app.command()
@clikit.friendly
def rollback(
    module: str,
    to: str | None = typer.Option(None, "--to", help="A version to serve (default: the previous champion)."),
    user: str | None = typer.Option(None, help="Who rolls back."),
) -> None:
    """Go back to the previous champion (or --to VERSION)."""
    from suite.registry.versions import rollback as do_rollback

    serving = do_rollback(clikit.store(), module, by=_user(user), to=to)
    clikit.emit({"module": module, "serving": serving or "default"})


@clikit.friendly
def retrain(
    module: str = typer.Option(..., "--module", "-m", help="The module to retrain."),
    queue_only: bool = typer.Option(False, "--queue", help="Only queue it for the worker."),
    user: str | None = typer.Option(None, help="Who asks."),
) -> None:
    """Retrain MODULE now on its accepted feedback; the challenger is promoted only if the gate allows.

    Exit 0 when a version was recorded, 2 when the module refused (e.g. nothing accepted to learn from yet; the
    job is kept as failed with that reason), 1 when the training itself broke (its error is in the job's log).
    """
    from suite.jobs.queue import enqueue
    from suite.jobs.runner import retrain_now, trainer_for
    from suite.registry.versions import known_module

    store = clikit.store()
    if trainer_for(store.settings, module) is None:
        known_module(module)
        clikit.fail(f"{module} is not trainable yet (it has no retrain step).")
    if queue_only:
        job_id, created = enqueue(store, module, requested_by=_user(user), reason="suite retrain --queue")
        clikit.emit({"job_id": job_id, "queued": created})
        return
    with command_progress(f"retraining {module}") as progress:
        result = retrain_now(store, module, requested_by=_user(user), progress=progress)
    if result.get("refused"):
        clikit.fail(f"{result['refused']} (job {result['job_id'][:8]})")
    clikit.emit(result)
    if result["state"] != "succeeded":
        raise typer.Exit(1)


@clikit.friendly
def worker(
    once: bool = typer.Option(False, "--once", help="Run what is due now, then exit."),
    ray: bool = typer.Option(
        False, "--ray", help="Train each job as a Ray task at SUITE_RAY_ADDRESS (the lock and the gate stay here)."
    ),
) -> None:
    """Run due retraining jobs on the schedule (SUITE_RETRAIN_HOUR, SUITE_RETRAIN_MIN_FEEDBACK) and queued ones."""
    from suite.jobs.runner import run_worker

    store = clikit.store()
    train = None
    if ray:
        from suite.jobs.ray_jobs import RayTrainer

        train = RayTrainer(store.settings)
        typer.echo(f"Retraining jobs train as Ray tasks on the cluster at {train.address}.", err=True)
    for result in run_worker(store, once=once, train=train):
        clikit.emit(result)


@clikit.friendly
def export(
    table: str = typer.Option("events", "--table", help="events or feedback."),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    days: int | None = typer.Option(None, help="Only the last N days."),
) -> None:
    """Export the events or feedback table to CSV or Parquet."""
    from suite.ops import export_table

    data = export_table(clikit.store(), table, fmt, days)
    out.write_bytes(data)
    clikit.emit({"table": table, "format": fmt, "path": str(out), "bytes": len(data)})


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
    app.command("retrain")(retrain)
    app.command("worker")(worker)
    app.command("export")(export)
