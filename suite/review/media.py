"""What a reviewer needs to see beside a feedback item: the image with its box, the audio it is about.

Note for the hardening pass: `media_for` shows any existing file whose path a feedback value names; it does
not yet check that the path lies inside an upload or SUITE_HOME.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from suite.review.models import Media

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".flac", ".webm")


def media_for(value: Any) -> list[Media]:
    """Images and audio files named in a feedback value (keys ending in path/file/image/audio) that exist."""
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        if not isinstance(item, str) or not key.endswith(("path", "file", "image", "audio")):
            continue
        path = Path(item)
        if not path.is_file():
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES:
            found.append(Media("image", path, box=value.get("box")))
        elif path.suffix.lower() in AUDIO_SUFFIXES:
            found.append(Media("audio", path, start=float(value.get("start") or 0)))
    return found


def image_with_box(path: Path, box: list[float] | None, label: str = ""):
    """The image with the reviewed box drawn on it (a PIL image)."""
    from PIL import Image, ImageDraw

    image = Image.open(path).convert("RGB")
    if box and len(box) == 4:
        draw = ImageDraw.Draw(image)
        width = max(2, round(max(image.size) / 200))
        draw.rectangle([float(v) for v in box], outline=(255, 40, 40), width=width)
        if label:
            draw.text((float(box[0]) + 3, max(float(box[1]) - 12, 0)), label, fill=(255, 40, 40))
    return image
