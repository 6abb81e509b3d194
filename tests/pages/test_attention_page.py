"""Needs attention: one of each kind from the real store, most urgent then newest first, each opening its card;
the counts in the sidebar for reviewers only. Reached through app.py, as people reach it (its links need routes)."""

from __future__ import annotations

from datetime import date, timedelta

from suite.inspect import queries as inspect_queries
from suite.review import decide
from suite.risk import queries as risk_queries
from suite.store import new_id, now, to_json
from suite.support.models import Answer, Passage
from suite.support.service import create_ticket
from tests.auth.helpers import keep_app_routing, sign_in_app_test, signed_in
from tests.review.seed import IMAGE


def seed_one_of_each(store) -> dict[str, str]:
    """In this order of time: a high alert, a REVIEW photo, a ticket, a feedback item (the newest)."""
    earlier = now() - timedelta(hours=3)
    day = date.today() - timedelta(days=1)
    alert = ["ACME-1", "ACME", day, earlier, "high", "tone", "Tone fell well below normal", -0.6, 0.1, -4.2, 9]
    risk_queries.insert_alerts(store, [[*alert, [], "risk-v1"]])
    result_id = new_id()
    kept = store.settings.module_dir("inspect") / "kept" / "weld_17.jpg"  # where inspect keeps what it checked
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(IMAGE.read_bytes())
    inspect_queries.save_result(
        store,
        {
            "result_id": result_id,
            "request_id": new_id(),
            "ts": (now() - timedelta(hours=2)).isoformat(),
            "user": "omar",
            "image_name": "weld_17.jpg",
            "image_path": str(kept),
            "width": 640,
            "height": 480,
            "verdict": "REVIEW",
            "defects": to_json(
                [{"index": 0, "class_name": "crack", "confidence": 0.31, "box": [1, 2, 30, 40], "status": "REVIEW"}]
            ),
            "thresholds": to_json({}),
            "model_version": "inspect-v1",
            "tiled": False,
        },
    )
    rid = store.log_event(module="support", action="ask", input_summary="Can I pay by invoice?")
    answer = Answer(
        question="Can I pay by invoice?", answer="", answered=False, confidence=0.2, citations=[], language="en",
        model_name="minilm", model_version="v1", device="cpu", request_id=rid,
        candidates=[Passage("billing.md", "Billing", 0.3, "We accept cards.")],
    )  # fmt: skip
    ticket = create_ticket(store, answer, user="dana")
    feedback = store.log_feedback(module="risk", kind="correction", value={"headline": "Acme slumps",
                                  "model_label": "neutral", "corrected_label": "negative"})  # fmt: skip
    store.flush()
    return {"alert": "ACME-1", "inspection": result_id, "ticket": ticket, "feedback": feedback}


def attention(app_page, store, monkeypatch, role: str = "reviewer"):
    keep_app_routing(monkeypatch)
    at = sign_in_app_test(app_page("app.py"), signed_in(store, role)).run()
    assert not at.exception
    return at


def test_one_of_each_kind_most_urgent_then_newest_each_opening_its_card(app_page, store, monkeypatch):
    ids = seed_one_of_each(store)
    at = attention(app_page, store, monkeypatch)
    at.switch_page("pages/attention.py").run()
    assert not at.exception
    titles = [e.label.replace("\\", "") for e in at.expander]  # as shown: untrusted text is escaped Markdown
    assert len(titles) == 4
    # urgent first (a person waiting on a ticket, newer than the high alert), then the photo, then feedback,
    # although the feedback is the newest of all
    assert titles[0].startswith("Urgent: Question for staff: Can I pay by invoice")
    assert titles[1].startswith("Urgent: Risk alert: ACME")
    assert titles[2].startswith("Soon: Photo to check: weld") and "UTC" in titles[2] and "+00:00" not in titles[2]
    assert titles[3].startswith("When you can: Market risk alerts · Tone corrected: Acme slumps")
    links = [(link.proto.page, link.proto.query_string) for link in at.main.get("page_link")]
    assert len(links) == 4
    assert links[3][1] == f"item={ids['feedback']}"  # opens that card on the review page
    assert links[0][1] == f"ticket={ids['ticket']}" and links[1][1] == "alert=ACME-1"
    assert {m.label: m.value for m in at.metric} == {
        "Questions handed to staff": "1", "Photos to check": "1", "Open risk alerts": "1", "Feedback to review": "1",
    }  # fmt: skip
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "1 uncertain box" in shown and "High severity" in shown
    assert len(at.get("image")) == 1  # the photo to check, with its uncertain box drawn


def test_the_sidebar_counts_what_waits_and_follows_the_store(app_page, store, monkeypatch):
    ids = seed_one_of_each(store)
    at = attention(app_page, store, monkeypatch)
    link = next(p for p in at.sidebar.get("page_link") if p.proto.label.startswith("Needs attention"))
    assert link.proto.label == "Needs attention: 4"
    decide(store, [ids["feedback"]], "accept", reviewer="alice")
    at.switch_page("pages/attention.py").run()
    assert [m.value for m in at.metric if m.label == "Feedback to review"] == ["0"]
    assert len(at.expander) == 3


def test_viewers_see_no_counts_and_no_page(app_page, store, monkeypatch):
    seed_one_of_each(store)
    at = attention(app_page, store, monkeypatch, role="viewer")
    labels = [p.proto.label for p in at.sidebar.get("page_link")]
    assert not any(label.startswith("Needs attention") for label in labels)
