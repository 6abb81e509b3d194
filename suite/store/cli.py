"""`suite store check|backup|restore`: is the database healthy, and a way back when it is not."""

from __future__ import annotations

from pathlib import Path

import typer

from suite import clikit

store_app = typer.Typer(no_args_is_help=True, help="The database: check it, back it up, restore a backup.")


@store_app.command()
@clikit.friendly
def check() -> None:
    """Read the whole database; print row counts, journal backlog and rows put aside (exit 2 on a problem)."""
    from suite.store.maintenance import check as run_check

    report = run_check(clikit.store())
    clikit.emit(report.as_dict())
    if not report.ok:
        clikit.fail(" ".join([report.problems[0], report.advice]).strip())


@store_app.command()
@clikit.friendly
def backup(
    path: Path = typer.Argument(..., help="The backup file to write, e.g. backups/suite-2024-05-01.duckdb."),
    force: bool = typer.Option(False, "--force", help="Replace PATH if it exists."),
) -> None:
    """Copy the database to PATH while no process writes to it, and check the copy reads back."""
    from suite.store.maintenance import backup as run_backup

    clikit.emit(run_backup(clikit.store(), path, force=force).as_dict())


@store_app.command()
@clikit.friendly
def restore(
    path: Path = typer.Argument(..., help="A backup made by `suite store backup`."),
    force: bool = typer.Option(False, "--force", help="Replace the current database (it is kept aside)."),
) -> None:
    """Put a backup in place of the database; the replaced file is kept as suite.duckdb.before-restore-<time>."""
    from suite.store.maintenance import restore as run_restore

    clikit.emit(run_restore(clikit.store(), path, force=force).as_dict())


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
