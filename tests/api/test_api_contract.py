"""Property-based contract tests: every endpoint against its OpenAPI schema (schemathesis on the ASGI app).

Each operation gets generated requests; every response must be documented (status, content type, body
schema: problems are RFC 9457 documents) and none may be a server error. Endpoints that run a model get a few
examples on the prepared home (slow); the others run more on a fresh home.
"""

from __future__ import annotations

import ctypes
import tempfile
from pathlib import Path

import pytest
import schemathesis
from conftest import open_api
from hypothesis import HealthCheck, settings

from suite.api.app import create_app
from suite.api.tokens import forget_cached
from suite.settings import Settings

MODEL_CALLS = {
    ("POST", "/v1/support/answers"),
    ("POST", "/v1/support/documents"),
    ("GET", "/v1/recommend/users/{user_id}"),
    ("GET", "/v1/recommend/items/{item_id}/similar"),
    ("POST", "/v1/inspect/images"),
    ("POST", "/v1/transcribe"),
    ("POST", "/v1/risk/headlines"),
}
CHECKS_OFF = [
    schemathesis.checks.positive_data_acceptance,  # a valid request may still name nothing that exists (404)
    schemathesis.checks.negative_data_rejection,  # unknown query parameters are ignored, as HTTP APIs do
]
FAST = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
FEW = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _schema_only():
    """The OpenAPI document, from an app on a scratch home (the calls go to each test's own app)."""
    home = Path(tempfile.mkdtemp(prefix="suite-api-schema-")) / "home"
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings.from_env(home=home), warm=False))


SCHEMA = _schema_only()


_LIBC = ctypes.CDLL(None)


@pytest.fixture(autouse=True)
def _ieee_floats():
    """Default floating-point modes in this thread before Hypothesis draws: a compiled CPU runtime that ran a model
    in this thread may leave flush-to-zero on, and Hypothesis' float draws assert subnormals exist."""
    _LIBC.fesetenv(ctypes.c_void_p(-1))  # glibc FE_DFL_ENV: x87 and SSE (MXCSR) control back to their defaults


@pytest.fixture
def fresh_app(store):
    app, tokens = open_api(store, roles=("admin",))
    yield app, tokens
    forget_cached()


@pytest.fixture
def loaded_app(loaded_store):
    app, tokens = open_api(loaded_store, roles=("admin",))
    yield app, tokens
    forget_cached()


def _checks_off(case) -> list:
    """/v1/ready answers 503 on purpose while the models warm (documented; these apps never warm up)."""
    if case.operation.path == "/v1/ready":
        return [*CHECKS_OFF, schemathesis.checks.not_a_server_error]
    return CHECKS_OFF


def _model_call(ctx) -> bool:
    return (ctx.operation.method.upper(), ctx.operation.path) in MODEL_CALLS


@SCHEMA.exclude(_model_call).parametrize()
@FAST
def test_endpoints_without_a_model_keep_their_contract(case, fresh_app):
    app, tokens = fresh_app
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    case.call_and_validate(app=app, headers=headers, excluded_checks=_checks_off(case))


@pytest.mark.slow
@SCHEMA.include(_model_call).parametrize()
@FEW
def test_model_endpoints_keep_their_contract(case, loaded_app):
    app, tokens = loaded_app
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    case.call_and_validate(app=app, headers=headers, excluded_checks=_checks_off(case))


@SCHEMA.exclude(_model_call).parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_without_a_token_every_endpoint_but_health_and_ready_is_401(case, fresh_app):
    response = case.call(app=fresh_app[0])
    if case.operation.path in ("/v1/health", "/v1/ready"):
        assert response.status_code in (200, 405, 503), response.text  # 405: schemathesis tries other methods too
        return
    assert response.status_code == 401, response.text  # checked before the body is even read
    assert response.headers["content-type"][0].startswith("application/problem+json")
