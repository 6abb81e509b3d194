"""Market risk: classify (and optionally store) headlines, list alerts, acknowledge one."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field

from suite.api.access import audited, authorize
from suite.api.deps import Caller, allow, api_state
from suite.api.routes.common import router
from suite.risk.service import act_on_alert, classify, ingest, list_alerts
from suite.store import now

router = router("/v1/risk", "risk", 404)


class Headline(BaseModel):
    headline: str
    timestamp: str | None = Field(None, description="When it was published (ISO 8601; default: now). Stored only.")
    source: str | None = Field(None, description="The outlet. Stored only.")
    url: str | None = None
    ticker: str | None = Field(None, description="Watched companies it is about (else found in the text).")


class Headlines(BaseModel):
    headlines: list[Headline]
    store: bool = Field(False, description="Also store them: linked to watched companies, scored, alerts refreshed.")


class Acknowledgement(BaseModel):
    note: str = Field("", description="Why (kept with the acknowledgement).")


@router.post("/headlines", summary="Tone of each headline; with store=true also stored and alerts refreshed (staff)")
async def headlines(request: Request, body: Headlines, caller: Caller = allow("risk.classify")) -> dict[str, Any]:
    api = api_state(request)
    if body.store:  # storing is its own action, audited
        authorize(api.store, caller.identity, "risk.ingest", None, {"request_id": caller.request_id})

    def work() -> dict[str, Any]:
        tones = classify(api.store, [h.headline for h in body.headlines], identity=caller.identity)
        for tone in tones[:1]:
            api.metrics.served_by("risk", tone.model_version)
        out: dict[str, Any] = {"results": [t.as_dict() for t in tones], "stored": None}
        if body.store:
            with audited(api.store, caller.identity, "risk.ingest", f"{len(body.headlines)} headlines") as detail:
                report = ingest(api.store, _jsonl(body.headlines), "api-headlines.jsonl", user=caller.user)
                detail.update(added=report.added, batch_id=report.batch_id, new_alerts=len(report.new_alerts))
            out["stored"] = report.as_dict()
        return out

    return await api.gates.run("risk", work)


def _jsonl(items: list[Headline]) -> bytes:
    stamp = now().isoformat()
    rows = [
        {"timestamp": h.timestamp or stamp, "source": h.source or "api", "headline": h.headline, "url": h.url or "",
         "ticker": h.ticker or ""}
        for h in items
    ]  # fmt: skip
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


@router.get("/alerts", summary="Alerts, newest first, with the headlines behind them (viewer)")
def alerts(
    request: Request,
    since: str | None = Query(None, description="Only alerts on or after this day (YYYY-MM-DD)."),
    ticker: str | None = Query(None, description="Only this company's alerts."),
    state: Literal["open", "all"] = Query("open"),
    limit: int = Query(500, description="At most this many."),
    caller: Caller = allow("api.read"),
) -> list[dict[str, Any]]:
    found = list_alerts(
        api_state(request).store, since=since, ticker=ticker, states=None if state == "all" else ("open",), limit=limit
    )
    return [alert.as_dict() for alert in found]


@router.post("/alerts/{alert_id}/ack", summary="Acknowledge an alert (reviewer)")
def acknowledge(
    request: Request,
    alert_id: str,
    body: Acknowledgement | None = None,
    caller: Caller = allow("alerts.acknowledge", "alert_id"),
) -> dict[str, Any]:
    api = api_state(request)
    with audited(api.store, caller.identity, "alerts.acknowledge", alert_id[:200]):
        alert = act_on_alert(api.store, alert_id, "acknowledge", user=caller.user, note=(body.note if body else ""))
    return alert.as_dict()
