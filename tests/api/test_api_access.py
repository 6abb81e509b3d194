"""Tokens and roles through the API: missing, unknown, revoked, wrong role, rate-limited — status and audit row."""

from __future__ import annotations

import pytest
from conftest import ACCOUNTS, assert_problem, open_api
from fastapi.testclient import TestClient

from suite.api.models import RateLimited, Unauthorized
from suite.api.ratelimit import RateLimiter
from suite.api.tokens import authenticate, create_token, forget_cached, list_tokens, revoke_token, token_hash
from suite.auth import Identity, PermissionDenied, cli_identity, disable_user, set_role

ALERTS = "/v1/risk/alerts"


def test_health_needs_no_token_and_ready_waits_for_the_warm_up(api):
    health = api.client.get("/v1/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = api.client.get("/v1/ready")  # this app was made without a warm-up: never ready
    assert ready.status_code == 503 and ready.json()["ready"] is False


def test_missing_token_is_401_with_an_audit_row(api):
    response = api.client.get(ALERTS)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    [row] = api.audit("api.authenticate")
    assert row["actor"] == "anonymous" and row["outcome"] == "denied" and row["target"] == f"GET {ALERTS}"


def test_unknown_and_malformed_tokens_are_401(api):
    for header in ("Bearer nst_not-a-token", "Basic dXNlcjpwYXNz", "Bearer", "nst_no-scheme"):
        assert_problem(api.client.get(ALERTS, headers={"Authorization": header}), 401, "unauthorized")
    assert len(api.audit("api.authenticate")) == 4


def test_revoked_token_is_401_and_the_revocation_is_audited(api):
    assert api.client.get(ALERTS, headers=api.as_("viewer")).status_code == 200
    [token] = [t for t in list_tokens(api.store, cli_identity()) if t.user_name == ACCOUNTS["viewer"]]
    revoked = revoke_token(api.store, cli_identity(), token.token_id)
    assert revoked.revoked_at is not None and not revoked.active
    assert_problem(api.client.get(ALERTS, headers=api.as_("viewer")), 401, "unauthorized")
    assert [r["outcome"] for r in api.audit("api.tokens.revoke")] == ["ok"]
    denied = api.audit("api.authenticate")
    assert len(denied) == 1 and "revoked" in denied[0]["detail"]


def test_wrong_role_is_403_with_a_denied_audit_row(api):
    response = api.client.post("/v1/risk/alerts/ACME-2025-01-01/ack", json={}, headers=api.as_("staff"))
    body = assert_problem(response, 403, "forbidden")
    assert "reviewer" in body["detail"]
    [row] = api.audit("alerts.acknowledge")
    assert (row["actor"], row["role"], row["via"], row["outcome"]) == ("sam", "staff", "token", "denied")
    assert row["target"] == "ACME-2025-01-01" and row["session_id"].startswith("api-token:")


@pytest.mark.parametrize(
    ("method", "path", "minimum"),
    [
        ("post", "/v1/support/answers", "staff"),
        ("post", "/v1/support/feedback", "staff"),
        ("post", "/v1/support/documents", "admin"),
        ("delete", "/v1/support/documents/faq.md", "admin"),
        ("get", "/v1/recommend/users/U1", "staff"),
        ("get", "/v1/recommend/items/P1/similar", "staff"),
        ("post", "/v1/recommend/events", "staff"),
        ("post", "/v1/inspect/images", "staff"),
        ("post", "/v1/inspect/feedback", "staff"),
        ("post", "/v1/transcribe", "staff"),
        ("post", "/v1/risk/headlines", "staff"),
        ("post", "/v1/risk/alerts/A-1/ack", "reviewer"),
        ("post", "/v1/models/risk/promote", "admin"),
        ("post", "/v1/models/risk/rollback", "admin"),
    ],
)
def test_each_endpoint_refuses_the_role_below_its_minimum(api, method, path, minimum):
    from suite.auth import ROLES

    below = ROLES[ROLES.index(minimum) - 1]
    response = getattr(api.client, method)(path, headers=api.as_(below))
    assert_problem(response, 403, "forbidden")
    assert [r["outcome"] for r in api.audit() if r["actor"] == ACCOUNTS[below]] == ["denied"]


def test_rate_limit_is_429_with_retry_after_and_an_audit_row(store):
    app, tokens = open_api(store, store.settings.with_(api_rate_per_minute=3))
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    with TestClient(app) as client:
        assert [client.get(ALERTS, headers=headers).status_code for _ in range(3)] == [200, 200, 200]
        response = client.get(ALERTS, headers=headers)
        body = assert_problem(response, 429, "rate-limited")
        assert int(response.headers["retry-after"]) >= 1 and body["retry_after_s"] > 0
        other = {"Authorization": f"Bearer {tokens['staff']}"}  # buckets are per token
        assert client.get(ALERTS, headers=other).status_code == 200
    store.flush(wait_s=5.0)
    [row] = store.query("SELECT * FROM audit WHERE action = 'api.rate_limit'")
    assert row["actor"] == ACCOUNTS["viewer"] and row["outcome"] == "denied"
    forget_cached()


def test_token_bucket_refills_at_the_rate():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    for _ in range(60):
        limiter.check("t")
    with pytest.raises(RateLimited) as caught:
        limiter.check("t")
    assert caught.value.retry_after_s == pytest.approx(1.0)
    now[0] += 1.0
    limiter.check("t")  # one a second comes back
    with pytest.raises(RateLimited):
        limiter.check("t")


def test_the_token_carries_the_accounts_current_role(api):
    assert api.client.post("/v1/risk/alerts/A-1/ack", headers=api.as_("staff")).status_code == 403
    set_role(api.store, cli_identity(), ACCOUNTS["staff"], "reviewer")
    forget_cached()  # other processes see it within tokens.CACHE_S
    assert_problem(api.client.post("/v1/risk/alerts/A-1/ack", headers=api.as_("staff")), 404, "not-found")
    disable_user(api.store, cli_identity(), ACCOUNTS["staff"])
    forget_cached()
    assert_problem(api.client.get(ALERTS, headers=api.as_("staff")), 401, "unauthorized")


def test_tokens_are_stored_hashed_shown_once_and_admin_only(store):
    from suite.auth import add_user

    add_user(store, cli_identity(), "ana", "staff")
    new = create_token(store, cli_identity(), "ana", label="widget")
    assert new.token.startswith("nst_") and len(new.token) > 40
    stored = store.query("SELECT * FROM api_tokens")
    assert len(stored) == 1 and stored[0]["token_hash"] == token_hash(new.token)
    assert new.token not in repr(stored) and "token" not in new.info.as_dict()
    identity, token_id = authenticate(store, new.token)
    assert (identity.user, identity.role, identity.via, token_id) == ("ana", "staff", "token", new.info.token_id)
    staff = Identity("ana", "staff", "s1")
    with pytest.raises(PermissionDenied):
        create_token(store, staff, "ana")
    with pytest.raises(PermissionDenied):
        list_tokens(store, staff)
    store.flush(wait_s=5.0)
    outcomes = [(r["action"], r["outcome"]) for r in store.query("SELECT * FROM audit WHERE action LIKE 'api.%'")]
    assert ("api.tokens.create", "ok") in outcomes and ("api.tokens.create", "denied") in outcomes
    with pytest.raises(Unauthorized):
        authenticate(store, None)
    forget_cached()


def test_every_call_is_a_usage_event_with_the_owner_and_the_echoed_request_id(api):
    response = api.client.get(ALERTS, headers={**api.as_("viewer"), "X-Request-ID": "shop-42"})
    assert response.headers["x-request-id"] == "shop-42"
    generated = api.client.get(ALERTS, headers={**api.as_("viewer"), "X-Request-ID": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"
    api.client.get(ALERTS)  # no token: logged as anonymous
    api.store.flush(wait_s=5.0)
    rows = api.store.query("SELECT * FROM events WHERE module = 'api' ORDER BY ts")
    assert [(r["user"], r["action"], r["status"]) for r in rows] == [
        ("vera", f"GET {ALERTS}", "ok"),
        ("vera", f"GET {ALERTS}", "ok"),
        ("anonymous", f"GET {ALERTS}", "error"),
    ]
    from suite.store import from_json

    summaries = [from_json(r["output_summary"]) for r in rows]
    assert summaries[0]["request_id"] == "shop-42" and summaries[0]["status"] == 200
    assert summaries[1]["request_id"] == generated.headers["x-request-id"]


def test_unknown_paths_methods_and_bad_json_are_problems(api):
    assert_problem(api.client.get("/v1/nothing-here", headers=api.as_("viewer")), 404, "not-found")
    assert_problem(api.client.put(ALERTS, headers=api.as_("viewer")), 405, "method-not-allowed")
    bad = api.client.post(
        "/v1/support/answers", content=b"{not json", headers={**api.as_("staff"), "Content-Type": "application/json"}
    )
    assert_problem(bad, 422, "invalid-input")
    wrong = api.client.post("/v1/support/answers", json={"question": 5}, headers=api.as_("staff"))
    assert assert_problem(wrong, 422, "invalid-input")["errors"][0]["loc"] == ["body", "question"]


def test_an_oversized_body_is_413_before_it_is_read(api):
    from suite.api.app import MAX_BODY_BYTES, MAX_JSON_BYTES

    headers = {**api.as_("staff"), "Content-Type": "application/json", "Content-Length": str(MAX_JSON_BYTES + 1)}
    response = api.client.post("/v1/support/answers", content=b"{}", headers=headers)
    assert_problem(response, 413, "payload-too-large")
    upload = {**api.as_("staff"), "Content-Type": "multipart/form-data; boundary=x"}
    upload["Content-Length"] = str(MAX_BODY_BYTES + 1)
    assert_problem(api.client.post("/v1/inspect/images", content=b"--x--", headers=upload), 413, "payload-too-large")


def test_an_upload_over_the_limit_is_413(api, monkeypatch):
    from suite.api.routes import common

    monkeypatch.setattr(common, "MAX_UPLOAD_MB", 0.001)  # about 1 KB, so the test need not send 200 MB
    for path, field in (
        ("/v1/inspect/images", "files"),
        ("/v1/support/documents", "files"),
        ("/v1/transcribe", "file"),
    ):
        role = "admin" if "documents" in path else "staff"
        files = [(field, ("big.png", b"\0" * 4096, "application/octet-stream"))]
        body = assert_problem(api.client.post(path, files=files, headers=api.as_(role)), 413, "payload-too-large")
        assert "big.png" in body["detail"] and "limit" in body["detail"]


def test_metrics_need_a_token_and_speak_prometheus(api):
    assert_problem(api.client.get("/metrics"), 401, "unauthorized")
    api.client.get(ALERTS, headers=api.as_("viewer"))
    response = api.client.get("/metrics", headers=api.as_("viewer"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert f'suite_api_requests_total{{endpoint="{ALERTS}",method="GET",status="200"}}' in text
    assert "suite_api_request_duration_seconds_bucket" in text and "suite_model_info" in text


def test_cors_is_off_by_default_and_follows_the_setting(store):
    origin = {"Origin": "https://shop.example.com", "Access-Control-Request-Method": "GET"}
    app, _ = open_api(store)
    with TestClient(app) as client:
        assert "access-control-allow-origin" not in client.options(ALERTS, headers=origin).headers
    forget_cached()
    from suite.api.app import create_app

    allowed = create_app(store.settings.with_(api_cors_origins=("https://shop.example.com",)), store=store, warm=False)
    with TestClient(allowed) as client:
        preflight = client.options(ALERTS, headers=origin)
        assert preflight.headers["access-control-allow-origin"] == "https://shop.example.com"


def test_cors_origins_setting_is_validated():
    from suite.errors import InvalidInput
    from suite.settings import Settings

    assert Settings.from_env(
        {"SUITE_API_CORS_ORIGINS": "https://a.example, http://localhost:3000"}
    ).api_cors_origins == (
        "https://a.example",
        "http://localhost:3000",
    )
    with pytest.raises(InvalidInput, match="SUITE_API_CORS_ORIGINS"):
        Settings.from_env({"SUITE_API_CORS_ORIGINS": "shop.example.com/path"})
    with pytest.raises(InvalidInput, match="SUITE_API_RATE_PER_MINUTE"):
        Settings.from_env({"SUITE_API_RATE_PER_MINUTE": "0"})


def test_tokens_command_line(store):
    import json

    from typer.testing import CliRunner

    from suite import clikit
    from suite.auth import add_user
    from suite.cli import app

    add_user(store, cli_identity(), "widget", "staff")
    clikit.reset()
    created = CliRunner().invoke(app, ["api", "tokens", "create", "--user", "widget", "--label", "help desk"])
    assert created.exit_code == 0, created.output
    token = json.loads(created.stdout)
    assert token["token"].startswith("nst_") and token["user_name"] == "widget" and token["active"]
    listed = CliRunner().invoke(app, ["api", "tokens", "list"])
    assert token["token"] not in listed.stdout and token["token_id"] in listed.stdout
    revoked = CliRunner().invoke(app, ["api", "tokens", "revoke", token["token_id"]])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["active"] is False
    again = CliRunner().invoke(app, ["api", "tokens", "revoke", token["token_id"]])
    assert again.exit_code == 2 and "revoked already" in again.stderr
    unknown = CliRunner().invoke(app, ["api", "tokens", "create", "--user", "nobody"])
    assert unknown.exit_code == 2 and "no account" in unknown.stderr
    clikit.reset()
    forget_cached()
