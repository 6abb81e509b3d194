"""Every error the API returns is an RFC 9457 problem (`application/problem+json`) with a stable `code`.

The suite's own errors map by kind (`InvalidInput` -> 422 invalid-input, `NotFound` -> 404 not-found, ...);
their messages already say what to do, so they are the `detail`. Anything else is a bug: logged with its
traceback, answered with a 500 that says only which request failed.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from suite.api.models import Busy, PayloadTooLarge, RateLimited, Unauthorized
from suite.auth import PermissionDenied
from suite.errors import InvalidInput, ModelUnavailable, NotFound, StoreBusy, StoreCorrupt, StoreFull, SuiteError

logger = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:northstar-suite:problem:"

# most specific first: (error class, HTTP status, code, title)
_KINDS: list[tuple[type[BaseException], int, str, str]] = [
    (Unauthorized, 401, "unauthorized", "A valid API token is needed"),
    (PermissionDenied, 403, "forbidden", "The token's role may not do this"),
    (RateLimited, 429, "rate-limited", "Too many calls"),
    (PayloadTooLarge, 413, "payload-too-large", "The upload is too large"),
    (NotFound, 404, "not-found", "Not found"),
    (InvalidInput, 422, "invalid-input", "The input cannot be used"),
    (ModelUnavailable, 503, "model-unavailable", "The model is not available"),
    (StoreBusy, 503, "store-busy", "The database is busy"),
    (Busy, 503, "busy", "The server is busy"),
    (StoreFull, 507, "store-full", "The server's disk is full"),
    (StoreCorrupt, 503, "store-unavailable", "The database cannot be used"),
    (SuiteError, 422, "refused", "The request was refused"),
]
_HTTP_CODES = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
}
_HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 413: "The upload is too large"}


class Problem(BaseModel):
    """An RFC 9457 problem detail, with the suite's stable `code` and the request's id."""

    type: str = Field(description="A URI naming the kind of problem (urn:northstar-suite:problem:<code>).")
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to do, in plain words.")
    instance: str = Field(description="The path that was called.")
    code: str = Field(description="Stable machine-readable code: invalid-input, not-found, unauthorized, ...")
    request_id: str
    errors: list[dict[str, Any]] | None = Field(None, description="Each invalid field (422 from validation only).")
    retry_after_s: float | None = Field(None, description="When to try again (429 and some 503).")


def problem(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        "request_id": getattr(request.state, "request_id", "") or "",
        **{k: v for k, v in extra.items() if v is not None},
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def kind_of(err: BaseException) -> tuple[int, str, str]:
    """(status, code, title) of a suite error."""
    for cls, status, code, title in _KINDS:
        if isinstance(err, cls):
            return status, code, title
    return 500, "internal-error", "Internal error"


def suite_error(request: Request, err: SuiteError) -> JSONResponse:
    status, code, title = kind_of(err)
    headers: dict[str, str] = {}
    retry = None
    if isinstance(err, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(err, RateLimited):
        retry = round(err.retry_after_s, 2)
        headers["Retry-After"] = str(max(1, int(err.retry_after_s + 0.999)))
    if status == 503:
        headers.setdefault("Retry-After", "1" if isinstance(err, StoreBusy | Busy) else "30")
    detail = " ".join(str(err).split()) or title
    return problem(request, status, code, title, detail[:2000], headers=headers or None, retry_after_s=retry)


def validation_error(request: Request, err: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))[:300], "type": e.get("type")}
        for e in err.errors()[:50]
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"][1:] if len(first["loc"]) > 1 else first["loc"]) or "request"
    detail = f"{where}: {first['msg']}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
    return problem(request, 422, "invalid-input", "The input cannot be used", detail, errors=errors)


def http_error(request: Request, err: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(err.status_code, f"http-{err.status_code}")
    title = _HTTP_TITLES.get(err.status_code, "Request refused")
    detail = err.detail if isinstance(err.detail, str) else title
    headers = dict(getattr(err, "headers", None) or {})
    if err.status_code == 404 and detail == "Not Found":
        detail = f"There is no endpoint {request.url.path}; see /docs for the list."
    if err.status_code == 405:
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed here; use {' or '.join(allowed)}."
    return problem(request, err.status_code, code, title, detail, headers=headers or None)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (the router names only the first route's)."""
    path = request.url.path
    methods = {m for pattern, allowed in request.app.state.route_methods if pattern.match(path) for m in allowed}
    return sorted(methods - {"HEAD"}) or ["GET"]


def internal_error(request: Request, err: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "")
    logger.exception("API request %s (%s %s) failed", request_id, request.method, request.url.path)
    detail = f"Something went wrong on the server (request {request_id}); the error is in the server's log."
    return problem(request, 500, "internal-error", "Internal error", detail)


def install(app) -> None:
    app.add_exception_handler(SuiteError, suite_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)  # anything else: `app.CallMiddleware` answers 500


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the problems a route can answer (their content type is fixed in `openapi`)."""
    described = {
        401: "No token, or an unknown or revoked one.",
        403: "The token's role is below the endpoint's minimum.",
        404: "Not found.",
        413: "An upload over the limit.",
        422: "Invalid input.",
        429: "The token's rate limit is exceeded.",
        503: "A model or the database is not available now, or the server is busy.",
    }
    responses: dict[int | str, dict[str, Any]] = {
        status: {"description": described.get(status, "A problem."), "model": Problem} for status in statuses
    }
    responses["4XX"] = {"description": "Any other client problem.", "model": Problem}
    responses["5XX"] = {"description": "A server problem.", "model": Problem}
    return responses


def problems_as_problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every non-2xx response of the OpenAPI document the `application/problem+json` content type."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if str(status).startswith(("2", "3")):
                    continue
                content = response.setdefault("content", {})
                found = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if found.endswith("/Problem") or not content:
                    content.pop("application/json", None)
                    content[MEDIA_TYPE] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return schema
