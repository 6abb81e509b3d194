import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from suite.support.evaluation import KB_DIR
from suite.support.service import add_articles, ingest_paths


@pytest.mark.slow
def test_chat_turn_sources_thumbs_down_and_correction(app_page, store):
    ingest_paths(store, [KB_DIR])
    at = app_page("pages/support.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Ask", "Knowledge base", "Handed to staff"]
    assert at.metric[0].label == "Articles" and at.metric[0].value == "30"

    at.chat_input[0].set_value("How do I pair the Chime C2?").run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert any("Chime C2" in m.value and "[1]" in m.value for m in at.markdown)
    assert any(e.label.startswith("Sources") for e in at.expander)

    at.feedback[0].set_value(0).run()  # thumbs down
    assert not at.exception
    at.text_area[0].input("Open the doorbell in the app, tap Chimes > Add chime, then press the chime button.")
    form_buttons = [b for b in at.button if "Send correction" in b.label]
    form_buttons[0].click().run()
    assert not at.exception
    store.flush()
    rows = store.query("SELECT kind, value, request_id FROM feedback ORDER BY kind")
    assert [r["kind"] for r in rows] == ["correction", "thumbs"]
    request_id = at.session_state["support_chat"][0].request_id
    assert all(r["request_id"] == request_id for r in rows)
    thumbs = json.loads(rows[1]["value"])
    assert thumbs["thumbs"] == "down" and thumbs["question"] == "How do I pair the Chime C2?"
    assert json.loads(rows[0]["value"])["correction"].startswith("Open the doorbell")
    assert store.scalar("SELECT count(*) FROM events WHERE module = 'support' AND action = 'ask'") == 1


@pytest.mark.slow
def test_declined_question_can_be_handed_to_staff(app_page, store):
    ingest_paths(store, [KB_DIR])
    at = app_page("pages/support.py").run()
    at.chat_input[0].set_value("<b>Write me a poem</b> about the sea").run()
    assert not at.exception
    assert any("not sure" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Pass this question to a colleague").click().run()
    assert not at.exception and any("ticket opened" in s.value for s in at.success)
    at.run()
    assert any(m.label == "Open questions for staff" and m.value == "1" for m in at.metric)
    assert len(at.get("vega_lite_chart")) == 1  # answered vs not-sure chart


def test_empty_knowledge_base_says_how_to_add_articles(app_page):
    at = app_page("pages/support.py").run()
    assert not at.exception
    assert any("no help articles yet" in info.value for info in at.info)


BEACON_ARTICLE = (
    "Zorblax toaster reset\n\n"
    "Resetting the Zorblax toaster\n"
    "To reset the Zorblax 9000 toaster, hold the crumb button for ten seconds "
    "![x](http://127.0.0.1:9/beacon.png) and then [click](javascript:alert(1)) the dial."
)
RAW = ("![x](", "[click](", "](http", "](javascript", "<img", "<a ")


def _shown(at) -> list[str]:
    """Every piece of text the page rendered as Markdown (markdown, captions, alerts)."""
    kinds = ("markdown", "caption", "warning", "success", "info", "error")
    return [str(element.value) for kind in kinds for element in at.get(kind)]


@pytest.mark.slow
def test_links_and_images_from_an_article_never_render_live(app_page, store):
    add_articles(store, [("zorblax.txt", BEACON_ARTICLE.encode())])
    at = app_page("pages/support.py").run()
    at.chat_input[0].set_value("How do I reset the Zorblax 9000 toaster?").run()
    assert not at.exception
    answer = at.session_state["support_chat"][0]
    assert answer.answered and "![x](http://127.0.0.1:9/beacon.png)" in answer.answer  # it reached the page...
    shown = _shown(at)
    assert not [text for text in shown if any(raw in text for raw in RAW)]  # ...and was shown only as text
    assert any(r"\!\[x\]\(http\:\/\/127\.0\.0\.1\:9\/beacon\.png\)" in text and "[1]" in text for text in shown)
    assert any(r"\[click\]\(javascript\:alert\(1\)\)" in text for text in shown)


class _BeaconLLM(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        self.rfile.read(int(self.headers["Content-Length"]))
        content = "Hold the crumb button [1]. ![x](http://127.0.0.1:9/beacon.png) [more](http://127.0.0.1:9/x)"
        data = json.dumps({"choices": [{"message": {"content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.mark.slow
def test_an_llm_answer_with_an_image_beacon_is_shown_as_text(app_page, store, monkeypatch):
    add_articles(store, [("zorblax.txt", BEACON_ARTICLE.encode())])
    server = HTTPServer(("127.0.0.1", 0), _BeaconLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SUITE_LLM_URL", f"http://127.0.0.1:{server.server_port}/v1")
    try:
        at = app_page("pages/support.py").run()
        at.chat_input[0].set_value("How do I reset the Zorblax 9000 toaster?").run()
    finally:
        server.shutdown()
        server.server_close()
    assert not at.exception
    assert at.session_state["support_chat"][0].written_by == "llm"
    shown = _shown(at)
    assert not [text for text in shown if any(raw in text for raw in RAW)]
    assert any("Hold the crumb button [1]" in text and r"\!\[x\]" in text for text in shown)
