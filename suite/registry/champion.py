"""Which model version each module serves: a pointer file replaced atomically on promotion.

`<models>/<module>/CHAMPION` holds the champion's version name, where `<models>` is `settings.models_dir`:
`SUITE_HOME/models`, or the shared folder of `SUITE_MODELS_URI` that every replica mounts. Serving code asks
`champion_dir(settings, module)` on each request (a tiny file read), so a running dashboard (or any replica
sharing the folder) picks up a new champion without a restart; `None` means the module's default model
(bundled or trained by `prepare`).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from suite.settings import Settings


def _pointer(settings: Settings, module: str) -> Path:
    return settings.models_dir / module / "CHAMPION"


def champion_version(settings: Settings, module: str) -> str | None:
    """The version the module should serve, or None for its default model."""
    try:
        version = _pointer(settings, module).read_text().strip()
    except FileNotFoundError:
        return None
    return version or None


def champion_dir(settings: Settings, module: str) -> Path | None:
    """Folder of the champion's files, or None for the module's default model."""
    version = champion_version(settings, module)
    if version is None:
        return None
    folder = settings.models_dir / module / version
    return folder if folder.is_dir() else None


def set_champion(settings: Settings, module: str, version: str | None) -> None:
    """Point the module at `version` (None: back to the default model) in one atomic rename."""
    pointer = _pointer(settings, module)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if version is None:
        pointer.unlink(missing_ok=True)
        return
    tmp = pointer.with_suffix(f".tmp-{socket.gethostname()}-{os.getpid()}")  # replicas on several hosts share it
    tmp.write_text(version + "\n")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, pointer)
