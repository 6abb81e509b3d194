"""The risk page on real sample news: the recall alert shows with its headlines and can be acknowledged."""

from __future__ import annotations

import json

import pytest

from suite.store import Store
from tests.risk.risk_helpers import install_default_model, load_slice


@pytest.mark.slow
def test_acknowledge_an_alert(app_page, settings, tmp_path_factory):
    install_default_model(settings, tmp_path_factory.getbasetemp())
    store = Store(settings)
    load_slice(store)
    at = app_page("pages/risk.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Fennwick Motors" in text and "recall" in text.lower()
    assert any(s.value.startswith("Open alerts") for s in at.subheader)
    assert len(at.dataframe) >= 1  # the watchlist table
    at.button(key="ack-FNWK-2025-03-11").click().run()
    assert not at.exception
    assert any("acknowledged" in s.value for s in at.success)
    assert not any(b.key == "ack-FNWK-2025-03-11" for b in at.button)
    assert store.scalar("SELECT state FROM risk_alerts WHERE alert_id = 'FNWK-2025-03-11'") == "acknowledged"
    feedback = store.query("SELECT kind, value FROM feedback WHERE module = 'risk'")
    assert [f["kind"] for f in feedback] == ["confirm"]
    assert json.loads(feedback[0]["value"])["company"] == "Fennwick Motors"


def test_empty_watchlist_offers_the_sample_data(app_page):
    at = app_page("pages/risk.py").run()
    assert not at.exception
    assert any("No companies are being watched" in i.value for i in at.info)
    assert any(b.label == "Load sample data" for b in at.button)


@pytest.mark.slow
def test_upload_reports_bad_rows_by_line(app_page, settings, tmp_path_factory):
    from suite.risk.service import upsert_watchlist
    from tests.risk.risk_helpers import watchlist

    install_default_model(settings, tmp_path_factory.getbasetemp())
    upsert_watchlist(Store(settings), watchlist(("FNWK",)))
    at = app_page("pages/risk.py").run()
    assert not at.exception
    upload = b"timestamp,source,headline\n2025-05-02T09:00:00Z,Wire,Fennwick recalls 5000 vans\nbad,row\n"
    at.file_uploader(key="risk_upload").set_value(("news.csv", upload, "text/csv")).run()
    next(b for b in at.button if b.label == "Read headlines").click().run()
    assert not at.exception
    summary = at.success[0].value
    assert "1 new headlines stored" in summary and "line 3" in summary
