"""What a reviewer needs to see beside a feedback item: the image with its box, the audio it is about.

A feedback value is data anyone with review rights can edit, so a path in it is never trusted: only regular
files that resolve (links followed) to a place inside SUITE_HOME are shown, where the modules keep their
copies of what was checked or transcribed.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from suite.review.models import Media

logger = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".flac", ".webm")
MEDIA_KEYS = ("path", "file", "image", "audio")  # how the keys of a value that name a file end


def media_for(value: Any, *, home: Path | None = None) -> list[Media]:
    """Images and audio files named in a feedback value (keys ending in path/file/image/audio) inside `home`.

    Args:
        home: the SUITE_HOME whose files may be shown (default: the one the settings name).
    """
    if not isinstance(value, dict):
        return []
    root = _home(home)
    found = []
    for key, item in value.items():
        if not (isinstance(key, str) and isinstance(item, str) and key.endswith(MEDIA_KEYS)):
            continue
        path = _inside(item, root)
        if path is None:
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES:
            found.append(Media("image", path, box=_box(value.get("box"))))
        elif path.suffix.lower() in AUDIO_SUFFIXES:
            found.append(Media("audio", path, start=_start(value.get("start"))))
    return found


def _home(home: Path | None) -> Path:
    if home is None:
        from suite.settings import Settings

        home = Settings.from_env().home
    return Path(home).resolve()


def _inside(item: str, root: Path) -> Path | None:
    """The file a value names when it is a regular file inside `root`; None otherwise (logged)."""
    if not item or "\x00" in item or len(item) > 4096:
        return None
    if not Path(item).is_absolute():
        return None  # a bare file name ("delivery.wav") names what was uploaded, not a kept copy
    try:
        resolved = Path(item).resolve()
        if not resolved.is_relative_to(root):
            logger.warning("feedback names a file outside SUITE_HOME; not shown: %.200s", item)
            return None
        return resolved if resolved.is_file() else None
    except (OSError, RuntimeError, ValueError):
        return None


def _box(value: Any) -> list[float] | None:
    try:
        box = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    return box if len(box) == 4 and all(math.isfinite(v) for v in box) else None


def _start(value: Any) -> float:
    try:
        start = float(value or 0)
    except (TypeError, ValueError):
        return 0.0
    return start if 0 <= start < 10**7 else 0.0


def image_with_box(path: Path, box: list[float] | None, label: str = ""):
    """The image with the reviewed box drawn on it (a PIL image)."""
    return image_with_boxes(path, [(box, label)] if box is not None else [])


def image_with_boxes(path: Path, marks: list[tuple[list[float] | None, str]]):
    """The image with each (box, label) drawn: a red frame and its label on a tag kept whole on the image."""
    from PIL import Image, ImageDraw

    image = Image.open(path).convert("RGB")
    draw = ImageDraw.Draw(image)
    width = max(2, round(max(image.size) / 200))
    for box, label in marks:
        box = _box(box)
        if not box:
            continue
        x1, x2 = sorted(box[0::2])  # an edited value may have them the wrong way round
        y1, y2 = sorted(box[1::2])
        draw.rectangle([x1, y1, x2, y2], outline=(255, 40, 40), width=width)
        if label:
            _label(draw, image.size, (x1, y1), label)
    return image


def _label(draw, size: tuple[int, int], corner: tuple[float, float], label: str) -> None:
    """The class name on a filled tag above the box (inside it at the top edge), always wholly on the image."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=max(11, round(max(size) / 40)))
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    w, h = right - left + 6, bottom - top + 4
    x = min(max(corner[0], 0), max(size[0] - w, 0))
    y = corner[1] - h if corner[1] - h >= 0 else min(max(corner[1], 0), max(size[1] - h, 0))
    draw.rectangle([x, y, x + w, y + h], fill=(255, 40, 40))
    draw.text((x + 3 - left, y + 2 - top), label, fill=(255, 255, 255), font=font)
