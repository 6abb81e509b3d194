"""Inspection boxes as a reviewer uses them: confirm, retype, draw a missed defect; the states survive a reload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from suite.inspect import report
from suite.inspect.models import FAIL, Defect, Inspection
from suite.inspect.reviews import ADDED, CONFIRMED, NOT_DEFECT, BoxReview, Reviews, drawn_boxes
from suite.store import Store

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "inspect" / "defects" / "images" / "test"


def _feedback(settings) -> list[dict]:
    store = Store(settings)
    store.flush(wait_s=5)
    rows = store.query("SELECT kind, value FROM feedback WHERE module = 'inspect' ORDER BY ts, feedback_id")
    return [{"kind": r["kind"], **json.loads(r["value"])} for r in rows]


def _badges(at) -> str:
    return " ".join(m.value for m in at.markdown).replace("\\", "")


def _drawing(boxes: list[list[float]], *, natural: int, canvas: int) -> dict:
    """What the drawing component sends back for boxes drawn at image-pixel `boxes` on a picture `natural` px wide
    (the photo shown at twice its 256 px) fitted into a `canvas` px wide drawing area."""
    fit = canvas / natural
    objects = [
        {
            "type": "LabeledRect",
            "label": "pit",
            "left": x1 * 2 * fit,
            "top": y1 * 2 * fit,
            "width": (x2 - x1) * 2 * fit,
            "height": (y2 - y1) * 2 * fit,
            "originX": "left",
            "originY": "top",
            "scaleX": 1,
            "scaleY": 1,
        }
        for x1, y1, x2, y2 in boxes
    ]
    return {
        "drawing": {"raw": {"objects": objects}, "data": None},
        "backgroundFit": {
            "naturalWidth": natural,
            "naturalHeight": natural,
            "scaleX": fit,
            "scaleY": fit,
            "offsetX": 0,
            "offsetY": 0,
        },
    }


@pytest.mark.slow  # the real detector
def test_review_states_are_saved_shown_and_kept_after_a_reload(app_page, settings):
    at = app_page("pages/inspect.py").run()
    at.file_uploader[0].set_value(("test_014.jpg", (SAMPLE / "test_014.jpg").read_bytes(), "image/jpeg"))
    at.run()
    next(b for b in at.button if b.label == "Check images").click()
    at.run()
    assert not at.exception
    inspection = at.session_state["inspect_results"][0]
    rid, first = inspection.result_id, inspection.shown_defects()[0]
    assert "Not reviewed yet" in _badges(at)
    assert at.query_params["checked"] in (rid, [rid])  # a reload finds the result again

    at.button(key=f"ok-{rid}-{first.index}").click().run()
    assert not at.exception
    assert "Confirmed" in _badges(at)
    assert at.button(key=f"ok-{rid}-{first.index}").proto.type == "secondary"  # nothing left to do there

    other = next(c for c in ("pit", "crack") if c != first.class_name)
    at.selectbox(key=f"cls-{rid}-{first.index}").set_value(other)
    at.button(key=f"fix-{rid}-{first.index}").click().run()
    assert not at.exception
    assert "Different defect type: pit" in _badges(at) or f"Different defect type: {other}" in _badges(at)

    at.toggle(key=f"miss-open-{rid}").set_value(True).run()
    at.selectbox(key=f"miss-cls-{rid}").set_value("pit")
    at.session_state[f"draw-{rid}-0"] = _drawing([[40, 50, 52, 62]], natural=512, canvas=336)
    at.run()
    assert not at.exception
    assert any("1 box drawn" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Report missed defect").click()
    at.run()
    assert not at.exception

    rows = _feedback(settings)
    assert [r["kind"] for r in rows] == ["confirm", "correction", "missed"]
    assert rows[0]["index"] == first.index and rows[1]["corrected_class"] == other
    assert rows[2]["class"] == "pit" and rows[2]["box"] == pytest.approx([40, 50, 52, 62], abs=0.2)
    assert "Added by staff" in _badges(at)

    reloaded = app_page("pages/inspect.py")  # a new browser session on the same address
    reloaded.query_params["checked"] = rid
    reloaded.run()
    assert not reloaded.exception
    shown = _badges(reloaded)
    assert "test_014.jpg" in shown and f"Different defect type: {other}" in shown and "Added by staff" in shown


def test_boxes_drawn_past_the_edge_are_clipped_and_stray_clicks_dropped():
    objects = [
        {"left": 300, "top": -10, "width": 100, "height": 60},  # runs off the right and the top
        {"left": 10, "top": 10, "width": 1, "height": 1},  # a click, not a box
        {"left": 40, "top": 40, "width": -20, "height": -20},  # dragged up and to the left
    ]
    assert drawn_boxes(objects, scale=2.0, width=256, height=256) == [
        [150.0, 0.0, 200.0, 25.0],
        [10.0, 10.0, 20.0, 20.0],
    ]
    assert drawn_boxes(None, scale=2.0, width=256, height=256) == []


def test_a_label_at_the_right_edge_stays_inside_the_picture(tmp_path):
    """A box in the top-right corner: its label moves below/left instead of being cut off at the edge."""
    path = tmp_path / "plate.png"
    Image.new("RGB", (256, 256), (255, 255, 255)).save(path)
    corner = Defect(0, "scratch", 0.91, [236.0, 0.0, 256.0, 20.0], FAIL)
    inspection = Inspection("r1", "q1", "plate.png", str(path), 256, 256, FAIL, [corner], "m", "v", "cpu")
    reviews = Reviews(
        boxes={0: BoxReview(CONFIRMED, "scratch", corner.box, 0)},
        added=[BoxReview(ADDED, "pit", [0.0, 230.0, 30.0, 256.0])],
    )
    picture = report.draw_boxes(inspection, reviews=reviews, label=lambda n, c, p, s: f"{n} {c} long label text")
    assert picture.size == (512, 512)  # small photos are shown larger
    pixels = picture.load()
    chip = [
        (x, y) for x in range(picture.width) for y in range(picture.height) if pixels[x, y] == report.COLOURS["scratch"]
    ]
    assert chip, "the confirmed box and its label are drawn in the class colour"
    xs = [x for x, _ in chip]
    assert min(xs) < 512 - 150, "the label was moved left to fit, not cut off at the right edge"
    assert any(pixels[x, y] == report.ADDED_COLOUR for x in range(0, 60) for y in range(455, 512))
    not_defect = Reviews(boxes={0: BoxReview(NOT_DEFECT, "scratch", corner.box, 0)})
    grey = report.draw_boxes(inspection, reviews=not_defect).load()
    assert any(grey[x, y] == report.NOT_DEFECT_COLOUR for x in range(470, 512) for y in range(0, 60))


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium is not installed (make test installs it)")
def test_a_missed_defect_is_drawn_with_the_mouse_in_a_real_browser(tmp_path):
    """The drawing component renders in Chromium on the page (AppTest cannot run its JavaScript): a box dragged
    on the photo is saved as the missed defect's area, and the drawing area fits a 390 px phone screen."""
    from suite.auth import sign_in
    from suite.settings import Settings
    from tests.auth.helpers import PASSWORD, browser_cookie, make_user
    from tests.serving_kit import chromium, running_dashboard

    home = tmp_path / "home"
    store = Store(Settings.from_env(environ={}, home=home, device="cpu"))
    make_user(store, "ines", "staff")
    signed = sign_in(store, "ines", PASSWORD)
    store.close()
    with running_dashboard(home, warm_up=False) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.add_cookies([browser_cookie(url, signed)])
        page = context.new_page()
        page.goto(f"{url}/inspect", wait_until="domcontentloaded")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(SAMPLE / "test_005.jpg"))
        page.get_by_text("test_005.jpg").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Check images").click()
        page.get_by_text("The model missed a defect").wait_for(timeout=180_000)
        page.get_by_text("The model missed a defect").click()
        canvas = page.locator("canvas.upper-canvas").first
        canvas.wait_for(state="visible", timeout=60_000)
        canvas.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        area = canvas.bounding_box()
        assert area is not None and area["width"] == pytest.approx(336, abs=2)
        page.mouse.move(area["x"] + 50, area["y"] + 60)
        page.mouse.down()
        page.mouse.move(area["x"] + 120, area["y"] + 130, steps=8)
        page.mouse.up()
        page.get_by_text("1 box drawn.").wait_for(timeout=60_000)
        page.get_by_role("button", name="Report missed defect").click()
        page.get_by_text("Added by staff").first.wait_for(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0

        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(1500)
        canvas.wait_for(state="visible", timeout=60_000)  # a fresh drawing for the next missed defect
        canvas.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        widest = page.evaluate("() => document.documentElement.scrollWidth")
        right = canvas.bounding_box()
        context.close()
    assert widest <= 390, f"the page is {widest} px wide on a 390 px screen"
    assert right is not None and right["x"] + right["width"] <= 390
    (row,) = [r for r in _feedback(Settings.from_env(environ={}, home=home, device="cpu")) if r["kind"] == "missed"]
    x1, y1, x2, y2 = row["box"]
    # dragged 70 x 70 px of a 336 px drawing area showing the 256 px photo: about 53 x 53 image pixels
    assert 40 <= x2 - x1 <= 66 and 40 <= y2 - y1 <= 66 and 0 <= x1 < x2 <= 256 and 0 <= y1 < y2 <= 256


@pytest.mark.slow  # the real detector
def test_the_box_review_reads_in_chinese(app_page):
    at = app_page("pages/inspect.py")
    at.session_state["suite_language"] = "zh_CN"
    at.run()
    at.file_uploader[0].set_value(("test_014.jpg", (SAMPLE / "test_014.jpg").read_bytes(), "image/jpeg"))
    at.run()
    next(b for b in at.button if b.label == "检查图片").click()
    at.run()
    assert not at.exception
    shown = _badges(at)
    assert "不合格" in shown and "尚未复核" in shown and "框 1" in shown
    labels = {b.label for b in at.button}
    assert {"确认", "不是缺陷", "报告漏检缺陷"} - labels == {"报告漏检缺陷"}  # reporting opens with the toggle
    assert not {"Confirm", "Not a defect", "Wrong type"} & labels
    assert [m.label for m in at.metric][:3] == ["合格", "需人工复核", "不合格"]
