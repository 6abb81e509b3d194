"""`suite api` serves the REST API (uvicorn); `suite api tokens create|list|revoke` manages its tokens.

The command line acts as `cli:<os user>` with the admin role, like `suite users`; a new token is printed
once, in the JSON line, and only its SHA-256 is stored.
"""

from __future__ import annotations

import os
import shutil

import typer

from suite import clikit

api_app = typer.Typer(help="The REST API: serve it, and manage its tokens.")
tokens_app = typer.Typer(no_args_is_help=True, help="API tokens: create (shown once), list, revoke.")
api_app.add_typer(tokens_app, name="tokens")


@api_app.callback(invoke_without_command=True)
@clikit.friendly
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 inside a container)."),
    port: int = typer.Option(8000, "--port", help="Port to serve on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes (each loads the models)."),
) -> None:
    """Serve the API at http://HOST:PORT (OpenAPI at /docs); every endpoint but health and ready needs a token."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    settings = clikit.settings()
    clikit.store()  # migrations and a clear error before the workers start
    if workers > 1:  # every worker's counts in each /metrics scrape
        folder = settings.home / "api-metrics"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    typer.echo(f"Northstar Suite API: http://{host}:{port} (docs at /docs), {workers} worker(s)", err=True)
    uvicorn.run(
        "suite.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )


@tokens_app.command("create")
@clikit.friendly
def create(
    user: str = typer.Option(..., "--user", help="The account the token acts as (its role applies)."),
    label: str | None = typer.Option(None, "--label", help="What it is for (e.g. help-desk widget)."),
) -> None:
    """Create a token for an account; it is printed once (keep it: only its hash is stored)."""
    from suite.api.tokens import create_token
    from suite.auth import cli_identity

    clikit.emit(create_token(clikit.store(), cli_identity(), user, label=label).as_dict())


@tokens_app.command("list")
@clikit.friendly
def list_(user: str | None = typer.Option(None, "--user", help="Only this account's tokens.")) -> None:
    """One JSON line per token (never the token itself), newest first."""
    from suite.api.tokens import list_tokens
    from suite.auth import cli_identity

    for token in list_tokens(clikit.store(), cli_identity(), user):
        clikit.emit(token.as_dict())


@tokens_app.command("revoke")
@clikit.friendly
def revoke(token_id: str = typer.Argument(..., help="The token_id that `suite api tokens list` shows.")) -> None:
    """Revoke a token: calls with it are refused from now on (within a few seconds in running servers)."""
    from suite.api.tokens import revoke_token
    from suite.auth import cli_identity

    clikit.emit(revoke_token(clikit.store(), cli_identity(), token_id).as_dict())


def register(app: typer.Typer) -> None:
    app.add_typer(api_app, name="api")
