"""Bad and unusual image files: each one opens upright as 8-bit RGB, or fails with a clear message."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from suite.errors import InvalidInput
from suite.inspect.images import expand_uploads, load_image


def _bytes(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_not_an_image_is_refused_clearly():
    with pytest.raises(InvalidInput, match="not an image"):
        load_image(b"%PDF-1.4 definitely not a picture", "report.pdf")


def test_truncated_jpeg_is_refused_clearly():
    data = _bytes(Image.new("RGB", (200, 200), (90, 90, 90)), "JPEG")
    with pytest.raises(InvalidInput, match="damaged or cut off"):
        load_image(data[: len(data) // 2], "cut.jpg")


def test_png_with_alpha_is_flattened_on_white():
    rgba = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    image = load_image(_bytes(rgba, "PNG"), "alpha.png")
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)


def test_16_bit_tiff_is_scaled_to_8_bit():
    array = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    image = load_image(_bytes(Image.fromarray(array), "TIFF"), "deep.tif")
    pixels = np.asarray(image)
    assert image.mode == "RGB" and pixels.min() == 0 and pixels.max() == 255


@pytest.mark.parametrize("mode", ["L", "CMYK", "P"])
def test_grayscale_cmyk_and_palette_become_rgb(mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    image = load_image(_bytes(Image.new(mode, (20, 10)), fmt), f"x.{fmt.lower()}")
    assert image.mode == "RGB" and image.size == (20, 10)


def test_exif_rotated_photo_is_turned_upright():
    stored = Image.new("RGB", (300, 200), (128, 128, 128))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": the phone stored it sideways
    image = load_image(_bytes(stored, "JPEG", exif=exif), "phone.jpg")
    assert image.size == (200, 300)


def test_empty_and_imageless_zips_are_refused(tmp_path):
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(InvalidInput, match="contains no images"):
        list(expand_uploads([("empty.zip", empty.getvalue())], tmp_path))
    with pytest.raises(InvalidInput, match="not a readable zip"):
        list(expand_uploads([("broken.zip", b"PK\x03\x04 nope")], tmp_path))


def test_zip_of_images_is_expanded(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("parts/a.png", _bytes(Image.new("RGB", (8, 8)), "PNG"))
        archive.writestr("parts/notes.txt", "not an image")
    items = list(expand_uploads([("batch.zip", buffer.getvalue())], tmp_path))
    assert [name for name, _ in items] == ["batch.zip/parts/a.png"]
    assert items[0][1].is_relative_to(tmp_path) and load_image(items[0][1]).size == (8, 8)  # unpacked on disk
