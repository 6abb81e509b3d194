"""The review page's keys in a real browser: n goes to the next card, a accepts, u undoes, and the same letters
typed into a correction box stay text (they click nothing). AppTest cannot run the page's JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest

from suite.auth import sign_in
from suite.settings import Settings
from suite.store import Store
from tests.auth.helpers import PASSWORD, browser_cookie, make_user
from tests.review.seed import seed_all_kinds
from tests.serving_kit import CHROMIUM, chromium, running_dashboard

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (make test installs it)"),
]


def _states(home: Path) -> dict[str, str]:
    store = Store(Settings.from_env(environ={}, home=home, device="cpu"))
    try:
        return {r["feedback_id"]: r["review_state"] for r in store.query("SELECT * FROM feedback")}
    finally:
        store.close()


def test_keys_decide_and_undo_but_not_while_typing(tmp_path):
    home = tmp_path / "home"
    store = Store(Settings.from_env(environ={}, home=home, device="cpu"))
    make_user(store, "alice", "reviewer")
    signed = sign_in(store, "alice", PASSWORD)
    ids = seed_all_kinds(store)
    store.close()
    with running_dashboard(home, warm_up=False) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.add_cookies([browser_cookie(url, signed)])
        page = context.new_page()
        page.goto(f"{url}/review", wait_until="domcontentloaded")
        page.get_by_text("Item 1 of 7").wait_for(timeout=120_000)
        ready = "() => (window.__streamlitShortcutsMap || {}).review_next && window.__suiteKeys"
        page.wait_for_function(ready, timeout=60_000)  # the key scripts come last on the page

        def after(key: str, text: str) -> None:
            page.evaluate("document.activeElement && document.activeElement.blur()")  # on the page, not in a box
            page.keyboard.press(key)
            page.get_by_text(text, exact=True).wait_for(timeout=60_000)

        after("n", "Item 2 of 7")
        after("a", "Item 2 of 6")  # the support correction is accepted; the photo's card opens
        assert _states(home)[ids["correction"]] == "accepted"
        after("n", "Item 3 of 6")  # the transcript correction, with a text box
        box = page.get_by_label("Corrected text")
        box.click()
        box.press("End")
        box.type(" a r n p u")
        page.wait_for_timeout(1500)  # time for a wrongly clicked button to have rerun the page
        assert page.get_by_text("Item 3 of 6", exact=True).count() == 1
        assert box.input_value().endswith(" a r n p u")
        assert _states(home)[ids["transcript"]] == "new"
        after("u", "Item 4 of 7")  # undo: the accepted correction is back in the list, before this card
        assert _states(home)[ids["correction"]] == "new"
        # away and back within the app: the frames are new, the keys still work
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Needs attention").click()
        page.get_by_role("heading", name="Needs attention").wait_for(timeout=60_000)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Review feedback").click()
        page.get_by_text("Item 4 of 7", exact=True).wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        after("p", "Item 3 of 7")
        assert page.locator('[data-testid="stException"]').count() == 0
        context.close()
