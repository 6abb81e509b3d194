"""The review page as a reviewer uses it: one card at a time by keyboard, bulk with a confirmation, undo.

The keyboard path is the buttons the shortcuts click (streamlit-shortcuts finds a button by its key and clicks
it in the browser); AppTest clicks the same buttons by the same keys, and the test checks that every key the
page maps is one of its buttons.
"""

from __future__ import annotations

import re

from suite.review import decide
from tests.auth.helpers import sign_in_app_test, signed_in
from tests.review.seed import MODEL_HASH, ORDER, seed_all_kinds

LEAKS = re.compile(r"None|\{['\"]|review_state|feedback_id|_id\b|\+00:00|" + MODEL_HASH)


def review(app_page, store):
    """The page as alice, a reviewer, sees it."""
    return sign_in_app_test(app_page("pages/review.py"), signed_in(store, "reviewer", name="alice")).run()


def states(store) -> dict[str, tuple[str, str | None]]:
    rows = store.query("SELECT feedback_id, review_state, reviewer FROM feedback")
    return {r["feedback_id"]: (r["review_state"], r["reviewer"]) for r in rows}


def shown_text(at) -> str:
    """Everything the page shows as text: Markdown, captions, headers, messages, labels and widget values."""
    parts = [e.value for kind in ("markdown", "caption", "subheader", "success", "warning", "info", "error")
             for e in at.get(kind)]  # fmt: skip
    parts += [b.label for b in at.button] + [c.label for c in at.checkbox] + [m.label for m in at.metric]
    parts += [str(o) for s in at.selectbox for o in [s.label, *s.options]]
    parts += [t.label + " " + t.value for t in at.text_area]
    return "\n".join(parts)


def shortcut_map(at) -> dict[str, str]:
    """The button keys the page's keyboard shortcuts click, read from the script it sends to the browser."""
    scripts = " ".join(getattr(e.proto, "srcdoc", "") for e in at.get("iframe"))
    return dict(re.findall(r'"(review_\w+)": \["(\w)"\]', scripts))


def test_a_reviewer_accepts_three_items_by_keyboard(app_page, store):
    ids = seed_all_kinds(store)
    at = review(app_page, store)
    assert not at.exception
    keys = shortcut_map(at)
    assert keys == {"review_accept": "a", "review_reject": "r", "review_next": "n", "review_previous": "p",
                    "review_undo": "u"}  # fmt: skip
    on_page = {b.key for b in at.button}
    assert {"review_accept", "review_reject", "review_next", "review_previous"} <= on_page
    assert at.subheader[0].value == "Item 1 of 7"
    at.button(key="review_next").click().run()  # n: skip the thumbs-down for now
    assert at.subheader[0].value == "Item 2 of 7"
    for _ in range(3):  # a, a, a: each accept opens the next card
        at.button(key="review_accept").click().run()
        assert not at.exception
    now = states(store)
    accepted = [name for name in ORDER if now[ids[name]] == ("accepted", "alice")]
    assert accepted == ["correction", "box", "transcript"]
    assert now[ids["thumbs"]] == ("new", None)
    assert at.subheader[0].value == "Item 2 of 4"  # the next one waiting: the recommendation
    assert "Baby wipes" in shown_text(at)
    assert "review_undo" in {b.key for b in at.button}  # u: undo is there once something was decided
    at.button(key="review_undo").click().run()
    assert states(store)[ids["transcript"]] == ("new", None)  # only the latest decision is undone
    assert states(store)[ids["box"]] == ("accepted", "alice")
    assert any("Undone" in s.value for s in at.success)


def test_bulk_accept_names_the_count_cancel_changes_nothing_and_undo_restores(app_page, store):
    ids = seed_all_kinds(store)
    at = review(app_page, store)
    assert not any(o == "Select all" for s in at.selectbox for o in s.options)
    at.button(key="review_accept_all").click().run()
    assert [w.value for w in at.warning] == ["Accept 7 items?"]
    assert not any(b.key == "review_accept" for b in at.button)  # nothing else to click while it asks
    at.button(key="review_cancel").click().run()
    assert set(states(store).values()) == {("new", None)}
    assert any(s.value == "Nothing was changed." for s in at.success)

    at.checkbox(key=f"review_pick_{ids['thumbs']}").check().run()
    at.checkbox(key=f"review_pick_{ids['alert']}").check().run()
    at.button(key="review_accept_picked").click().run()
    at.button(key="review_cancel").click().run()  # the picks outlive a cancelled confirmation
    picked = at.button(key="review_accept_picked")
    assert picked.label == "Accept picked (2)"
    picked.click().run()
    assert [w.value for w in at.warning] == ["Accept 2 items?"]
    next(b for b in at.button if b.label == "Yes, accept 2 items").click().run()
    assert not at.exception
    now = states(store)
    assert {name for name in ORDER if now[ids[name]][0] == "accepted"} == {"thumbs", "alert"}
    assert any(s.value.startswith("Accepted 2 items") for s in at.success)
    assert at.button(key="review_accept_picked").label == "Accept picked (0)"

    at.button(key="review_undo").click().run()
    assert set(states(store).values()) == {("new", None)}
    log = store.query("SELECT decision, undone_at FROM review_log ORDER BY ts")
    assert [r["decision"] for r in log] == ["accept", "accept", "undo", "undo"]
    assert all(r["undone_at"] is not None for r in log[:2])
    store.flush()
    audit = store.query("SELECT action, actor FROM audit WHERE action LIKE 'feedback.%' ORDER BY ts")
    assert [(a["action"], a["actor"]) for a in audit] == [("feedback.accept", "alice"), ("feedback.undo", "alice")]


def test_every_card_speaks_its_modules_language_without_machinery(app_page, store):
    ids = seed_all_kinds(store)
    at = review(app_page, store)
    seen = {}
    for name in ORDER:
        if name != "thumbs":  # the first card is open already
            at.button(key=f"review_open_{ids[name]}").click().run()
        assert not at.exception
        seen[name] = shown_text(at)
        assert not LEAKS.search(seen[name]), (name, LEAKS.search(seen[name]))
        if name == "box":
            assert at.get("image"), "the photo with its box"
        if name == "transcript":
            assert at.get("audio"), "the recording"
    assert "Rating: Thumbs down: not helpful" in seen["thumbs"].replace("\\", "").replace("**", "")
    assert "Correct answer Refunds take 5 working days." in seen["correction"]  # a text box, not JSON
    assert "Corrected text The parcel will arrive on Thursday." in seen["transcript"]
    assert "Waiting for review" in seen["alert"] and "From carol" in seen["alert"].replace("\\", "")


def test_a_correction_typed_as_text_is_saved_and_accepted(app_page, store):
    ids = seed_all_kinds(store)
    at = review(app_page, store)
    at.button(key=f"review_open_{ids['correction']}").click().run()
    at.text_area(key=f"review_fix_{ids['correction']}").set_value("Refunds take 3 working days.").run()
    at.button(key=f"review_save_{ids['correction']}").click().run()
    assert not at.exception
    row = store.query("SELECT value->>'correction' AS c, review_state, reviewer FROM feedback WHERE feedback_id = ?",
                      [ids["correction"]])[0]  # fmt: skip
    assert (row["c"], row["review_state"], row["reviewer"]) == ("Refunds take 3 working days.", "accepted", "alice")
    store.flush()
    audit = store.query("SELECT actor, outcome FROM audit WHERE action = 'feedback.edit'")
    assert [(a["actor"], a["outcome"]) for a in audit] == [("alice", "ok")]  # the signed-in reviewer, not the server


def test_a_link_from_needs_attention_opens_that_card(app_page, store):
    ids = seed_all_kinds(store)
    at = sign_in_app_test(app_page("pages/review.py"), signed_in(store, "reviewer", name="alice"))
    at.query_params["item"] = ids["tone"]
    at.run()
    assert not at.exception
    assert at.subheader[0].value == "Item 6 of 7"
    assert at.selectbox(key=f"review_fix_{ids['tone']}").value == "negative"


def test_nothing_to_review(app_page, store):
    at = review(app_page, store)
    assert not at.exception
    assert any("Nothing to review" in i.value for i in at.info)


def test_a_link_to_an_item_already_decided_says_so(app_page, store):
    ids = seed_all_kinds(store)
    decide(store, [ids["tone"]], "accept", reviewer="bob")
    at = sign_in_app_test(app_page("pages/review.py"), signed_in(store, "reviewer", name="alice"))
    at.query_params["item"] = ids["tone"]
    at.run()
    assert not at.exception
    assert any("not in this list" in i.value for i in at.info)
    assert at.subheader[0].value == "Item 1 of 6"
