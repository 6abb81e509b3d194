from __future__ import annotations

import pytest

from suite.recommend.service import import_catalog
from suite.store import Store
from tests.recommend.seed import copy_seed

BEACON = "Glacier ultralight bivouac tent ![x](http://evil/beacon.png)"
LINK = "[Bivouac](http://evil/phish) sale <img src=http://evil/i.png> www.evil.example"


@pytest.mark.slow
def test_not_interested_removes_the_card_and_logs_feedback(app_page, settings):
    copy_seed(settings)
    at = app_page("pages/recommend.py")
    at.run()
    assert not at.exception
    shown = at.session_state["rec_list"]
    assert len(shown.items) == 10 and shown.user_id
    first = shown.items[0]
    assert any(first.reason in t.value for t in at.text)  # cards are plain text now (imported titles)
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
    assert any("tent" in t.value.lower() for t in at.text if t.value[:1].isdigit())  # "1. <title>", plain text
    trained = next(m for m in at.metric if m.label == "Model trained")  # when, never the version's name or hash
    assert trained.value != "—" and "default" not in trained.value and "+00:00" not in trained.value


def test_page_offers_to_build_the_model_when_missing(app_page):
    at = app_page("pages/recommend.py")
    at.run()
    assert not at.exception
    assert any("not been built" in w.value for w in at.warning)


def _rendered_as_markdown(at) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown (bodies and widget/expander labels)."""
    bodies = ("markdown", "caption", "info", "success", "warning", "error")
    labels = ("expander", "metric", "button", "text_input", "selectbox", "multiselect")
    texts = [e.value for kind in bodies for e in getattr(at, kind)]
    return texts + [e.label for kind in labels for e in getattr(at, kind)]


@pytest.mark.slow
def test_imported_titles_with_markdown_images_and_links_stay_plain_text(app_page, settings, tmp_path):
    copy_seed(settings)
    catalog = tmp_path / "hostile.csv"
    catalog.write_text(
        "item_id,title,category,description,price\n"
        f'EVIL-1,"{BEACON}",Outdoor,"A one-person ultralight bivouac tent for alpine hiking. {LINK}",210\n'
    )
    store = Store(settings)
    assert import_catalog(store, catalog).rows_added == 1
    store.close()
    at = app_page("pages/recommend.py")
    at.run()
    at.text_input(key="rec_visitor_text").input("ultralight bivouac tent for alpine hiking").run()
    assert not at.exception
    cards = [t.value for t in at.text]
    assert any(value.endswith(BEACON) for value in cards), cards  # shown, exactly as imported
    for text in _rendered_as_markdown(at):
        assert "evil" not in text, text  # never handed to the Markdown renderer: no image, no link
    at.selectbox[1].set_value("EVIL-1").run()  # the similar-products picker lists it as a plain option
    assert not at.exception
    assert all("evil" not in text for text in _rendered_as_markdown(at))
