"""`/v1/health` and `/v1/ready` (no token: for load balancers), `/metrics` (a token, any role)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from suite import __version__
from suite.api.deps import Caller, allow, api_state
from suite.api.problems import error_responses

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    ready: bool
    started_at: str | None
    finished_at: str | None
    modules: dict[str, str]


@router.get("/v1/health", response_model=Health, summary="The process answers (no token)")
def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.get(
    "/v1/ready",
    response_model=Ready,
    summary="Every module's model is loaded in this process (no token)",
    responses={503: {"description": "Still warming up.", "model": Ready}},
)
def ready(request: Request) -> JSONResponse:
    readiness = api_state(request).readiness
    body = {
        **readiness.as_dict(),
        "started_at": readiness.started_at.isoformat() if readiness.started_at else None,
        "finished_at": readiness.finished_at.isoformat() if readiness.finished_at else None,
    }
    if readiness.ready:
        return JSONResponse(body)
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


@router.get(
    "/metrics",
    summary="Calls, latency per endpoint and model versions served, in the Prometheus text format",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}, **error_responses(401, 429)},
)
def metrics(request: Request, caller: Caller = allow("api.metrics")) -> Response:
    body, content_type = api_state(request).metrics.render()
    return Response(body, media_type=content_type)
