"""Every endpoint on real models and the demo data: the CLI's fields, feedback and events land in the store,
mutations are audited, and the CLI's bad inputs come back as problems (4xx), never a 500."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import assert_problem, open_api
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from suite import clikit
from suite.api.tokens import forget_cached

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "sample_data" / "inspect" / "defects" / "images" / "test"
AUDIO = ROOT / "sample_data" / "transcribe" / "account_fast.ogg"


def cli_json(*args: str) -> list[dict]:
    clikit.reset()
    from suite.cli import app

    result = CliRunner().invoke(app, list(args))
    clikit.reset()
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_ready_turns_green_after_every_model_is_warm(loaded_store):
    app, _ = open_api(loaded_store, warm=True)
    with TestClient(app) as client:
        deadline = time.monotonic() + 600
        while client.get("/v1/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/v1/ready").json()
            time.sleep(0.5)
        body = client.get("/v1/ready").json()
    assert body["ready"] and body["modules"] == dict.fromkeys(
        ("support", "recommend", "inspect", "transcribe", "risk"), "warm"
    )
    forget_cached()


def test_support_answer_feedback_and_documents(loaded_api):
    api = loaded_api
    response = api.client.post(
        "/v1/support/answers", json={"question": "How do I fix error E-4012?"}, headers=api.as_("staff")
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    [cli] = cli_json("support", "ask", "How do I fix error E-4012?", "--json")
    assert set(answer) == set(cli) and answer["answer"] == cli["answer"] and answer["answered"]
    before = api.count("SELECT count(*) FROM feedback WHERE module = 'support'")
    given = api.client.post(
        "/v1/support/feedback",
        json={"request_id": answer["request_id"], "thumbs_up": False, "correction": "Reset the hub first."},
        headers=api.as_("staff"),
    )
    assert given.status_code == 200 and len(given.json()["feedback_ids"]) == 2
    assert api.count("SELECT count(*) FROM feedback WHERE module = 'support'") == before + 2
    assert [r["outcome"] for r in api.audit("support.feedback")] == ["ok"]
    unknown = api.client.post(
        "/v1/support/feedback", json={"request_id": "nope", "thumbs_up": True}, headers=api.as_("staff")
    )
    assert_problem(unknown, 404, "not-found")

    listed = api.client.get("/v1/support/documents", headers=api.as_("viewer")).json()
    assert len(listed) == 30
    article = ("api-note.md", b"# API note\n\nThe API answers on port 8000 for every module.\n", "text/markdown")
    added = api.client.post("/v1/support/documents", files=[("files", article)], headers=api.as_("admin"))
    assert added.status_code == 200 and added.json()["added"] == ["api-note.md"]
    removed = api.client.delete("/v1/support/documents/api-note.md", headers=api.as_("admin"))
    assert removed.status_code == 200 and removed.json()["removed"] == "api-note.md"
    assert [r["outcome"] for r in api.audit("kb.add")] == ["ok"] and [r["outcome"] for r in api.audit("kb.remove")] == [
        "ok"
    ]


def test_recommendations_and_shop_events(loaded_api):
    api = loaded_api
    shown = api.client.get("/v1/recommend/users/U2309?k=5", headers=api.as_("staff")).json()
    [cli] = cli_json("recommend", "for-user", "U2309", "--k", "5", "--json")
    assert set(shown) == set(cli) and [i["item_id"] for i in shown["items"]] == [i["item_id"] for i in cli["items"]]
    item = shown["items"][0]["item_id"]
    similar = api.client.get(f"/v1/recommend/items/{item}/similar?k=3", headers=api.as_("staff"))
    assert similar.status_code == 200 and len(similar.json()["items"]) == 3

    interactions = api.count("SELECT count(*) FROM rec_interactions")
    dismissals = api.count("SELECT count(*) FROM feedback WHERE module = 'recommend' AND kind = 'dismiss'")
    events = [
        {"user_id": "U2309", "item_id": item, "event": "view"},
        {"user_id": "U2309", "item_id": item, "event": "cart"},
        {"user_id": "U2309", "item_id": item, "event": "buy"},
        {
            "user_id": "U2309",
            "item_id": shown["items"][1]["item_id"],
            "event": "dismiss",
            "request_id": shown["request_id"],
        },
    ]
    acked = api.client.post("/v1/recommend/events", json={"events": events}, headers=api.as_("staff"))
    assert acked.status_code == 200, acked.text
    assert acked.json()["interactions"]["rows_added"] == 3 and len(acked.json()["feedback_ids"]) == 1
    assert api.count("SELECT count(*) FROM rec_interactions") == interactions + 3
    assert api.count("SELECT count(*) FROM rec_interactions WHERE source = 'api'") == 3
    assert api.count("SELECT count(*) FROM feedback WHERE module = 'recommend' AND kind = 'dismiss'") == dismissals + 1
    again = api.client.get("/v1/recommend/users/U2309?k=5", headers=api.as_("staff")).json()
    assert shown["items"][1]["item_id"] not in [i["item_id"] for i in again["items"]]  # a dismissal applies at once
    [row] = api.audit("recommend.feedback")
    assert row["outcome"] == "ok" and row["actor"] == "sam"


def test_inspection_and_box_review(loaded_api):
    api = loaded_api
    files = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in sorted(IMAGES.glob("*.jpg"))[:2]]
    files.append(("files", ("notes.txt", b"not an image", "text/plain")))
    response = api.client.post("/v1/inspect/images", files=files, headers=api.as_("staff"))
    assert response.status_code == 200, response.text
    batch = response.json()
    assert len(batch["results"]) == 2 and batch["problems"][0]["name"] == "notes.txt"
    [cli] = cli_json("inspect", "predict", str(IMAGES / files[0][1][0]), "--json")
    assert set(batch["results"][0]) == set(cli) and batch["results"][0]["verdict"] == cli["verdict"]
    result = next(r for r in batch["results"] if r["defects"])
    before = api.count("SELECT count(*) FROM feedback WHERE module = 'inspect'")
    confirm = {"result_id": result["result_id"], "action": "confirm", "box": 0}
    assert api.client.post("/v1/inspect/feedback", json=confirm, headers=api.as_("staff")).status_code == 200
    missed = {"result_id": result["result_id"], "action": "missed", "class_name": "scratch", "area": [1, 1, 20, 20]}
    assert api.client.post("/v1/inspect/feedback", json=missed, headers=api.as_("staff")).status_code == 200
    assert api.count("SELECT count(*) FROM feedback WHERE module = 'inspect'") == before + 2
    assert [r["outcome"] for r in api.audit("inspect.feedback")] == ["ok", "ok"]


def test_transcription_at_once_and_as_a_job(loaded_api):
    api = loaded_api
    audio = {"file": (AUDIO.name, AUDIO.read_bytes(), "audio/ogg")}
    # a call recorder that declares English gets the fast English model (undeclared: the multilingual one detects it)
    at_once = api.client.post("/v1/transcribe", files=audio, data={"language": "en"}, headers=api.as_("staff"))
    assert at_once.status_code == 200, at_once.text
    [transcript] = at_once.json()["transcripts"]
    assert "address" in transcript["text"].lower()
    srt = api.client.post("/v1/transcribe?format=srt", files=audio, headers=api.as_("staff"))
    assert srt.headers["content-type"].startswith("application/x-subrip") and "-->" in srt.text

    queued = api.client.post(
        "/v1/transcribe?mode=async", files=audio, data={"redact": "true"}, headers=api.as_("staff")
    )
    assert queued.status_code == 202 and queued.headers["location"] == f"/v1/transcribe/{queued.json()['job_id']}"
    deadline = time.monotonic() + 300
    while (job := api.client.get(queued.headers["location"], headers=api.as_("viewer")).json())["state"] not in (
        "succeeded",
        "failed",
    ):
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert job["state"] == "succeeded" and job["progress"] == 1.0 and job["owner"] == "sam", job
    assert job["result"]["transcripts"][0]["redacted"] is True
    vtt = api.client.get(queued.headers["location"] + "?format=vtt", headers=api.as_("viewer"))
    assert vtt.text.startswith("WEBVTT")
    assert api.count("SELECT count(*) FROM transcripts WHERE \"user\" = 'sam'") == 3


def test_risk_headlines_alerts_and_acknowledgement(loaded_api):
    api = loaded_api
    text = "Regulators open fraud probe into Acmera"
    tones = api.client.post("/v1/risk/headlines", json={"headlines": [{"headline": text}]}, headers=api.as_("staff"))
    [cli] = cli_json("risk", "classify", text, "--json")
    assert tones.json()["results"] == [cli] and tones.json()["stored"] is None
    stored_before = api.count("SELECT count(*) FROM risk_headlines")
    body = {"headlines": [{"headline": text, "ticker": "ACMR", "source": "Wire"}], "store": True}
    stored = api.client.post("/v1/risk/headlines", json=body, headers=api.as_("staff"))
    assert stored.status_code == 200 and stored.json()["stored"]["added"] == 1
    assert api.count("SELECT count(*) FROM risk_headlines") == stored_before + 1
    assert [r["outcome"] for r in api.audit("risk.ingest")] == ["ok"]

    alerts = api.client.get("/v1/risk/alerts", headers=api.as_("viewer")).json()
    assert alerts and set(alerts[0]) == set(cli_json("risk", "alerts", "--json")[0])
    confirms = api.count("SELECT count(*) FROM feedback WHERE module = 'risk' AND kind = 'confirm'")
    acked = api.client.post(
        f"/v1/risk/alerts/{alerts[0]['alert_id']}/ack", json={"note": "seen"}, headers=api.as_("reviewer")
    )
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert api.count("SELECT count(*) FROM feedback WHERE module = 'risk' AND kind = 'confirm'") == confirms + 1
    assert [r["outcome"] for r in api.audit("alerts.acknowledge")] == ["ok"]


def test_models_list_promote_and_rollback(loaded_api):
    api = loaded_api
    listed = api.client.get("/v1/models", headers=api.as_("viewer")).json()
    assert {m["module"] for m in listed["serving"]} >= {"support", "recommend", "inspect", "transcribe", "risk"}
    assert_problem(
        api.client.post("/v1/models/risk/promote", json={"version": "v-none"}, headers=api.as_("admin")),
        404,
        "not-found",
    )
    assert_problem(api.client.post("/v1/models/nope/rollback", headers=api.as_("admin")), 404, "not-found")
    assert_problem(api.client.post("/v1/models/risk/rollback", headers=api.as_("admin")), 422, "invalid-input")
    assert [r["outcome"] for r in api.audit("models.promote")] == ["failed"]
    assert [r["outcome"] for r in api.audit("models.rollback")] == ["failed", "failed"]


# -- the CLI's bad inputs, through the API: a problem (4xx) every time, never a 500 ------------------------------
BAD = [
    (
        "empty-question",
        "post",
        "/v1/support/answers",
        "staff",
        {"json": {"question": ""}},
        422,
        "Please type a question",
    ),
    ("100k-question", "post", "/v1/support/answers", "staff", {"json": {"question": "why " * 25_000}}, 422, "2,000"),
    ("emoji-question", "post", "/v1/support/answers", "staff", {"json": {"question": "😀🎉🔥"}}, 422, "no letters"),
    ("nul-question", "post", "/v1/support/answers", "staff", {"json": {"question": "\x00\x00"}}, 422, ""),
    ("bad-mode", "post", "/v1/support/answers", "staff", {"json": {"question": "hi", "mode": "xx"}}, 422, "mode"),
    ("no-feedback", "post", "/v1/support/feedback", "staff", {"json": {"request_id": "x"}}, 404, ""),
    ("traversal-doc", "delete", "/v1/support/documents/../../etc/passwd", "admin", {}, 404, ""),
    (
        "exe-article",
        "post",
        "/v1/support/documents",
        "admin",
        {"files": [("files", ("run.exe", b"MZ", "x/y"))]},
        422,
        "not supported",
    ),
    ("k-zero", "get", "/v1/recommend/users/U2309?k=0", "staff", {}, 422, "between 1 and"),
    ("k-huge", "get", "/v1/recommend/users/U2309?k=100000", "staff", {}, 422, "between 1 and"),
    ("k-text", "get", "/v1/recommend/users/U2309?k=ten", "staff", {}, 422, "k"),
    ("long-shopper", "get", "/v1/recommend/users/" + "U" * 5000, "staff", {}, 422, "characters"),
    ("control-shopper", "get", "/v1/recommend/users/U%07%08", "staff", {}, 422, "control"),
    ("unknown-product", "get", "/v1/recommend/items/NOPE-1/similar", "staff", {}, 404, ""),
    ("no-events", "post", "/v1/recommend/events", "staff", {"json": {"events": []}}, 422, "1 to"),
    (
        "bad-event",
        "post",
        "/v1/recommend/events",
        "staff",
        {"json": {"events": [{"user_id": "U", "item_id": "P", "event": "steal"}]}},
        422,
        "",
    ),
    (
        "dismiss-no-list",
        "post",
        "/v1/recommend/events",
        "staff",
        {"json": {"events": [{"user_id": "U", "item_id": "P", "event": "dismiss"}]}},
        422,
        "request_id",
    ),
    (
        "broken-image",
        "post",
        "/v1/inspect/images",
        "staff",
        {"files": [("files", ("a.jpg", b"\xff\xd8garbage", "image/jpeg"))]},
        200,
        "",
    ),
    ("no-images", "post", "/v1/inspect/images", "staff", {}, 422, "files"),
    (
        "unknown-result",
        "post",
        "/v1/inspect/feedback",
        "staff",
        {"json": {"result_id": "nope", "action": "confirm", "box": 0}},
        404,
        "",
    ),
    (
        "bad-box",
        "post",
        "/v1/inspect/feedback",
        "staff",
        {"json": {"result_id": "x", "action": "confirm", "box": "first"}},
        422,
        "box",
    ),
    (
        "missed-no-class",
        "post",
        "/v1/inspect/feedback",
        "staff",
        {"json": {"result_id": "x", "action": "missed"}},
        422,
        "class_name",
    ),
    (
        "text-as-audio",
        "post",
        "/v1/transcribe",
        "staff",
        {"files": {"file": ("a.wav", b"not audio at all", "audio/wav")}},
        422,
        "a.wav",
    ),
    (
        "pdf-as-audio",
        "post",
        "/v1/transcribe",
        "staff",
        {"files": {"file": ("a.pdf", b"%PDF-1.4", "application/pdf")}},
        422,
        "not supported",
    ),
    ("empty-audio", "post", "/v1/transcribe", "staff", {"files": {"file": ("a.wav", b"", "audio/wav")}}, 422, "empty"),
    (
        "bad-language",
        "post",
        "/v1/transcribe",
        "staff",
        {"files": {"file": ("a.wav", b"RIFF", "audio/wav")}, "data": {"language": "klingon"}},
        422,
        "",
    ),
    (
        "bad-format",
        "post",
        "/v1/transcribe?format=docx",
        "staff",
        {"files": {"file": ("a.wav", b"RIFF", "audio/wav")}},
        422,
        "format",
    ),
    ("unknown-job", "get", "/v1/transcribe/nope", "viewer", {}, 404, ""),
    ("no-headlines", "post", "/v1/risk/headlines", "staff", {"json": {"headlines": []}}, 422, "one or more"),
    (
        "empty-headline",
        "post",
        "/v1/risk/headlines",
        "staff",
        {"json": {"headlines": [{"headline": "  "}]}},
        422,
        "empty",
    ),
    (
        "headline-not-text",
        "post",
        "/v1/risk/headlines",
        "staff",
        {"json": {"headlines": [{"headline": {"a": 1}}]}},
        422,
        "",
    ),
    ("since-not-a-date", "get", "/v1/risk/alerts?since=last%20tuesday", "viewer", {}, 422, "must be a date"),
    ("since-future", "get", "/v1/risk/alerts?since=2999-01-01", "viewer", {}, 422, "in the future"),
    ("unknown-ticker", "get", "/v1/risk/alerts?ticker=ZZZZ", "viewer", {}, 404, "not on the watchlist"),
    ("limit-zero", "get", "/v1/risk/alerts?limit=0", "viewer", {}, 422, "limit"),
    ("unknown-alert", "post", "/v1/risk/alerts/NOPE-2025-01-01/ack", "reviewer", {}, 404, "no alert"),
    ("promote-no-version", "post", "/v1/models/risk/promote", "admin", {"json": {}}, 422, "version"),
]


@pytest.mark.parametrize(("case", "method", "path", "role", "kwargs", "status", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_problem_never_a_500(loaded_api, case, method, path, role, kwargs, status, words):
    response = getattr(loaded_api.client, method)(path, headers=loaded_api.as_(role), **kwargs)
    if status == 200:  # a batch reports the bad file and goes on
        assert response.status_code == 200 and response.json()["problems"], response.text
        return
    body = assert_problem(response, status, {404: "not-found", 422: "invalid-input"}[status])
    assert words.lower() in body["detail"].lower(), body
    assert "Traceback" not in body["detail"] and len(body["detail"]) < 2100
