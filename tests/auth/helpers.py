"""Signing in from tests: real accounts and real sessions in the test's store, no switch in the product.

Other test folders use these too:

    from tests.auth.helpers import make_user, sign_in_app_test, signed_in

    def test_reviewer_accepts_feedback(app_page, store):
        at = sign_in_app_test(app_page("pages/review.py"), signed_in(store, "reviewer"))
        at.run()

    identity = signed_in(store, "staff").identity     # for direct calls of domain functions
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from pages.session import TOKEN_KEY
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
    """A live session of a fresh account with `role` (named after the role unless `name` is given)."""
    user = make_user(store, name or f"test-{role}", role)
    return sign_in(store, user, PASSWORD)


def sign_in_app_test(at: AppTest, signed: SignedIn) -> AppTest:
    """Make an AppTest run as `signed` (the token the sign-in form would keep in session state)."""
    at.session_state[TOKEN_KEY] = signed.token
    return at
