"""What `suite serve` does about sign-in before it starts the dashboard."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from suite.auth import accounts
from suite.errors import InvalidInput
from suite.settings import Settings
from suite.store import Store


def is_loopback(address: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to a public interface


def check_address(address: str, *, sign_in_required: bool | None = None) -> None:
    """Refuse to listen beyond this machine unless every page is behind sign-in (it always is).

    Raises:
        InvalidInput: a non-loopback address while sign-in is off.
    """
    if sign_in_required is None:
        from suite.auth import SIGN_IN_REQUIRED

        sign_in_required = SIGN_IN_REQUIRED
    if not sign_in_required and not is_loopback(address):
        raise InvalidInput(
            f"Refusing to serve on {address}: without sign-in anyone on the network could use the dashboard. "
            "Serve on 127.0.0.1, or turn sign-in on."
        )


def first_start(settings: Settings, store: Store, say: Callable[[str], None]) -> str | None:
    """Create the first admin on a new SUITE_HOME and show its password once; returns it (None if not new)."""
    password = accounts.ensure_initial_admin(settings, store)
    store.close()  # let go of the file before the dashboard process opens it
    if password is None:
        return None
    path = accounts.initial_password_file(settings)
    say(
        "\n".join(
            [
                "",
                "*" * 72,
                "First start: an admin account was created. Sign in with",
                f"    user name: {accounts.INITIAL_ADMIN}",
                f"    password:  {password}",
                f"The password is also in {path} (readable only by you);",
                "you will be asked to choose a new one when you first sign in.",
                "*" * 72,
                "",
            ]
        )
    )
    return password
