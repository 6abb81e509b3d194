"""Transcription: short clips at once, long recordings as a job with progress; txt, srt, vtt or json."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, PlainTextResponse

from suite.api.deps import Caller, allow, api_state
from suite.api.routes.common import read_uploads, router
from suite.errors import InvalidInput
from suite.transcribe.service import FORMATS, MIME, export, get_transcript, transcribe_uploads

router = router("/v1/transcribe", "transcribe", 404, 413, 503)
SYNC_MAX_MB = 2.0  # uploads up to this size (about two minutes of compressed speech) are transcribed at once
Format = Literal["json", "txt", "srt", "vtt"]
_TEXT = {"200": {"content": {MIME[f]: {"schema": {"type": "string"}} for f in FORMATS if f != "json"}}}


def _render(request: Request, batch_or_job: dict[str, Any], transcript_id: str | None, fmt: str, status: int = 200):
    if fmt == "json" or transcript_id is None:
        return JSONResponse(jsonable_encoder(batch_or_job), status_code=status)
    transcript = get_transcript(api_state(request).store, transcript_id)
    return PlainTextResponse(export(transcript, fmt), media_type=MIME[fmt], status_code=status)


@router.post(
    "",
    summary="Transcribe a recording: at once for short clips, as a job for long ones (staff)",
    responses={202: {"description": "A job was queued; poll GET /v1/transcribe/{job_id}."}, 200: _TEXT["200"]},
)
async def transcribe(
    request: Request,
    file: UploadFile = File(description="Audio or video (.wav .mp3 .m4a .ogg .flac .webm .mp4 ...)"),
    language: str | None = Form(None, description="e.g. en; empty: detected"),
    redact: bool | None = Form(None, description="Mask personal data (default: the server's SUITE_REDACT_TRANSCRIPTS)"),
    mode: Literal["auto", "sync", "async"] = Query("auto", description=f"auto: a job over {SYNC_MAX_MB:g} MB"),
    format: Format = Query("json", description="The answer for a clip transcribed at once"),
    caller: Caller = allow("transcribe.run"),
):
    api = api_state(request)
    [(name, data)] = await read_uploads([file])
    options = {"language": language or None, "redact": redact}

    def work(progress=None) -> dict[str, Any]:
        kwargs = {**options, **({"progress": progress} if progress else {})}
        batch = transcribe_uploads(api.store, [(name, data)], identity=caller.identity, **kwargs)
        for transcript in batch.transcripts:
            api.metrics.served_by("transcribe", transcript.model_version)
        if not batch.transcripts and batch.failures:
            raise InvalidInput(batch.failures[0].sentence())
        return batch.as_dict()

    long = len(data) > SYNC_MAX_MB * 2**20
    if mode == "async" or (mode == "auto" and long):
        job = api.jobs.submit(caller.user, name, work)
        where = f"/v1/transcribe/{job.job_id}"
        body = jsonable_encoder(job.as_dict() | {"poll": where})
        return JSONResponse(body, status_code=202, headers={"Location": where})
    result = await api.gates.run("transcribe", work)
    first = result["transcripts"][0]["transcript_id"] if result["transcripts"] else None
    return _render(request, result, first, format)


@router.get(
    "/{job_id}",
    summary="A transcription job: its progress, and the transcript once it is done (viewer)",
    responses={200: _TEXT["200"]},
)
def job(
    request: Request,
    job_id: str,
    format: Format = Query("json", description="txt, srt or vtt: the transcript itself once the job succeeded"),
    caller: Caller = allow("api.read", "job_id"),
):
    found = api_state(request).jobs.get(job_id)
    transcripts = (found.result or {}).get("transcripts") or []
    if format != "json" and found.state == "succeeded" and transcripts:
        return _render(request, {}, transcripts[0]["transcript_id"], format)
    return JSONResponse(jsonable_encoder(found.as_dict()))
