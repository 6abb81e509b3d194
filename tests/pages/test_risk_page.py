"""The risk page on real sample news: the recall alert shows with its headlines and can be acknowledged."""

from __future__ import annotations

import json

from suite.store import Store
from tests.risk.risk_helpers import install_default_model, load_slice


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
