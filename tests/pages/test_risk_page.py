"""The risk page on real sample news: the recall alert shows with its headlines and can be acknowledged."""

from __future__ import annotations

import json

import pytest

from suite.store import Store
from tests.risk.risk_helpers import install_default_model, load_slice


@pytest.mark.slow
def test_acknowledge_an_alert(app_page, settings):
    install_default_model(settings)
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
def test_upload_reports_bad_rows_by_line(app_page, settings):
    from suite.risk.service import upsert_watchlist
    from tests.risk.risk_helpers import watchlist

    install_default_model(settings)
    upsert_watchlist(Store(settings), watchlist(("FNWK",)))
    at = app_page("pages/risk.py").run()
    assert not at.exception
    upload = b"timestamp,source,headline\n2025-05-02T09:00:00Z,Wire,Fennwick recalls 5000 vans\nbad,row\n"
    at.file_uploader(key="risk_upload").set_value(("news.csv", upload, "text/csv")).run()
    next(b for b in at.button if b.label == "Read headlines").click().run()
    assert not at.exception
    summary = at.success[0].value
    assert "1 new headline stored" in summary and "line 3" in summary


BEACON = "![x](http://127.0.0.1:9/beacon.png)"


def _markdown_sources(at) -> list[str]:
    """Every element the page renders as Markdown (markdown, captions, notices)."""
    elements = [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error, *at.subheader]
    return [str(e.value) for e in elements]


def test_untrusted_headlines_and_names_show_as_text_never_as_links_or_images(app_page, settings):
    from markdown_it import MarkdownIt

    from suite.risk.alerts import refresh_alerts
    from suite.risk.service import upsert_watchlist
    from tests.risk.risk_helpers import seed_scored_headlines

    store = Store(settings)
    company = {"ticker": "FNWK", "name": "Fennwick [Motors](http://127.0.0.1:9/phish)", "aliases": "Fennwick"}
    upsert_watchlist(store, [company])
    hostile = (
        f"Fennwick recall {BEACON}",
        "Fennwick <img src=http://127.0.0.1:9/pixel.png> probe widens",
        "Fennwick :red[crash] at www.example.com and <http://127.0.0.1:9/auto>",
        "Fennwick **fraud** [details](javascript:alert(1)) # widens",
    )
    seed_scored_headlines(store, "FNWK", bad_news=hostile)
    assert refresh_alerts(store)
    at = app_page("pages/risk.py").run()
    assert not at.exception
    sources = _markdown_sources(at)
    shown = " ".join(sources)
    assert "Fennwick" in shown and "beacon" in shown and "pixel" in shown  # the text is there, as text
    for source in sources:
        html = MarkdownIt("commonmark").render(source)
        assert "<img" not in html and "<a " not in html, source
        assert "://" not in source and "www." not in source, f"a bare link could be autolinked: {source}"
        assert ":red[crash]" not in source  # a colour directive of its own
    assert r"\!\[x\]\(http\:\/\/127\.0\.0\.1\:9\/beacon\.png\)" in shown
    assert r"Fennwick \[Motors\]\(http\:\/\/127\.0\.0\.1\:9\/phish\)" in shown


def test_webhook_delivery_state_shows_on_the_page(app_page, settings, monkeypatch):
    import http.server
    import threading
    from datetime import timedelta

    from suite.risk.alerts import refresh_alerts
    from suite.risk.service import deliver_pending, deliveries, upsert_watchlist
    from suite.store import now
    from tests.risk.risk_helpers import seed_scored_headlines, watchlist

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server API)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    monkeypatch.setattr("suite.risk.outbox.deliver_soon", lambda *args, **kwargs: None)
    server = http.server.HTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = Store(settings)
    upsert_watchlist(store, watchlist(("FNWK", "ACMR")))
    seed_scored_headlines(store, "FNWK")
    seed_scored_headlines(store, "ACMR")
    try:
        refresh_alerts(Store(settings.with_(alert_webhook=f"http://127.0.0.1:{server.server_port}/hook")), ["FNWK"])
        refresh_alerts(Store(settings.with_(alert_webhook="http://127.0.0.1:9/hook")), ["ACMR"])
        deliver_pending(store, connect_timeout_s=0.5)
    finally:
        server.shutdown()
    at = app_page("pages/risk.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "delivered" in captions and "retrying" in captions and "refused" in captions
    assert any(s.value == "Alert messages sent" for s in at.subheader)
    table = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert sorted(table["Status"]) == ["delivered", "retrying"]

    later = now()
    while any(d.status == "retrying" for d in deliveries(store)):
        later += timedelta(hours=2)
        deliver_pending(store, at=later, connect_timeout_s=0.5)
    at.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "failed" in captions and "gave up" in captions
    table = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert sorted(table["Status"]) == ["delivered", "failed"]


def test_a_bad_webhook_setting_is_shown_not_used(app_page, settings, monkeypatch):
    from suite.risk.service import upsert_watchlist
    from tests.risk.risk_helpers import watchlist

    upsert_watchlist(Store(settings), watchlist(("FNWK",)))
    monkeypatch.setenv("SUITE_ALERT_WEBHOOK", "file:///etc/passwd")
    at = app_page("pages/risk.py").run()
    assert not at.exception
    assert any("SUITE_ALERT_WEBHOOK" in w.value and "http" in w.value for w in at.warning)
