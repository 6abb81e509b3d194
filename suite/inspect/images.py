"""Open user images the way the user sees them, or say clearly why not."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from suite.errors import InvalidInput

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
# 12,000 x 9,000 photos are legitimate here; anything much larger is refused before decoding.
MAX_PIXELS = 150_000_000


def load_image(source: str | Path | bytes, name: str | None = None) -> Image.Image:
    """An 8-bit RGB image, turned upright by its EXIF orientation (so boxes match what the user sees).

    Handles alpha (flattened on white), grayscale, palette, CMYK and 16-bit images. Raises InvalidInput
    for files that are not images or are damaged.
    """
    label = name or (Path(source).name if not isinstance(source, bytes) else "the upload")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, MAX_PIXELS
            try:
                image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
                if image.width * image.height > MAX_PIXELS:
                    raise InvalidInput(
                        f"{label} is {image.width}x{image.height} pixels, larger than we can check "
                        f"({MAX_PIXELS // 1_000_000} megapixels). Please resize it and try again."
                    )
                image.load()
            finally:
                Image.MAX_IMAGE_PIXELS = saved
    except InvalidInput:
        raise
    except FileNotFoundError as err:
        raise InvalidInput(f"{label} was not found.") from err
    except (UnidentifiedImageError, ModuleNotFoundError) as err:
        raise InvalidInput(f"{label} is not an image we can read (use JPEG, PNG, TIFF, BMP or WebP).") from err
    except Image.DecompressionBombError as err:
        raise InvalidInput(f"{label} is too large to check. Please resize it and try again.") from err
    except (OSError, SyntaxError, ValueError) as err:
        raise InvalidInput(f"{label} looks damaged or cut off ({err}). Please export or copy it again.") from err
    return to_rgb(ImageOps.exif_transpose(image))


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB from any PIL mode; 16-bit and float images are stretched to their own range."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        array = (array - low) / (high - low) * 255 if high > low else np.zeros_like(array)
        return Image.fromarray(array.astype(np.uint8)).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def is_image_name(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES
