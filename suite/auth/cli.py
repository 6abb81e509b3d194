"""`suite users add|list|set-role|set-email|reset-password|disable|enable|erase` and `suite audit`.

The command line acts as `cli:<os user>` with the admin role (whoever has a shell owns the machine); every
change is in the audit trail under that name. A generated password is printed once, in the JSON line.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta

import typer

from suite import clikit
from suite.auth.models import ROLES, AuditFilter
from suite.errors import InvalidInput

users_app = typer.Typer(no_args_is_help=True, help="Dashboard accounts: add, list, change role, reset, disable.")
_RELATIVE = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _password_from_stdin(enabled: bool) -> str | None:
    if not enabled:
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InvalidInput("--password-stdin was given but standard input had no password line.")
    return line


@users_app.command("add")
@clikit.friendly
def add(
    name: str = typer.Argument(..., help="User name (2-64 letters, digits or . _ @ + -)."),
    role: str = typer.Option("staff", "--role", "-r", help=f"One of {', '.join(ROLES)}."),
    email: str | None = typer.Option(None, "--email", help="The address single sign-on matches."),
    sso_only: bool = typer.Option(False, "--sso-only", help="No password: signs in with the company account."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the first password from stdin."),
) -> None:
    """Add an account; without --password-stdin a random password is printed once (it must be changed)."""
    from suite.auth.accounts import add_user
    from suite.auth.trail import cli_identity

    given = _password_from_stdin(password_stdin)
    result = add_user(clikit.store(), cli_identity(), name, role, email=email, password=given, sso_only=sso_only)
    clikit.emit(result.account.as_dict() if given else result.as_dict())


@users_app.command("list")
@clikit.friendly
def list_() -> None:
    """One JSON line per account (never a password or its hash)."""
    from suite.auth.accounts import list_users
    from suite.auth.trail import cli_identity

    for account in list_users(clikit.store(), cli_identity()):
        clikit.emit(account.as_dict())


@users_app.command("set-role")
@clikit.friendly
def set_role(name: str, role: str = typer.Argument(..., help=f"One of {', '.join(ROLES)}.")) -> None:
    """Give an account another role (live sessions get it at their next page view)."""
    from suite.auth.accounts import set_role as do_set_role
    from suite.auth.trail import cli_identity

    clikit.emit(do_set_role(clikit.store(), cli_identity(), name, role).as_dict())


@users_app.command("set-email")
@clikit.friendly
def set_email(name: str, email: str = typer.Argument("", help="The address; empty to clear it.")) -> None:
    """Set the e-mail address single sign-on maps to this account."""
    from suite.auth.accounts import set_email as do_set_email
    from suite.auth.trail import cli_identity

    clikit.emit(do_set_email(clikit.store(), cli_identity(), name, email or None).as_dict())


@users_app.command("reset-password")
@clikit.friendly
def reset_password(
    name: str,
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from stdin."),
) -> None:
    """New password (printed once unless read from stdin), to be changed at next sign-in; unlocks the account."""
    from suite.auth.accounts import reset_password as do_reset
    from suite.auth.trail import cli_identity

    given = _password_from_stdin(password_stdin)
    result = do_reset(clikit.store(), cli_identity(), name, password=given)
    clikit.emit(result.account.as_dict() if given else result.as_dict())


@users_app.command("disable")
@clikit.friendly
def disable(name: str) -> None:
    """Stop an account from signing in and end its sessions."""
    from suite.auth.accounts import disable_user
    from suite.auth.trail import cli_identity

    clikit.emit(disable_user(clikit.store(), cli_identity(), name).as_dict())


@users_app.command("enable")
@clikit.friendly
def enable(name: str) -> None:
    """Let a disabled account sign in again."""
    from suite.auth.accounts import enable_user
    from suite.auth.trail import cli_identity

    clikit.emit(enable_user(clikit.store(), cli_identity(), name).as_dict())


@users_app.command("erase")
@clikit.friendly
def erase(
    name: str = typer.Argument(..., help="The user name (or a name typed before sign-in existed)."),
    yes: bool = typer.Option(False, "--yes", help="Do it: without --yes nothing is erased."),
) -> None:
    """Erase everything stored for one user (account, sessions, events, feedback, transcripts and audio, ...)."""
    from suite.auth.trail import cli_identity
    from suite.privacy import erase_user

    if not yes:
        raise InvalidInput(f"This erases everything stored for {name!r} and cannot be undone; add --yes to do it.")
    clikit.emit(erase_user(clikit.store(), cli_identity(), name).as_dict())


def parse_since(text: str | None) -> datetime | None:
    """`30m`, `24h`, `7d`, `2w` before now, or a timestamp (ISO 8601, a date...); None for no bound.

    Raises:
        InvalidInput: neither.
    """
    from suite.store import now
    from suite.timestamps import parse_timestamp

    if text is None or not text.strip():
        return None
    relative = _RELATIVE.fullmatch(text.strip().lower())
    if relative:
        return now() - timedelta(**{_UNITS[relative[2]]: int(relative[1])})
    try:
        return parse_timestamp(text)[0]
    except ValueError as err:
        raise InvalidInput(f"--since/--until {err}; use e.g. 7d, 24h or 2025-01-31.") from None


@clikit.friendly
def audit(
    since: str | None = typer.Option(None, "--since", help="7d, 24h, 30m or a date/time (default: everything)."),
    until: str | None = typer.Option(None, "--until", help="Same forms as --since."),
    actor: str | None = typer.Option(None, "--actor", help="Only this actor (alice, cli:root, anonymous)."),
    action: str | None = typer.Option(None, "--action", help="Only actions starting with this (users., auth.)."),
    outcome: str | None = typer.Option(None, "--outcome", help="ok, denied or failed."),
    limit: int = typer.Option(10_000, "--limit", min=1, help="At most this many rows, newest first."),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines (one object per row)."),
) -> None:
    """The audit trail, newest first: who did what, on which object, from which session, with what outcome."""
    from suite.auth.trail import cli_identity, export_audit

    filters = AuditFilter(
        since=parse_since(since), until=parse_since(until), actor=actor, action=action, outcome=outcome, limit=limit
    )
    for entry in export_audit(clikit.store(), cli_identity(), filters):
        if as_json:
            clikit.emit(entry.as_dict())
        else:
            typer.echo(
                f"{entry.ts:%Y-%m-%d %H:%M:%S} {entry.actor:<20} {entry.action:<24} {entry.outcome:<7} "
                f"{entry.target or ''}"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command("audit")(audit)
