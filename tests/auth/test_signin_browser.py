"""Sign-in in real Chromium against the real server: deep links, roles, refresh, sign-out."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from suite.auth import sign_in as sign_in_store
from suite.settings import Settings
from suite.store import Store
from tests.auth.helpers import PASSWORD, browser_cookie, make_user
from tests.serving_kit import CHROMIUM, chromium, running_dashboard

IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (make test installs it)"),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("signin-home")


@pytest.fixture(scope="module")
def server(home):
    store = Store(Settings.from_env(environ={}, home=home, device="cpu"))
    for role in ("staff", "reviewer", "admin"):
        make_user(store, f"b-{role}", role)
    store.close()
    with running_dashboard(home) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context()  # its own cookie jar: one person's browser
    page = context.new_page()
    yield page
    context.close()


def settle(page) -> str:
    """Wait for the page to finish running; return its first heading."""
    heading = page.locator("h1").first
    heading.wait_for(timeout=120_000)
    page.wait_for_function(IDLE, timeout=180_000, polling=500)
    assert page.locator('[data-testid="stException"]').count() == 0
    return heading.inner_text()


def sign_in(page, name: str) -> str:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for(timeout=120_000)
    heading = settle(page)
    session_cookie(page)
    return heading


def session_cookie(page, timeout_s: float = 60) -> dict:
    """The session cookie, once the page's script has set it (it runs just after the signed-in page renders)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        cookie = next((c for c in page.context.cookies() if c["name"] == "suite_session" and c["value"]), None)
        if cookie:
            return cookie
        page.wait_for_timeout(200)
    pytest.fail("the session cookie was not set")


def sidebar_nav(page) -> str:
    """The sidebar's page names, all of them (a long list is folded behind "View N more")."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    more = nav.get_by_text(re.compile(r"View \d+ more"))
    if more.count():
        more.first.click()
        nav.get_by_text(re.compile(r"View less")).wait_for(timeout=30_000)
    return nav.inner_text()


@pytest.mark.parametrize("path", ["", "models", "review", "support", "audit"])
def test_any_deep_link_shows_only_the_sign_in_page(server, page, path):
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    assert "Sign in to Northstar Suite" in settle(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.get_by_text("Load demo data").count() == 0


def test_admin_deep_link_opens_after_sign_in_and_survives_a_refresh_then_signs_out(server, page):
    page.goto(f"{server}/models", wait_until="domcontentloaded")
    assert "Sign in" in settle(page)
    assert "Models" in sign_in(page, "b-admin")  # the page asked for, once signed in
    cookie = session_cookie(page)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert "Users" in sidebar_nav(page) and "Audit trail" in sidebar_nav(page)

    page.reload(wait_until="domcontentloaded")
    page.get_by_text("Signed in as").wait_for(timeout=120_000)
    assert "Models" in settle(page)

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for(timeout=120_000)
    assert "Sign in" in settle(page)
    page.reload(wait_until="domcontentloaded")
    assert "Sign in" in settle(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0


def test_staff_cannot_see_or_reach_the_models_page(server, page):
    page.goto(server, wait_until="domcontentloaded")
    settle(page)
    assert "Northstar Suite" in sign_in(page, "b-staff")
    nav = sidebar_nav(page)
    assert "Support answers" in nav and "Models" not in nav and "Review feedback" not in nav and "Users" not in nav
    page.goto(f"{server}/models", wait_until="domcontentloaded")
    page.get_by_text("Signed in as").wait_for(timeout=120_000)
    assert "Models" not in settle(page)  # not routed: the app falls back to Home
    assert page.get_by_role("button", name="Use this version").count() == 0


def test_a_reviewer_reaches_the_review_page(server, page):
    page.goto(f"{server}/review", wait_until="domcontentloaded")
    settle(page)
    assert "Review feedback" in sign_in(page, "b-reviewer")
    assert "Models" not in sidebar_nav(page)


def test_a_session_cookie_made_in_the_store_opens_a_deep_link_directly(server, home, page):
    store = Store(Settings.from_env(environ={}, home=home, device="cpu"))
    try:
        page.context.add_cookies([browser_cookie(server, sign_in_store(store, "b-reviewer", PASSWORD))])
    finally:
        store.close()
    page.goto(f"{server}/review", wait_until="domcontentloaded")
    page.get_by_text("Signed in as").wait_for(timeout=120_000)
    assert "Review feedback" in settle(page)
