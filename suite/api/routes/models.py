"""Models: what serves now and every recorded version; promote and roll back (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field

from suite.api.access import audited
from suite.api.deps import Caller, allow, api_state
from suite.api.routes.common import router
from suite.lifecycle import model_statuses
from suite.registry.champion import champion_version
from suite.registry.versions import list_versions, promote, rollback

router = router("/v1/models", "models", 404)


class Promotion(BaseModel):
    version: str
    override_reason: str | None = Field(None, description="Why a version the promotion gate rejected should serve.")


class Rollback(BaseModel):
    to: str | None = Field(None, description="A version to serve (default: the previous champion).")


@router.get("", summary="The models serving now and every recorded version (viewer)")
def models(request: Request, caller: Caller = allow("api.read")) -> dict[str, Any]:
    api = api_state(request)
    versions = []
    for v in list_versions(api.store):
        scores = v.scores
        versions.append(
            {
                "module": v.module,
                "version": v.version,
                "status": v.status,
                "serving": champion_version(api.settings, v.module) == v.version,
                "created_at": v.created_at,
                "primary_metric": scores.metric,
                "challenger": scores.challenger,
                "champion_before": scores.champion,
                "gate_passed": (v.metrics.get("gate") or {}).get("passed"),
                "override_reason": v.override_reason,
            }
        )
    return {"serving": [m.as_dict() for m in model_statuses(api.settings)], "versions": versions}


@router.post("/{module}/promote", summary="Serve a version from now on (admin)")
def promote_version(
    request: Request, module: str, body: Promotion, caller: Caller = allow("models.promote", "module")
) -> dict[str, Any]:
    api = api_state(request)
    target = f"{module}:{body.version}"[:200]
    with audited(api.store, caller.identity, "models.promote", target, {"override_reason": body.override_reason}):
        promote(api.store, module, body.version, by=caller.user, override_reason=body.override_reason)
    return {"module": module, "serving": body.version}


@router.post("/{module}/rollback", summary="Go back to the previous champion, or to a named version (admin)")
def rollback_version(
    request: Request, module: str, body: Rollback | None = None, caller: Caller = allow("models.rollback", "module")
) -> dict[str, Any]:
    api = api_state(request)
    to = body.to if body else None
    with audited(api.store, caller.identity, "models.rollback", module[:100], {"to": to}) as detail:
        serving = rollback(api.store, module, by=caller.user, to=to)
        detail["serving"] = serving or "default"
    return {"module": module, "serving": serving or "default"}
