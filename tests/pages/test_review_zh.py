"""The review page, and the errors a page shows for a bad upload, in Chinese: every word from the catalogue,
no English sentence and no machinery (JSON, column names, None, hashes, raw timestamps) on any card."""

from __future__ import annotations

import re

from pages.ui import LANGUAGE_KEY
from suite import i18n
from tests.auth.helpers import sign_in_app_test, signed_in
from tests.pages.test_review_page import LEAKS, shown_text, states
from tests.review.seed import ORDER, seed_all_kinds

# English words the Review page or a card would show if a text escaped the catalogue (names people typed,
# products, headlines and model class names are data and stay as written).
ENGLISH_UI = re.compile(
    r"\b(Accept|Reject|Next|Previous|Undo|Waiting|From|Question|Answer given|Rating|Thumbs|Reported|Photo|"
    r"Recording|Shopper|Product|Company|Severity|Headline|Correct answer|Corrected text|Right tone|Item \d|"
    r"All items|Decide on many|Keys:|Deciding as|Nothing|sure|needs a person)\b"
)


def chinese(at):
    at.session_state[LANGUAGE_KEY] = "zh_CN"
    return at


def review_zh(app_page, store):
    at = sign_in_app_test(app_page("pages/review.py"), signed_in(store, "reviewer", name="alice"))
    return chinese(at).run()


def test_every_review_card_reads_in_chinese_without_machinery(app_page, store):
    ids = seed_all_kinds(store)
    at = review_zh(app_page, store)
    assert not at.exception
    assert at.title[0].value == i18n.t("zh_CN", "review.title")
    assert at.subheader[0].value == "第 1 条，共 7 条"
    assert [b.label for b in at.button if b.key in ("review_accept", "review_reject")] == ["采纳 `a`", "拒绝 `r`"]
    seen = {}
    for name in ORDER:
        if name != "thumbs":
            at.button(key=f"review_open_{ids[name]}").click().run()
        assert not at.exception
        seen[name] = shown_text(at).replace("\\", "")
        assert not LEAKS.search(seen[name]), (name, LEAKS.search(seen[name]))
        assert not ENGLISH_UI.search(seen[name]), (name, ENGLISH_UI.search(seen[name]))
    assert "**评价：** 点踩：没有帮助" in seen["thumbs"]
    assert "正确答案 Refunds take 5 working days." in seen["correction"]  # the text box, labelled in Chinese
    assert "scratch 框（把握 41%）确实是 scratch" in seen["box"]
    assert "顾客 U17：对 Baby wipes（Baby） 不感兴趣" in seen["dismiss"]
    assert "**模型的判断：** 中性（把握 62%）" in seen["tone"]
    assert "等待审核" in seen["alert"] and "来自 carol，" in seen["alert"]
    assert "**日期：** 2026年11月3日" in seen["alert"]
    at.button(key=f"review_open_{ids['tone']}").click().run()
    picker = at.selectbox(key=f"review_fix_{ids['tone']}")
    assert picker.label == "正确的语气" and picker.value == "negative"  # stored as the label, shown in Chinese
    assert picker.options == ["负面", "中性", "正面"]


def test_bulk_accept_asks_in_chinese_and_undo_says_so(app_page, store):
    ids = seed_all_kinds(store)
    at = review_zh(app_page, store)
    at.checkbox(key=f"review_pick_{ids['thumbs']}").check().run()
    at.checkbox(key=f"review_pick_{ids['alert']}").check().run()
    assert at.button(key="review_accept_picked").label == "采纳选中的（2）"
    at.button(key="review_accept_picked").click().run()
    assert [w.value for w in at.warning] == ["采纳 2 条？"]
    at.button(key="review_confirm").click().run()
    assert not at.exception
    assert {n for n in ORDER if states(store)[ids[n]][0] == "accepted"} == {"thumbs", "alert"}
    assert [s.value for s in at.success] == ["已采纳 2 条。可在上方撤销。"]
    assert any(c.value == "您上一次的决定：采纳了 2 条。" for c in at.caption)
    at.button(key="review_undo").click().run()
    assert set(states(store).values()) == {("new", None)}
    assert [s.value for s in at.success] == ["已撤销：您之前采纳了 2 条，现已恢复原状。"]
    assert not any(b.key == "review_undo" for b in at.button)  # nothing left to undo
    if not at.button(key=f"review_open_{ids['correction']}").disabled:  # it may be the open card already
        at.button(key=f"review_open_{ids['correction']}").click().run()
    at.text_area(key=f"review_fix_{ids['correction']}").set_value("   ").run()
    at.button(key=f"review_save_{ids['correction']}").click().run()  # the refusal comes from suite/, in Chinese
    assert [e.value for e in at.error] == ["保存前请先填写正确答案，或按原样采纳此条目。"]
    assert states(store)[ids["correction"]] == ("new", None)


def test_a_bad_upload_is_refused_in_chinese(app_page, store):
    from suite.risk.service import upsert_watchlist
    from tests.risk.risk_helpers import watchlist

    upsert_watchlist(store, watchlist(("FNWK",)))  # the page shows its tabs once a company is watched
    at = chinese(app_page("pages/risk.py")).run()
    assert not at.exception
    before = {b.label for b in at.button}
    at.file_uploader(key="risk_upload").set_value(("../news/empty.csv", b"", "text/csv")).run()
    read = [b for b in at.button if b.label not in before]
    assert len(read) == 1, "the button that reads the uploaded file"
    read[0].click().run()
    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == ["empty.csv：文件是空的。"]  # Markdown-escaped


def test_a_skipped_article_says_why_in_chinese(app_page, store):
    at = chinese(app_page("pages/support.py")).run()
    assert not at.exception
    at.file_uploader[0].set_value(("notes.md", b"", "text/markdown")).run()
    next(b for b in at.button if b.label == i18n.t("zh_CN", "support.add")).click().run()
    assert not at.exception
    assert any("notes.md：文件是空的。" in w.value.replace("\\", "") for w in at.warning), [w.value for w in at.warning]


def test_a_kept_photo_is_captioned_by_the_name_it_was_uploaded_as(app_page, store):
    from tests.review.seed import IMAGE

    kept = store.settings.module_dir("inspect") / "images" / "9f3c2a7b1d4e4f0a8c6b.jpg"  # named by result id
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(IMAGE.read_bytes())
    value = {"image_name": "gear-17.jpg", "image_path": str(kept), "box": [10, 10, 60, 60], "class": "dent",
             "confidence": 0.5, "verdict": "FAIL"}  # fmt: skip
    store.log_feedback(module="inspect", kind="false_alarm", value=value, user="carol")
    store.flush()
    at = review_zh(app_page, store)
    assert not at.exception
    captions = [shown.caption for image in at.get("image") for shown in image.proto.imgs]
    assert captions == ["gear-17.jpg"]
    assert "9f3c2a7b" not in shown_text(at)
