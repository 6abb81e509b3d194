"""What the routers share: the problem responses they document, reading uploads within the limit."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile

from suite.api.models import PayloadTooLarge
from suite.api.problems import error_responses
from suite.errors import InvalidInput
from suite.uploads import MAX_UPLOAD_MB, check_size, display_name

MAX_FILES = 100  # files in one upload call


def router(prefix: str, tag: str, *statuses: int) -> APIRouter:
    return APIRouter(prefix=prefix, tags=[tag], responses=error_responses(401, 403, 422, 429, *statuses))


async def read_uploads(files: list[UploadFile], *, max_mb: float | None = None) -> list[tuple[str, bytes]]:
    """(display name, bytes) of each uploaded file; one over `max_mb` (`MAX_UPLOAD_MB`) refuses the call with 413.

    Raises:
        PayloadTooLarge: a file is over the limit. InvalidInput: no files, or more than `MAX_FILES`.
    """
    if not files:
        raise InvalidInput("Send one or more files (multipart/form-data, field 'files').")
    if len(files) > MAX_FILES:
        raise InvalidInput(f"Send at most {MAX_FILES} files in one call (you sent {len(files)}).")
    max_mb = MAX_UPLOAD_MB if max_mb is None else max_mb
    uploads = []
    for upload in files:
        name = display_name(upload.filename or "upload")
        try:
            if upload.size is not None:
                check_size(name, upload.size, max_mb=max_mb)
            data = await upload.read()
            check_size(name, len(data), max_mb=max_mb)
        except InvalidInput as err:
            raise PayloadTooLarge(str(err)) from None
        uploads.append((name, data))
    return uploads
