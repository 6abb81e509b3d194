"""Open user images the way the user sees them, or say clearly why not; expand zips and folders into images."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator
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


def expand_uploads(items: Iterable[tuple[str, bytes | Path]]) -> Iterator[tuple[str, bytes | Path]]:
    """Images as (name, data), with zips opened; an empty zip or a zip of non-images raises InvalidInput."""
    for name, data in items:
        if not name.lower().endswith(".zip"):
            yield name, data
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        except zipfile.BadZipFile as err:
            raise InvalidInput(f"{name} is not a readable zip file.") from err
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir() and is_image_name(m.filename)]
            members = [m for m in members if not Path(m.filename).name.startswith(".")]
            if not members:
                raise InvalidInput(f"{name} contains no images (JPEG, PNG, TIFF, BMP or WebP).")
            for member in members:
                yield f"{name}/{member.filename}", archive.read(member)


def expand_paths(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """Files, folders (their images, sorted) and zips given on the command line."""
    found: list[tuple[str, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += [(str(p), p) for p in sorted(path.rglob("*")) if p.is_file() and is_image_name(p.name)]
        elif path.exists():
            found.append((str(path), path))
        else:
            raise InvalidInput(f"{path} does not exist.")
    if not found:
        raise InvalidInput("No images found in what was given.")
    return found
