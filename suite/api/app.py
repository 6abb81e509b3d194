"""The FastAPI app: one process's state, the middleware every call passes, the routers, OpenAPI at /docs.

    uvicorn --factory suite.api.app:create_app      (what `suite api` runs)

Every call gets a request id (the client's X-Request-ID when it sends a usable one, echoed back), is timed
for /metrics and, when it carried a token, is logged as one usage event naming the token's account. Bodies
over the upload limit are refused with 413 before they are read.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import get_openapi
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from suite import __version__
from suite.api import problems
from suite.api.deps import identify
from suite.api.gates import ModelGates
from suite.api.jobs import Jobs
from suite.api.metrics import Metrics
from suite.api.models import RateLimited, Unauthorized
from suite.api.ratelimit import RateLimiter
from suite.api.results import Results
from suite.api.state import ApiState
from suite.api.warmup import warm_up
from suite.errors import SuiteError
from suite.modules import MODULE_KEYS
from suite.settings import Settings
from suite.store import Store, new_id
from suite.uploads import MAX_UPLOAD_MB

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = (MAX_UPLOAD_MB + 1) * 2**20  # uploads, with room for the multipart framing
MAX_JSON_BYTES = 20 * 2**20  # any request that is not an upload
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
PUBLIC = ("/v1/health", "/v1/ready", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc")  # no token


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over {limit / 2**20:.0f} MB, the limit for this kind of call.")


def _limit(headers: Headers) -> int:
    return MAX_BODY_BYTES if headers.get("content-type", "").startswith("multipart/") else MAX_JSON_BYTES


class CallMiddleware:
    """Request id, body limit, timing, usage event and the 500 problem for anything unexpected."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api: ApiState = scope["app"].state.api
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _CLIENT_ID.fullmatch(given) else new_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        limit = _limit(headers)
        started = time.perf_counter()
        sent = {"status": 0}

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        received = [0]

        async def counted() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                received[0] += len(message.get("body", b""))
                if received[0] > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            length = headers.get("content-length")
            if scope.get("path", "") not in PUBLIC and not await self._identified(api, scope, headers, state):
                await self._problem(scope, receive, send_with_id, state.pop("refusal"))
            elif length and length.isdigit() and int(length) > limit:
                await self._problem(scope, receive, send_with_id, BodyTooLarge(limit))
            else:
                await self.app(scope, counted, send_with_id)
        except Exception as err:
            if sent["status"]:
                logger.exception("API request %s failed after its response started", request_id)
            else:
                await self._problem(scope, receive, send_with_id, err)
        finally:
            self._record(api, scope, state, request_id, given, sent["status"] or 500, time.perf_counter() - started)

    @staticmethod
    async def _identified(api: ApiState, scope, headers: Headers, state: dict) -> bool:
        """Check the token (and its rate) before anything else; False with `state["refusal"]` when refused."""
        where = f"{scope.get('method', '')} {scope.get('path', '')}"[:200]
        client = scope["client"][0] if scope.get("client") else None
        try:
            identity, token_id = await anyio.to_thread.run_sync(
                identify, api, headers.get("authorization"), where, state["request_id"], client
            )
        except (Unauthorized, RateLimited) as err:
            state["refusal"] = err
            return False
        state.update(identity=identity, user=identity.user, token_id=token_id)
        return True

    @staticmethod
    async def _problem(scope, receive, send, err: Exception) -> None:
        from starlette.requests import Request

        request = Request(scope, receive)
        if isinstance(err, SuiteError):
            response = problems.suite_error(request, err)
        elif isinstance(err, HTTPException):
            response = problems.http_error(request, err)
        else:
            response = problems.internal_error(request, err)
        await response(scope, receive, send)

    @staticmethod
    def _record(api: ApiState, scope, state, request_id: str, given: str, status: int, seconds: float) -> None:
        route = scope.get("route")
        endpoint = getattr(route, "path", None) or "unmatched"  # raw paths would make a metric label per URL
        method = scope.get("method", "")
        try:
            api.metrics.observe(method, endpoint, status, seconds)
        except Exception:  # metrics must never break a call
            logger.exception("could not count API call %s", request_id)
        if scope.get("path", "") in PUBLIC:
            return
        named = endpoint if route is not None else scope.get("path", "")[:200]  # refused before routing: as called
        api.store.log_event(
            module="api",
            action=f"{method} {named}",
            status="ok" if status < 400 else "error",
            error=None if status < 400 else f"HTTP {status}",
            user=state.get("user") or "anonymous",
            latency_ms=seconds * 1000.0,
            input_summary=f"{method} {scope.get('path', '')}",
            output_summary={
                "status": status,
                "request_id": request_id,
                "token_id": state.get("token_id"),
                **({"client_request_id": given} if given and given == request_id else {}),
            },
        )


def create_app(settings: Settings | None = None, *, store: Store | None = None, warm: bool = True) -> FastAPI:
    """The API app for one process (uvicorn calls it with no arguments: settings come from SUITE_* variables).

    Args:
        store: an open store to use (tests); by default the app opens its own and closes it at shutdown.
        warm: load every module's model in the background at start (/v1/ready waits for it).
    """
    settings = settings or (store.settings if store is not None else Settings.from_env())
    own_store = store is None
    store = store or Store(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        api: ApiState = app.state.api
        try:
            recovered = api.jobs.recover()
            if recovered:
                logger.warning("marked %d transcription job(s) of a stopped API process as failed", recovered)
        except Exception:
            logger.exception("could not check for transcription jobs left by a stopped API process")
        if warm:
            threading.Thread(target=warm_up, args=(api.store, api.readiness), name="api-warm-up", daemon=True).start()
        try:
            yield
        finally:
            await api.jobs.stop()
            if own_store:
                api.store.close()

    app = FastAPI(
        title="Northstar Suite API",
        version=__version__,
        description=(
            "The suite's five assistants for other systems. Every endpoint but `/v1/health` and `/v1/ready` needs "
            "an API token (`Authorization: Bearer <token>`, made by an admin with `suite api tokens create`); the "
            "token's account role decides what it may call. Errors are RFC 9457 problems with a stable `code`."
        ),
        lifespan=lifespan,
    )
    gates = ModelGates(MODULE_KEYS, settings.api_model_concurrency)
    app.state.api = ApiState(
        settings=settings,
        store=store,
        limiter=RateLimiter(settings.api_rate_per_minute),
        metrics=Metrics(settings, gates.load),
        results=Results(store),
        gates=gates,
        jobs=Jobs(store, gates),
    )
    problems.install(app)
    app.add_middleware(CallMiddleware)
    if settings.api_cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    from suite.api.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    app.state.route_methods = [(route.path_regex, route.methods) for r in ROUTERS for route in r.routes]

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = problems.problems_as_problem_json(jsonable_encoder(schema))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
