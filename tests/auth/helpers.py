"""Signing in from tests: real accounts and real sessions in the test's store, no switch in the product.

Other test folders use these too:

    from tests.auth.helpers import browser_cookie, keep_app_routing, sign_in_app_test, signed_in

    # a page's AppTest, as a reviewer (pages get the identity from pages.session.identity())
    at = sign_in_app_test(app_page("pages/review.py"), signed_in(store, "reviewer")).run()

    # app.py's AppTest over several runs (switch_page...): keep app.py's routing and sign-in check in every run
    keep_app_routing(monkeypatch)

    # a real browser: put a live session's cookie in the browser context before opening a page
    context.add_cookies([browser_cookie(server_url, signed_in(Store(settings_of_the_server), "admin"))])

    identity = signed_in(store, "staff").identity     # for direct calls of domain functions
"""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from pages.session import COOKIE, TOKEN_KEY
from suite.auth import SignedIn, add_user, cli_identity, sign_in
from suite.auth import queries as auth_queries
from suite.store import Store

PASSWORD = "correct horse battery staple"


def make_user(store: Store, name: str, role: str, password: str = PASSWORD) -> str:
    """A ready account (no must-change step) with `password`; returns the user name."""
    add_user(store, cli_identity(), name, role, password=password)
    auth_queries.set_password_hash(store, name, auth_queries.user_row(store, name)["password_hash"], must_change=False)
    return name


def signed_in(store: Store, role: str, name: str | None = None) -> SignedIn:
    """A live session of a fresh account with `role` (named `test-<role>` unless `name` is given)."""
    user = make_user(store, name or f"test-{role}", role)
    return sign_in(store, user, PASSWORD)


def sign_in_app_test(at: AppTest, signed: SignedIn) -> AppTest:
    """Make an AppTest run as `signed` (the token the sign-in form keeps in session state)."""
    at.session_state[TOKEN_KEY] = signed.token
    return at


def browser_cookie(url: str, signed: SignedIn) -> dict:
    """The session cookie a signed-in browser holds, for playwright's `context.add_cookies([...])`.

    The session must live in the server's SUITE_HOME (its store and its `secret-key`).
    """
    return {"name": COOKIE, "value": signed.token, "url": url, "sameSite": "Strict"}


def keep_app_routing(monkeypatch) -> None:
    """Make every AppTest run of app.py go through app.py, as `suite serve` does (see suite.cli._LAUNCH).

    AppTest resets `PagesManager.uses_pages_directory` before each run; with a `pages/` folder beside app.py the
    next run then executes the last page's file directly, skipping app.py's navigation and its sign-in check.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
