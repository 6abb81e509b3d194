from __future__ import annotations

import pytest

from suite.modules import MODULES
from tests.auth.helpers import sign_in_app_test, signed_in


def home(app_page, store, timeout: float = 120, role: str = "viewer"):
    """The Home page as people reach it: through app.py's navigation, signed in (its links need the routes)."""
    return sign_in_app_test(app_page("app.py", timeout=timeout), signed_in(store, role))


def test_home_shows_every_module_and_live_counts(app_page, store):
    store.log_event(module="support", action="ask")
    store.log_event(module="support", action="ask")
    store.flush()
    at = home(app_page, store).run()
    assert not at.exception
    assert at.title[0].value == "Northstar Suite"
    cards = [m.value for m in at.markdown if m.value.startswith("####")]
    for title in ("Support answers", "Recommendations", "Defect inspection", "Transcription", "Market risk alerts"):
        assert any(title in card for card in cards)
    support_uses = next(m for m in at.metric if m.label == "Uses this week")
    assert support_uses.value == "2"
    assert any("2** recorded uses" in m.value for m in at.markdown)


def test_each_module_card_links_to_its_page(app_page, store):
    at = home(app_page, store).run()
    assert not at.exception
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert links == {f"Open {info.title}": info.key for info in MODULES}


def test_app_routes_to_home_by_default(app_page, store):
    at = sign_in_app_test(app_page("app.py"), signed_in(store, "viewer")).run()
    assert not at.exception
    assert at.title[0].value == "Northstar Suite"


def test_app_shows_only_sign_in_to_a_visitor(app_page):
    at = app_page("app.py").run()
    assert not at.exception
    assert "Sign in" in at.title[0].value


@pytest.mark.slow
def test_load_demo_ends_in_one_plain_sentence_beside_the_button(app_page, store, monkeypatch):
    from tests.auth.helpers import keep_app_routing

    keep_app_routing(monkeypatch)
    at = home(app_page, store, timeout=1500, role="admin").run()  # loading the sample data is an admin's
    next(b for b in at.button if b.label == "Load demo data").click().run()
    assert not at.exception
    [done] = at.success
    assert done.value.startswith("Demo data loaded in ") and done.value.endswith(
        "every assistant has sample data to try."
    )
    assert "{" not in done.value
    [loaded] = [m.value for m in at.expander[0].markdown if m.value.startswith("- **")]
    lines = loaded.splitlines()
    assert [line.split("**")[1] for line in lines] == [info.title for info in MODULES]
    assert not at.get("json")  # sentences for people, not a dict
