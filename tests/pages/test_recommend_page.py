from __future__ import annotations

import pytest

from suite.store import Store
from tests.recommend.seed import copy_seed


@pytest.mark.slow
def test_not_interested_removes_the_card_and_logs_feedback(app_page, settings):
    copy_seed(settings)
    at = app_page("pages/recommend.py")
    at.run()
    assert not at.exception
    shown = at.session_state["rec_list"]
    assert len(shown.items) == 10 and shown.user_id
    first = shown.items[0]
    assert any(first.reason in c.value for c in at.caption)
    at.button(key=f"dismiss-{first.item_id}").click().run()
    assert not at.exception
    keys = {b.key for b in at.button}
    assert f"dismiss-{first.item_id}" not in keys and len([k for k in keys if k.startswith("dismiss-")]) == 10
    assert any("not be suggested again" in s.value for s in at.success)
    store = Store(settings)
    row = store.query("SELECT kind, request_id FROM feedback WHERE module = 'recommend'")
    store.close()
    assert row == [{"kind": "dismiss", "request_id": shown.request_id}]


@pytest.mark.slow
def test_visitor_similar_and_insights_tabs(app_page, settings):
    copy_seed(settings)
    at = app_page("pages/recommend.py")
    at.run()
    at.text_input(key="rec_visitor_text").input("ultralight tent for a hiking trip").run()
    assert not at.exception
    assert any("tent" in m.value.lower() for m in at.markdown if m.value.startswith("**"))
    assert any(m.label == "Model in use" and m.value == "default" for m in at.metric)


def test_page_offers_to_build_the_model_when_missing(app_page):
    at = app_page("pages/recommend.py")
    at.run()
    assert not at.exception
    assert any("not been built" in w.value for w in at.warning)
