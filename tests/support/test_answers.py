import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from suite.errors import InvalidInput
from suite.support.retrieval import get_index
from suite.support.service import ask, create_ticket, list_tickets, record_feedback, set_ticket_status
from tests.support.llm_servers import Endless, Good, Redirect, Trickle, serving

pytestmark = pytest.mark.slow  # every test here answers with the real text models


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("I forgot my password, how do I reset it?", "reset-password.md"),
        ("Does the Thermo T5 work without a C-wire?", "thermo-t5-wiring.html"),
        ("How loud is the water leak alarm?", "leak-sensor-l2-quick-start.pdf"),
        ("Can I put the Cam 360 outside?", "faq.csv"),
        ("我忘记密码了，怎么重置？", "reset-password.md"),
    ],
)
def test_question_retrieves_its_article_with_a_grounded_answer(kb_store, question, source):
    answer = ask(kb_store, question)
    assert answer.answered and answer.confidence >= 0.5
    assert answer.citations[0].source == source
    assert "[1]" in answer.answer
    first_sentence = answer.answer.split(" [")[0]
    assert first_sentence in " ".join(c.passage for c in answer.citations)  # quoted, not invented


def test_exact_error_code_is_found_by_keywords_and_hybrid(kb_store):
    index = get_index(kb_store)
    keyword = index.search("E-7429", k=3, mode="keyword")
    assert keyword[0].chunk.source == "developer-api.txt" and "E-7429" in keyword[0].chunk.text
    hybrid = ask(kb_store, "E-7429")
    assert hybrid.citations[0].source == "developer-api.txt"
    assert "120 API requests" in hybrid.answer


@pytest.mark.parametrize(
    "question", ["Write me a poem about the sea", "What is the capital of Australia?", "给我写一首关于月亮的诗"]
)
def test_out_of_scope_questions_are_refused(kb_store, question):
    answer = ask(kb_store, question)
    assert not answer.answered and answer.confidence < 0.5 and answer.citations == []
    assert answer.candidates  # kept for the handoff ticket


@pytest.mark.parametrize(("question", "message"), [("   ", "type a question"), ("x" * 20_000, "under 2,000")])
def test_bad_questions_get_a_clear_message(kb_store, question, message):
    with pytest.raises(InvalidInput, match=message):
        ask(kb_store, question)


def test_html_in_a_question_is_treated_as_text(kb_store):
    answer = ask(kb_store, "<script>alert(1)</script> How do I cancel my subscription?")
    assert answer.answered and answer.citations[0].source == "brightwave-plus-plans.md"
    assert "<script>" not in answer.answer


def test_handoff_ticket_and_feedback_are_logged_and_linked(kb_store):
    answer = ask(kb_store, "Recommend a good science fiction novel", user="ana")
    ticket = create_ticket(kb_store, answer, user="ana")
    rows = list_tickets(kb_store, "open")
    assert rows[0].ticket_id == ticket and rows[0].question == answer.question
    assert rows[0].candidates and rows[0].request_id == answer.request_id
    set_ticket_status(kb_store, ticket, "answered")
    assert list_tickets(kb_store, "open") == []

    good = ask(kb_store, "How long is the warranty?")
    ids = record_feedback(kb_store, good, thumbs_up=False, correction="Two years, four with Care+.")
    assert len(ids) == 2
    feedback = kb_store.query("SELECT kind, value, request_id FROM feedback ORDER BY kind")
    assert {f["kind"] for f in feedback} == {"thumbs", "correction"}
    assert all(f["request_id"] == good.request_id for f in feedback)
    value = json.loads(feedback[0]["value"])
    assert value["question"] == "How long is the warranty?" and value["correction"].startswith("Two years")
    assert value["citations"][0]["passage"]
    event = kb_store.query(
        "SELECT action, status, model_name, output_summary FROM events WHERE request_id = ?", [good.request_id]
    )
    assert event[0]["action"] == "ask" and event[0]["status"] == "ok" and event[0]["model_name"] == "all-MiniLM-L6-v2"


class _FakeLLM(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert "[1]" in body["messages"][-1]["content"]  # the question with its numbered passages
        reply = {"choices": [{"message": {"content": "Written from the passages [1]."}}]}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(reply).encode())

    def log_message(self, *args):
        pass


def test_llm_endpoint_writes_the_answer_and_falls_back_when_down(kb_store):
    server = HTTPServer(("127.0.0.1", 0), _FakeLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        kb_store.settings = kb_store.settings.with_(llm_url=f"http://127.0.0.1:{server.server_port}/v1")
        written = ask(kb_store, "How do I pair the Chime C2?")
        assert written.written_by == "llm" and written.answer == "Written from the passages [1]."
        assert written.citations[0].source == "doorbell-chime.md"
    finally:
        server.shutdown()
        server.server_close()
    kb_store.settings = kb_store.settings.with_(llm_url=f"http://127.0.0.1:{server.server_port}/v1")
    fallback = ask(kb_store, "How do I pair the Chime C2?")
    assert fallback.written_by == "extractive" and "could not be reached" in fallback.note and "[1]" in fallback.answer


def test_index_is_persisted_and_reloaded(kb_store):
    from pipelines.loading import forget

    get_index(kb_store)
    folders = sorted((kb_store.settings.home / "support" / "index").iterdir())
    assert [f.name.split("-")[0] for f in folders] == ["en", "multi"]
    assert all((f / "vectors.npy").exists() and (f / "texts.json").exists() for f in folders)
    forget(("support-index",))
    reloaded = get_index(kb_store)
    assert reloaded.search("E-4012", k=1)[0].chunk.source == "wifi-requirements.md"


@pytest.mark.parametrize("handler", [Redirect, Endless, Trickle], ids=["redirect", "endless", "trickle"])
def test_a_misbehaving_llm_endpoint_falls_back_to_quoting_with_a_logged_reason(kb_store, caplog, handler, monkeypatch):
    monkeypatch.setattr("suite.support.llm.TIMEOUT_S", 2)
    with serving(Good) as target, serving(handler) as url:
        Redirect.target = target + "/chat/completions"
        kb_store.settings = kb_store.settings.with_(llm_url=url)
        started = time.perf_counter()
        with caplog.at_level(logging.WARNING, logger="suite.support.answers"):
            answer = ask(kb_store, "How do I pair the Chime C2?")
    assert time.perf_counter() - started < 30
    assert answer.written_by == "extractive" and "could not be reached" in answer.note and "[1]" in answer.answer
    assert Good.hits == []
    reasons = [r.getMessage() for r in caplog.records if "LLM endpoint failed" in r.getMessage()]
    expected = {"redirect": "redirected", "endless": "over the limit", "trickle": "within 2 s"}
    assert len(reasons) == 1 and expected[handler.__name__.lower()] in reasons[0]
