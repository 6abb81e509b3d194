"""The token check every endpoint but health and ready goes through: authenticate, rate-limit, check the role.

Each refusal is answered as a problem (401, 429, 403) and written to the audit trail; the caller's account
and token are put on the request, so the usage event of the call names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from suite.api.access import authorize
from suite.api.models import RateLimited, Unauthorized
from suite.api.state import ApiState
from suite.api.tokens import authenticate
from suite.auth import Identity, audit

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: `suite api tokens create --user NAME` (the account's role applies).",
)


@dataclass(frozen=True)
class Caller:
    """Who is calling (the token's account and role), with which token, in which request."""

    identity: Identity
    token_id: str
    request_id: str

    @property
    def user(self) -> str:
        return self.identity.user


def api_state(request: Request) -> ApiState:
    return request.app.state.api


def endpoint_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", None) or request.url.path


def identify(api: ApiState, authorization: str | None, where: str, request_id: str, client: str | None):
    """The (identity, token id) of a call's bearer token, within its rate (the middleware asks before the body
    is read, so a caller without a good token never gets a body parsed).

    Raises:
        Unauthorized, RateLimited: with an audit row each.
    """
    detail = {"request_id": request_id, "endpoint": where, "client": client}
    scheme, _, credentials = (authorization or "").partition(" ")
    token = credentials.strip() if scheme.lower() == "bearer" else None
    try:
        identity, token_id = authenticate(api.store, token)
    except Unauthorized as err:
        audit(api.store, None, "api.authenticate", where, "denied", {**detail, "reason": str(err)})
        raise
    try:
        api.limiter.check(token_id)
    except RateLimited as err:
        wait = {"retry_after_s": round(err.retry_after_s, 2)}
        audit(api.store, identity, "api.rate_limit", where, "denied", {**detail, **wait})
        raise
    return identity, token_id


def allow(action: str, target: str | None = None):
    """A dependency: the `Caller`, when its role may do `action` (the token was checked by the middleware).

    Args:
        action: a `suite.auth.POLICY` key or one of `suite.api.access.API_ACTIONS`.
        target: the path parameter that names the object (recorded with a refusal).
    """

    def check(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> Caller:
        api = api_state(request)
        identity = getattr(request.state, "identity", None)
        if identity is None:  # only the token-free paths skip the middleware's check, and they do not come here
            raise Unauthorized("This endpoint needs an API token: send the header 'Authorization: Bearer <token>'.")
        named = request.path_params.get(target) if target else None
        where = f"{request.method} {endpoint_of(request)}"
        detail = {"request_id": request.state.request_id, "endpoint": where}
        authorize(api.store, identity, action, str(named)[:200] if named is not None else None, detail)
        return Caller(identity, request.state.token_id, request.state.request_id)

    return Depends(check)
