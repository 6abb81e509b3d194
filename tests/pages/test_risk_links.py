"""Risk page in words (issue 16): one headline checked by the real classifier, alerts told as what happened with
one severity rule, and links from Needs attention (`?alert=`, `?ticket=`) that open their item first."""

from __future__ import annotations

import pytest

from suite.risk.alerts import refresh_alerts
from suite.risk.service import list_alerts, upsert_watchlist
from suite.store import Store
from suite.support.models import Answer, Passage
from suite.support.service import create_ticket
from tests.risk.risk_helpers import install_default_model, seed_scored_headlines, watchlist


def _shown(at) -> str:
    elements = [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.text]
    return " ".join(str(e.value) for e in elements).replace("\\", "")


@pytest.mark.slow
def test_one_headline_box_reads_its_tone_and_names_the_company(app_page, settings):
    install_default_model(settings)
    store = Store(settings)
    upsert_watchlist(store, watchlist(("FNWK", "ACMR")))
    at = app_page("pages/risk.py").run()
    assert not at.exception
    at.text_input(key="risk_check_text").input("Fennwick Motors recalls 50,000 vans over faulty brakes")
    next(b for b in at.button if b.label == "Check the tone").click().run()
    assert not at.exception
    shown = _shown(at)
    assert "Bad news" in shown, shown
    assert "Fennwick Motors (FNWK)" in shown and "Acmera" not in shown
    assert "sure; tone −" in shown  # the confidence in words, the tone with its sign
    assert store.scalar("SELECT count(*) FROM risk_headlines") == 0, "checking a headline stores nothing"

    at.text_input(key="risk_check_text").input("Acmera beats forecasts and raises its outlook")
    next(b for b in at.button if b.label == "Check the tone").click().run()
    shown = _shown(at)
    assert "Good news" in shown and "Acmera" in shown and "Fennwick Motors (FNWK)" not in shown


def _two_alerts(settings) -> tuple[Store, str, str]:
    store = Store(settings)
    upsert_watchlist(store, watchlist(("FNWK", "ACMR")))
    seed_scored_headlines(store, "FNWK")  # five bad-news headlines on one day: high
    seed_scored_headlines(store, "ACMR", bad_news=("Acmera probe widens", "Acmera shares crash"))  # two: medium
    refresh_alerts(store)
    alerts = {a.ticker: a for a in list_alerts(store)}
    return store, alerts["FNWK"].alert_id, alerts["ACMR"].alert_id


def test_alerts_say_what_happened_and_severity_follows_one_rule(app_page, settings):
    store, fennwick, acmera = _two_alerts(settings)
    severities = {a.ticker: a.severity for a in list_alerts(store)}
    assert severities == {"FNWK": "high", "ACMR": "medium"}
    at = app_page("pages/risk.py").run()
    assert not at.exception
    shown = _shown(at)
    assert "spread" not in shown and "{" not in shown
    assert "High: 5 bad-news headlines that day (high from 5, medium from 2)" in shown.replace("*", "")
    assert "Medium: 2 bad-news headlines that day" in shown.replace("*", "")
    assert "headlines in one day" in shown and "times as far as it moves on a normal day" in shown
    rules = next(m.value for m in at.markdown if "Severity" in m.value)
    assert "**High** with 5 or more, **Medium** with 2 or more" in rules


def test_an_alert_link_opens_that_alert_first_with_its_headlines(app_page, settings):
    store, fennwick, acmera = _two_alerts(settings)
    at = app_page("pages/risk.py")
    at.query_params["alert"] = acmera
    at.run()
    assert not at.exception
    badges = [m.value for m in at.markdown if "Opened from Needs attention" in m.value]
    assert len(badges) == 1
    texts = [m.value.replace("\\", "") for m in at.markdown]
    opened_at = texts.index(badges[0])
    assert "Acmera" in texts[opened_at + 1]  # the linked alert's card comes first, above the list
    assert at.expander[0].proto.expanded and "headlines behind this alert" in at.expander[0].label
    assert not at.expander[1].proto.expanded  # the others keep their headlines folded
    assert "alert" not in at.query_params  # read once: a refresh does not reopen it
    assert len([b for b in at.button if b.key == f"ack-{acmera}"]) == 1  # listed once, not twice

    next(b for b in at.button if b.key == "risk_link_close").click().run()
    assert not at.exception
    assert not any("Opened from Needs attention" in m.value for m in at.markdown)

    at.query_params["alert"] = "NOPE-2025-01-01"
    at.run()
    assert not at.exception
    assert any("no longer there" in i.value for i in at.info)


def test_a_ticket_link_opens_the_handed_over_questions_on_that_ticket(app_page, store):
    tickets = []
    for question in ("Can I pay by invoice?", "Where is my refund?"):
        rid = store.log_event(module="support", action="ask", input_summary=question)
        answer = Answer(
            question=question, answer="", answered=False, confidence=0.2, citations=[], language="en",
            model_name="minilm", model_version="v1", device="cpu", request_id=rid,
            candidates=[Passage("billing.md", "Billing and invoices", 0.3, "We accept cards and invoices.")],
        )  # fmt: skip
        tickets.append(create_ticket(store, answer, user="dana"))
    store.flush()
    at = app_page("pages/support.py")
    at.query_params["ticket"] = tickets[0]
    at.run()
    assert not at.exception
    shown = _shown(at)
    assert "Opened from Needs attention" in shown and "Can I pay by invoice?" in shown
    assert "Asked by dana" in shown and "Closest article: Billing and invoices" in shown.replace("*", "")
    assert "+00:00" not in shown and "UTC" in shown
    assert at.selectbox[0].value == tickets[0]  # the status form is on that ticket (not the newest one)
    assert "ticket" not in at.query_params
    next(b for b in at.button if b.key == "support_link_close").click().run()
    assert not any("Opened from Needs attention" in m.value for m in at.markdown)
    assert at.selectbox[0].value == tickets[1]  # the newest first again


def test_chinese_risk_page_has_no_english_body_text(app_page, settings):
    _two_alerts(settings)
    at = app_page("pages/risk.py")
    at.session_state["suite_language"] = "zh_CN"
    at.run()
    assert not at.exception
    shown = _shown(at)
    assert "坏消息标题" in shown and "情绪" in shown
    for english in ("headlines in one day", "Severity", "Acknowledge", "Tone", "Check a headline"):
        assert english not in shown + " ".join(b.label for b in at.button) + " ".join(t.label for t in at.tabs)
