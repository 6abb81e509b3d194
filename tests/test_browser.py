"""Browser smoke test: the real server in headless Chromium, every page renders its title, no exception box."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from suite import i18n
from suite.auth import sign_in
from suite.settings import Settings
from suite.store import Store
from tests.auth.helpers import PASSWORD, browser_cookie, make_user
from tests.serving_kit import CHROMIUM, ROOT, chromium, running_dashboard

PAGE = re.compile(r'st\.Page\("pages/(\w+)\.py", title=t\("([\w.]+)"\)(, icon="[^"]*")?(, default=True)?')

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (make test installs it)"),
]


def app_pages() -> list[tuple[str, str, bool]]:
    """(url path, title, is default) for every page app.py routes to."""
    found = [(m[1], i18n.t("en", m[2]), bool(m[4])) for m in PAGE.finditer((ROOT / "app.py").read_text())]
    assert found, "no st.Page(...) found in app.py"
    return sorted(found, key=lambda page: page[2])  # deep links first: a first visit must not bypass app.py


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("browser-home")
    store = Store(Settings.from_env(environ={}, home=home, device="cpu"))
    make_user(store, "browser-admin", "admin")
    signed = sign_in(store, "browser-admin", PASSWORD)
    store.close()
    with running_dashboard(home) as url:
        yield url, signed


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("path,title,is_default", app_pages())
def test_page_renders_title_without_exception(server, browser, path, title, is_default):
    url, signed = server
    context = browser.new_context()
    context.add_cookies([browser_cookie(url, signed)])
    page = context.new_page()
    page.goto(url if is_default else f"{url}/{path}", wait_until="domcontentloaded")
    heading = page.locator("h1").first
    heading.wait_for(timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=180_000, polling=500
    )
    expected = "Northstar Suite" if is_default else title
    assert expected in heading.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    sidebar = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Home" in sidebar and "Operations" in sidebar  # app.py's navigation, not the raw pages/ files
    assert "ui" not in sidebar.split()
    context.close()
