"""Open user images the way the user sees them, or say clearly why not; expand zips and folders into images."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from suite.errors import InvalidInput
from suite.inspect.archives import extract_zip

logger = logging.getLogger(__name__)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
# 12,000 x 9,000 photos are legitimate here; anything much larger is refused before decoding.
MAX_PIXELS = 150_000_000
# animations are refused (which frame?); camera MPO JPEGs and multi-page TIFFs are checked on their first frame
ANIMATED_FORMATS = ("GIF", "PNG", "WEBP")
# PIL warns from ~89 megapixels and refuses from ~179; we check the size ourselves (MAX_PIXELS) before
# decoding, so its warning is noise. Set once here: `warnings.catch_warnings` is not thread-safe, and the
# dashboard checks images in several threads at once.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def load_image(source: str | Path | bytes, name: str | None = None) -> Image.Image:
    """An 8-bit RGB image, turned upright by its EXIF orientation (so boxes match what the user sees).

    Handles alpha (flattened on white), grayscale, palette, CMYK and 16-bit images. Raises InvalidInput, with
    a one-line reason, for files that are not images, are damaged, are too large, have several frames, or
    are folders.
    """
    label = name or (Path(source).name if not isinstance(source, bytes) else "the upload")
    if not isinstance(source, bytes) and Path(source).is_dir():
        raise InvalidInput(f"{label} is a folder, not an image file.")
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise InvalidInput(
                    f"{label} is {opened.width}x{opened.height} pixels, larger than we can check "
                    f"({MAX_PIXELS // 1_000_000} megapixels). Please resize it and try again."
                )
            if getattr(opened, "is_animated", False) and opened.format in ANIMATED_FORMATS:
                raise InvalidInput(
                    f"{label} is an animation ({opened.n_frames} frames); save the frame to check as PNG or JPEG."
                )
            opened.load()
            return to_rgb(ImageOps.exif_transpose(opened))
    except InvalidInput:
        raise
    except FileNotFoundError as err:
        raise InvalidInput(f"{label} was not found.") from err
    except (UnidentifiedImageError, ModuleNotFoundError) as err:
        raise InvalidInput(f"{label} is not an image we can read (use JPEG, PNG, TIFF, BMP or WebP).") from err
    except Image.DecompressionBombError as err:
        raise InvalidInput(
            f"{label} is larger than we can check ({MAX_PIXELS // 1_000_000} megapixels). Please resize it."
        ) from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise InvalidInput(f"{label} looks damaged or cut off ({_one_line(err)}). Please export it again.") from err
    except Exception as err:  # a malformed file can trip any decoder; it is the file's fault, not a bug of ours
        logger.warning("could not decode %s", label, exc_info=True)
        raise InvalidInput(f"{label} could not be decoded ({type(err).__name__}). Please export it again.") from err


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:200]


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB from any PIL mode; 16-bit and float images are stretched to their own range."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
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


def expand_upload(name: str, data: bytes | Path, workdir: Path) -> list[tuple[str, bytes | Path]]:
    """One upload as images: itself, or a zip's images unpacked under `workdir` (the caller removes it).

    Raises:
        InvalidInput: a zip that is unreadable, holds no images, or crosses a limit of `archives.ZipLimits`.
    """
    if not name.lower().endswith(".zip"):
        return [(name, data)]
    if isinstance(data, Path) and not data.is_file():
        raise InvalidInput(f"{name} was not found." if not data.exists() else f"{name} is a folder, not a zip file.")
    source = io.BytesIO(data) if isinstance(data, bytes) else Path(data)
    members = extract_zip(source, workdir, name=name, wanted=is_image_name)
    if not members:
        raise InvalidInput(f"{name} contains no images (JPEG, PNG, TIFF, BMP or WebP).")
    return [(f"{name}/{member}", path) for member, path in members]


def expand_uploads(items: Iterable[tuple[str, bytes | Path]], workdir: Path) -> Iterator[tuple[str, bytes | Path]]:
    """Images as (name, data or path), zips unpacked under `workdir`; a bad zip raises InvalidInput."""
    for number, (name, data) in enumerate(items):
        yield from expand_upload(name, data, workdir / f"{number:03d}")


def expand_paths(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """Files, folders (their images, sorted) and zips given on the command line.

    A path that does not exist is kept: checking it reports "was not found" and the others go on.
    """
    found: list[tuple[str, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += [(str(p), p) for p in sorted(path.rglob("*")) if p.is_file() and is_image_name(p.name)]
        else:
            found.append((str(path), path))
    if not found:
        raise InvalidInput("No images found in what was given.")
    return found
