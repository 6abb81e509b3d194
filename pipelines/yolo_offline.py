"""Ultralytics without the network: call `configure_offline` before any YOLO use (inference or training)."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

# Every Ultralytics integration that may phone home or log to a service; all switched off.
_OFF_SETTINGS = ("sync", "hub", "api_key", "clearml", "comet", "dvc", "mlflow", "neptune", "raytune", "tensorboard")


def configure_offline(config_dir: Path) -> None:
    """Make Ultralytics work without the network. Call before importing it (idempotent).

    Sets YOLO_OFFLINE (no online check, no analytics), YOLO_AUTOINSTALL=false (no pip), a config folder
    of ours, a local copy of a TTF font as Arial.ttf (dataset checks download it otherwise), and turns off
    settings sync, hub and experiment-tracker callbacks.
    """
    config_dir = Path(config_dir)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))
    os.environ.setdefault("YOLO_VERBOSE", "False")  # its logger writes to stdout, where the CLI prints JSON
    font_dir = Path(os.environ["YOLO_CONFIG_DIR"]) / "Ultralytics"
    font_dir.mkdir(parents=True, exist_ok=True)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        target = font_dir / name
        if not target.exists():
            import matplotlib

            shutil.copyfile(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf", target)
    from ultralytics import settings as yolo_settings
    from ultralytics.utils import LOGGER

    for handler in LOGGER.handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stdout:
            handler.setStream(sys.stderr)

    try:  # on a non-image, Ultralytics' patched Image.open tries to install pi-heif: never do that
        from ultralytics.utils import patches

        patches._pil_plugins_registered = True
    except (ImportError, AttributeError):
        pass
    changes = {key: (False if key != "api_key" else "") for key in _OFF_SETTINGS if key in yolo_settings}
    if any(yolo_settings.get(key) != value for key, value in changes.items()):
        yolo_settings.update(changes)
