from __future__ import annotations

import pytest

from suite.modules import MODULES
from tests.auth.helpers import sign_in_app_test, signed_in


def test_home_shows_every_module_and_live_counts(app_page, store):
    store.log_event(module="support", action="ask")
    store.log_event(module="support", action="ask")
    store.flush()
    at = app_page("pages/home.py").run()
    assert not at.exception
    assert at.title[0].value == "Northstar Suite"
    cards = [m.value for m in at.markdown if m.value.startswith("####")]
    for title in ("Support answers", "Recommendations", "Defect inspection", "Transcription", "Market risk alerts"):
        assert any(title in card for card in cards)
    support_uses = next(m for m in at.metric if m.label == "Uses this week")
    assert support_uses.value == "2"
    assert any("2** recorded uses" in m.value for m in at.markdown)


def test_app_routes_to_home_by_default(app_page, store):
    at = sign_in_app_test(app_page("app.py"), signed_in(store, "viewer")).run()
    assert not at.exception
    assert at.title[0].value == "Northstar Suite"


def test_app_shows_only_sign_in_to_a_visitor(app_page):
    at = app_page("app.py").run()
    assert not at.exception
    assert "Sign in" in at.title[0].value


@pytest.mark.slow
def test_load_demo_says_in_sentences_what_each_module_loaded(app_page, store):
    at = app_page("pages/home.py", timeout=1500).run()
    next(b for b in at.button if b.label == "Load demo data").click().run()
    assert not at.exception and at.success[0].value == "Demo data loaded."
    [loaded] = [m.value for m in at.markdown if m.value.startswith("- **")]
    lines = loaded.splitlines()
    assert [line.split("**")[1] for line in lines] == [info.title for info in MODULES]
    assert not at.get("json")  # sentences for people, not a dict
