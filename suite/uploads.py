"""Files people upload, checked the same way everywhere: type, size, and a safe name on disk.

Upload names come from the browser or a customer's system and are never used as paths: each file is
written under a fresh temporary folder with a sanitised name, and the folder is removed on every path.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from suite.errors import InvalidInput, message

MAX_UPLOAD_MB = 200  # the largest single upload anywhere; `.streamlit/config.toml` sets the same limit
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def display_name(name: str) -> str:
    """The last part of an upload's name, without folders or control characters (for messages and records)."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return base.strip()[:200] or "upload"


def safe_name(name: str) -> str:
    """A file name that is safe to create inside a folder of ours (no separators, no '..', no odd characters)."""
    base = _UNSAFE.sub("_", display_name(name)).strip(" .") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if dot and stem:
        return f"{stem[:100]}.{suffix[:16]}"
    return base[:120]


def check_upload(name: str, data: bytes, *, allowed: Iterable[str], max_mb: float = MAX_UPLOAD_MB) -> str:
    """Refuse a file of the wrong type, an empty one or one over the limit; returns its display name.

    Args:
        allowed: suffixes with their dot (".wav", ".pdf").
    """
    shown = display_name(name)
    allowed = tuple(s.lower() for s in allowed)
    suffix = Path(shown).suffix.lower()
    if suffix not in allowed:
        use = ", ".join(allowed)
        if suffix:
            raise InvalidInput(message("services.upload.type", name=shown, suffix=suffix, allowed=use))
        raise InvalidInput(message("services.upload.no_suffix", name=shown, allowed=use))
    if not data:
        raise InvalidInput(message("services.upload.empty", name=shown))
    check_size(shown, len(data), max_mb=max_mb)
    return shown


def check_size(name: str, n_bytes: int, *, max_mb: float) -> str:
    """Refuse a file over the limit from its size alone (e.g. `path.stat().st_size`), before reading it.

    Returns its display name.
    """
    shown = display_name(name)
    if n_bytes > max_mb * 2**20:
        raise InvalidInput(message("services.upload.too_big", name=shown, mb=n_bytes / 2**20, limit=max_mb))
    return shown


@contextmanager
def staged(files: Iterable[tuple[str, bytes]], *, prefix: str = "suite-upload-") -> Iterator[list[Path]]:
    """Write uploads into a fresh temporary folder under safe, unique names; the folder goes away afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        paths = []
        for number, (name, data) in enumerate(files):
            path = folder / f"{number:03d}-{safe_name(name)}"
            path.write_bytes(data)
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)
