"""Recommendations: a shopper's top-k, products like a product, and the shop's events coming back."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field

from suite.api.access import audited
from suite.api.deps import Caller, allow, api_state
from suite.api.routes.common import router
from suite.errors import InvalidInput
from suite.recommend.models import RecommendationList
from suite.recommend.service import import_interactions, recommend_for_user, record_feedback, similar_items
from suite.store import now
from suite.uploads import staged

router = router("/v1/recommend", "recommend", 404)
LIST = "recommend.list"  # the kind of remembered result a dismissal refers to
MAX_EVENTS = 1000
_INTERACTION = {"view": "view", "cart": "cart", "buy": "purchase"}  # API event -> the interaction log's event


class ShopEvent(BaseModel):
    user_id: str = Field(description="The shopper's id.")
    item_id: str = Field(description="The product's id.")
    event: Literal["view", "cart", "buy", "dismiss"]
    timestamp: str | None = Field(None, description="When it happened (ISO 8601; default: now).")
    request_id: str | None = Field(None, description="For `dismiss`: the `request_id` of the list it was shown in.")


class ShopEvents(BaseModel):
    events: list[ShopEvent] = Field(description=f"1 to {MAX_EVENTS} events.")


def _list(api, caller: Caller, result: RecommendationList) -> dict[str, Any]:
    api.results.remember(LIST, "recommend", caller.user, result)
    api.metrics.served_by("recommend", result.model_version)
    return result.as_dict()


@router.get("/users/{user_id}", summary="The top-k products for a shopper, with reasons (staff)")
async def for_user(
    request: Request,
    user_id: str,
    k: int = Query(10, description="How many products."),
    caller: Caller = allow("recommend.run", "user_id"),
) -> dict[str, Any]:
    api = api_state(request)
    return await api.gates.run(
        "recommend", lambda: _list(api, caller, recommend_for_user(api.store, user_id, k=k, identity=caller.identity))
    )


@router.get("/items/{item_id}/similar", summary="Products like this one (staff)")
async def similar(
    request: Request,
    item_id: str,
    k: int = Query(10, description="How many products."),
    caller: Caller = allow("recommend.run", "item_id"),
) -> dict[str, Any]:
    api = api_state(request)
    return await api.gates.run(
        "recommend", lambda: _list(api, caller, similar_items(api.store, item_id, k=k, identity=caller.identity))
    )


@router.post("/events", summary="Views, carts and purchases into the interaction log; dismissals as feedback (staff)")
def events(request: Request, body: ShopEvents, caller: Caller = allow("recommend.feedback")) -> dict[str, Any]:
    api = api_state(request)
    if not 1 <= len(body.events) <= MAX_EVENTS:
        raise InvalidInput(f"Send 1 to {MAX_EVENTS} events in one call (you sent {len(body.events):,}).")
    dismissals = [e for e in body.events if e.event == "dismiss"]
    if any(not e.request_id for e in dismissals):
        raise InvalidInput("A dismiss event needs the request_id of the recommendation list it was shown in.")
    shown = {
        e.request_id: api.results.recall(
            LIST, e.request_id, RecommendationList, f"No recommendation list {e.request_id[:40]!r} was given here."
        )
        for e in dismissals
    }
    interactions = [e for e in body.events if e.event in _INTERACTION]
    with audited(api.store, caller.identity, "recommend.feedback", f"{len(body.events)} events") as detail:
        report = _log_interactions(api.store, interactions, caller.identity) if interactions else None
        feedback_ids = [
            record_feedback(api.store, shown[e.request_id], e.item_id, interested=False, user=caller.user)
            for e in dismissals
        ]
        detail.update(interactions_added=report.rows_added if report else 0, feedback_ids=feedback_ids)
    return {"interactions": report.as_dict() if report else None, "feedback_ids": feedback_ids}


def _log_interactions(store, interactions: list[ShopEvent], identity):
    """The events as one small interaction log, imported like any other (checked, one transaction)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "item_id", "timestamp", "event"])
    stamp = now().isoformat()
    for e in interactions:
        writer.writerow([e.user_id, e.item_id, e.timestamp or stamp, _INTERACTION[e.event]])
    with staged([("api-events.csv", out.getvalue().encode("utf-8"))], prefix="suite-api-events-") as [path]:
        return import_interactions(store, path, source="api", identity=identity)
