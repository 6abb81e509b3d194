"""Defect inspection: verdicts and boxes for uploaded photos (or zips of them), and reviews of the boxes."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import File, Request, UploadFile
from pydantic import BaseModel, Field

from suite.api.access import audited
from suite.api.deps import Caller, allow, api_state
from suite.api.routes.common import read_uploads, router
from suite.errors import InvalidInput
from suite.inspect.service import get_result, inspect_many, report_missed_result, review_result

router = router("/v1/inspect", "inspect", 404, 413)


class BoxReview(BaseModel):
    result_id: str = Field(description="The `result_id` of the inspected image.")
    action: Literal["confirm", "wrong_class", "not_defect", "missed"]
    box: int | None = Field(None, description="Which box: its position (from 0) in the result's `defects` list.")
    new_class: str | None = Field(None, description="For wrong_class: the right kind of defect.")
    class_name: str | None = Field(None, description="For missed: the kind of defect the model did not box.")
    area: list[float] | None = Field(None, description="For missed: left, top, right, bottom in pixels.")
    note: str = ""


@router.post("/images", summary="Verdicts and boxes for one or many photos, or zips of photos (staff)")
async def images(
    request: Request,
    files: list[UploadFile] = File(description="Photos (.jpg .png .bmp .tif .webp) or .zip files of them"),
    caller: Caller = allow("inspect.run"),
) -> dict[str, Any]:
    api = api_state(request)
    uploads = await read_uploads(files)

    def work() -> dict[str, Any]:
        batch = inspect_many(api.store, uploads, identity=caller.identity)
        for result in batch.results:
            api.metrics.served_by("inspect", result.model_version)
        return batch.as_dict()

    return await api.gates.run("inspect", work)


@router.post("/feedback", summary="Confirm, correct or reject a box, or report a missed defect (staff)")
def feedback(request: Request, body: BoxReview, caller: Caller = allow("inspect.feedback")) -> dict[str, Any]:
    api = api_state(request)
    action = {"action": body.action}
    with audited(api.store, caller.identity, "inspect.feedback", body.result_id[:64], action) as detail:
        if body.action == "missed":
            if not body.class_name:
                raise InvalidInput("A missed defect needs class_name (the kind of defect).")
            feedback_id = report_missed_result(
                api.store, body.result_id, body.class_name, box=body.area, note=body.note, user=caller.user
            )
        else:
            shown = get_result(api.store, body.result_id).shown_defects()
            if not shown:
                raise InvalidInput("This inspection found no defect to review; report a missed one instead.")
            if body.box is None or not 0 <= body.box < len(shown):
                raise InvalidInput(f"box must be the position of a box in the result's defects, 0 to {len(shown) - 1}.")
            index = shown[body.box].index
            feedback_id = review_result(
                api.store, body.result_id, index, body.action, new_class=body.new_class, user=caller.user
            )
        detail["feedback_id"] = feedback_id
    return {"result_id": body.result_id, "feedback_id": feedback_id}
