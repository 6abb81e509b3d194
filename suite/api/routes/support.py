"""Support answers: ask, feedback on an answer, and (admins) the help articles."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import File, Request, UploadFile
from pydantic import BaseModel, Field

from suite.api.access import audited
from suite.api.deps import Caller, allow, api_state
from suite.api.routes.common import read_uploads, router
from suite.errors import InvalidInput
from suite.support.models import Answer
from suite.support.service import add_articles, ask, create_ticket, list_documents, record_feedback, remove_document

router = router("/v1/support", "support", 404, 413)
ANSWER = "support.answer"  # the kind of remembered result feedback refers to


class Question(BaseModel):
    question: str = Field(description="The customer's question (the language, English or Chinese, is detected).")
    mode: Literal["hybrid", "dense", "keyword"] = "hybrid"
    handoff: bool = Field(False, description="Open a ticket for staff when the bot is not sure.")


class AnswerFeedback(BaseModel):
    request_id: str = Field(description="The `request_id` of the answer.")
    thumbs_up: bool | None = None
    correction: str | None = Field(None, description="What the answer should have said.")


@router.post("/answers", summary="Answer a question from the help articles (staff)")
async def answers(request: Request, body: Question, caller: Caller = allow("support.ask")) -> dict[str, Any]:
    api = api_state(request)

    def work() -> dict[str, Any]:
        answer = ask(api.store, body.question, identity=caller.identity, mode=body.mode)
        api.results.remember(ANSWER, "support", caller.user, answer)
        out = answer.as_dict(brief=True)
        if body.handoff and not answer.answered:
            out["ticket_id"] = create_ticket(api.store, answer, identity=caller.identity)
        api.metrics.served_by("support", answer.model_version)
        return out

    return await api.gates.run("support", work)


@router.post("/feedback", summary="Thumbs and/or a correction for an answer (staff)")
def feedback(request: Request, body: AnswerFeedback, caller: Caller = allow("support.feedback")) -> dict[str, Any]:
    api = api_state(request)
    with audited(api.store, caller.identity, "support.feedback", body.request_id[:64]) as detail:
        answer = api.results.recall(
            ANSWER, body.request_id, Answer, f"No answer {body.request_id[:40]!r} was given through the API."
        )
        ids = record_feedback(api.store, answer, thumbs_up=body.thumbs_up, correction=body.correction, user=caller.user)
        if not ids:
            raise InvalidInput("Give thumbs_up (true or false) and/or a correction.")
        detail["feedback_ids"] = ids
    return {"request_id": body.request_id, "feedback_ids": ids}


@router.get("/documents", summary="The help articles in the knowledge base (viewer)")
def documents(request: Request, caller: Caller = allow("api.read")) -> list[dict[str, Any]]:
    return [document.as_dict() for document in list_documents(api_state(request).store)]


@router.post("/documents", summary="Add or replace help articles (admin)")
async def add_documents(
    request: Request,
    files: list[UploadFile] = File(description="Help articles: .md .txt .html .pdf, or a FAQ .csv"),
    caller: Caller = allow("kb.add"),
) -> dict[str, Any]:
    api = api_state(request)
    uploads = await read_uploads(files)

    def work() -> dict[str, Any]:
        with audited(api.store, caller.identity, "kb.add", ", ".join(name for name, _ in uploads)[:200]) as detail:
            report = add_articles(api.store, uploads, user=caller.user)
            if report.refused and not (report.added or report.replaced):
                raise InvalidInput(f"Nothing was added: {report.refused[0].reason}")
            detail.update(added=len(report.added), replaced=len(report.replaced), skipped=len(report.skipped))
        return report.as_dict()

    return await api.gates.run("support", work)


@router.delete("/documents/{source:path}", summary="Delete a help article and its passages (admin)")
def delete_document(request: Request, source: str, caller: Caller = allow("kb.remove", "source")) -> dict[str, Any]:
    api = api_state(request)
    with audited(api.store, caller.identity, "kb.remove", source[:200]) as detail:
        removed = remove_document(api.store, source)
        detail["chunks"] = removed.chunks
    return removed.as_dict()
