"""Product pictures for the recommendation cards, from local files only (nothing is fetched from the internet).

Where a card's picture comes from, first found wins:
1. the product's own image, when the caller has one: a data URL (`data:image/png;base64,...`) or a local file
   under SUITE_HOME (a path relative to `SUITE_HOME/recommend/pictures/` or absolute inside SUITE_HOME);
   web addresses (`http://...`) are never opened;
2. a picture staff put in `SUITE_HOME/recommend/pictures/<item_id>.png` (or .jpg/.jpeg/.webp);
3. the category's picture of the sample catalog (`sample_data/recommend/pictures/<category>.png`, made by
   `sample_data/recommend/pictures.py` with `draw_category`);
4. a placeholder drawn for the category (its name on a colour of its own), made once per process.

    picture = picture_for("P00012", "Outdoor", home=settings.home)
    picture.source     # 'category'
    picture.data       # PNG bytes for st.image
"""

from __future__ import annotations

import base64
import binascii
import colorsys
import hashlib
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SAMPLE_PICTURES = Path(__file__).resolve().parents[2] / "sample_data" / "recommend" / "pictures"
SIZE = (320, 200)  # width, height of a category picture
SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_BYTES = 2 * 1024 * 1024  # a product picture larger than this is not shown (cards are small)
_DATA_URL = re.compile(r"data:image/(png|jpeg|jpg|webp|gif);base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)
_CJK_FONTS = (  # a font with Chinese glyphs for placeholder names, where the system has one
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


@dataclass(frozen=True)
class Picture:
    """A card's picture: the image bytes and where they came from (product / folder / category / placeholder)."""

    data: bytes
    source: str


def slug(category: str) -> str:
    """A category's file name: 'Coffee & Tea' -> 'coffee-tea'."""
    words = re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")
    return words or "category-" + hashlib.sha1(category.encode()).hexdigest()[:8]


def picture_for(item_id: str, category: str | None, *, home: Path, image: str | None = None) -> Picture:
    """The picture of one card (see the module docstring for the order); always returns one."""
    if image and (own := _own_image(image.strip(), home)) is not None:
        return Picture(own, "product")
    folder = home / "recommend" / "pictures"
    for suffix in SUFFIXES:
        if (found := _readable(folder / f"{item_id}{suffix}", home)) is not None:
            return Picture(found, "folder")
    name = (category or "").strip()
    if name and (sample := _sample(slug(name))) is not None:
        return Picture(sample, "category")
    return Picture(placeholder(name), "placeholder")


def _own_image(image: str, home: Path) -> bytes | None:
    """A product's own image: a data URL, or a local file inside SUITE_HOME; None for anything else."""
    match = _DATA_URL.fullmatch(image)
    if match:
        try:
            data = base64.b64decode("".join(match.group(2).split()), validate=True)
        except (binascii.Error, ValueError):
            return None
        return data if len(data) <= MAX_BYTES and _is_image(data) else None
    if "://" in image or image.startswith("//"):
        return None  # a web address: never fetched at run time
    path = Path(image)
    return _readable(path if path.is_absolute() else home / "recommend" / "pictures" / path, home)


def _readable(path: Path, home: Path) -> bytes | None:
    """The bytes of an image file inside SUITE_HOME (no other folder is read), or None."""
    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(home.resolve()) or resolved.suffix.lower() not in (*SUFFIXES, ".gif"):
            return None
        if not resolved.is_file() or resolved.stat().st_size > MAX_BYTES:
            return None
        data = resolved.read_bytes()
    except OSError:
        return None
    return data if _is_image(data) else None


def _is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.verify()
    except Exception:  # Pillow raises many kinds for a file that is not an image
        return False
    return True


@lru_cache(maxsize=64)
def _sample(name: str) -> bytes | None:
    path = SAMPLE_PICTURES / f"{name}.png"
    return path.read_bytes() if path.is_file() else None


@lru_cache(maxsize=256)
def placeholder(category: str) -> bytes:
    """A picture for a category the sample catalog does not have: its name on a colour of its own (PNG)."""
    return to_png(draw_category(category, icon=None))


def to_png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


# -- drawing -------------------------------------------------------------------------------------------
def colours(category: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(background, foreground) of a category: a soft colour from the name's hash, and a deep one of its hue."""
    hue = int(hashlib.sha1(category.encode("utf-8")).hexdigest()[:4], 16) / 0xFFFF
    soft = colorsys.hls_to_rgb(hue, 0.90, 0.55)
    deep = colorsys.hls_to_rgb(hue, 0.32, 0.55)
    return tuple(round(c * 255) for c in soft), tuple(round(c * 255) for c in deep)  # type: ignore[return-value]


def _font(size: int, text: str) -> ImageFont.FreeTypeFont | ImageFont.ImageFont | None:
    if text.isascii():
        return ImageFont.load_default(size=size)  # Pillow's own font: the same picture on every machine
    for path in _CJK_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size=size)
    return None  # no font with these letters: the picture goes without its name


def draw_category(category: str, icon: str | None) -> Image.Image:
    """A flat picture: a soft background, a simple drawn icon (one of `ICONS`, else a tag), the name below."""
    background, ink = colours(category)
    picture = Image.new("RGB", SIZE, background)
    pen = ImageDraw.Draw(picture)
    width, height = SIZE
    ICONS.get(icon or "", _tag)(pen, (width / 2, height * 0.40), height * 0.26, ink, background)
    name = category.strip() or "Product"
    size = 24
    font = _font(size, name)
    while font is not None and size > 12 and pen.textlength(name, font=font) > width - 24:
        size -= 2
        font = _font(size, name)
    if font is not None:
        pen.text((width / 2, height * 0.84), name, fill=ink, font=font, anchor="mm")
    return picture


Point = tuple[float, float]
Colour = tuple[int, int, int]


def _tag(pen: ImageDraw.ImageDraw, c: Point, r: float, ink: Colour, bg: Colour) -> None:
    x, y = c
    pen.polygon([(x - r, y - r * 0.6), (x + r * 0.4, y - r * 0.6), (x + r, y), (x + r * 0.4, y + r * 0.6),
                 (x - r, y + r * 0.6)], fill=ink)  # fmt: skip
    pen.ellipse([x + r * 0.25, y - r * 0.12, x + r * 0.49, y + r * 0.12], fill=bg)


def _tent(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.polygon([(x - r * 1.2, y + r * 0.8), (x, y - r * 0.9), (x + r * 1.2, y + r * 0.8)], fill=ink)
    pen.polygon([(x - r * 0.3, y + r * 0.8), (x, y + r * 0.05), (x + r * 0.3, y + r * 0.8)], fill=bg)
    pen.ellipse([x + r * 0.9, y - r * 1.0, x + r * 1.3, y - r * 0.6], fill=ink)


def _shoe(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.polygon([(x - r * 1.1, y + r * 0.5), (x - r * 1.0, y - r * 0.5), (x - r * 0.4, y - r * 0.5),
                 (x + r * 0.2, y), (x + r * 1.1, y + r * 0.2), (x + r * 1.2, y + r * 0.5)], fill=ink)  # fmt: skip
    pen.rectangle([x - r * 1.15, y + r * 0.5, x + r * 1.25, y + r * 0.75], fill=ink)
    for k in range(3):
        pen.line([(x - r * 0.55 + k * r * 0.22, y - r * 0.35), (x - r * 0.35 + k * r * 0.22, y - r * 0.15)],
                 fill=bg, width=3)  # fmt: skip


def _pot(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.rounded_rectangle([x - r * 0.9, y - r * 0.3, x + r * 0.9, y + r * 0.8], radius=r * 0.2, fill=ink)
    pen.rectangle([x - r * 1.05, y - r * 0.5, x + r * 1.05, y - r * 0.32], fill=ink)
    pen.rectangle([x - r * 1.35, y - r * 0.15, x - r * 0.9, y + r * 0.05], fill=ink)
    pen.rectangle([x + r * 0.9, y - r * 0.15, x + r * 1.35, y + r * 0.05], fill=ink)
    pen.ellipse([x - r * 0.15, y - r * 0.8, x + r * 0.15, y - r * 0.5], fill=ink)


def _cup(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.rounded_rectangle([x - r * 0.8, y - r * 0.3, x + r * 0.5, y + r * 0.8], radius=r * 0.25, fill=ink)
    pen.ellipse([x + r * 0.25, y - r * 0.1, x + r * 1.0, y + r * 0.55], outline=ink, width=max(3, round(r * 0.14)))
    for k in (-0.5, -0.15, 0.2):
        pen.arc([x + k * r - r * 0.15, y - r * 1.0, x + k * r + r * 0.15, y - r * 0.45], 90, 270, fill=ink, width=3)


def _book(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.rounded_rectangle([x - r * 1.1, y - r * 0.8, x + r * 1.1, y + r * 0.8], radius=r * 0.1, fill=ink)
    pen.line([(x, y - r * 0.8), (x, y + r * 0.8)], fill=bg, width=max(2, round(r * 0.08)))
    for k in range(3):
        yy = y - r * 0.4 + k * r * 0.35
        pen.line([(x - r * 0.85, yy), (x - r * 0.2, yy)], fill=bg, width=2)
        pen.line([(x + r * 0.2, yy), (x + r * 0.85, yy)], fill=bg, width=2)


def _laptop(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.rounded_rectangle([x - r * 0.95, y - r * 0.8, x + r * 0.95, y + r * 0.4], radius=r * 0.1, fill=ink)
    pen.rectangle([x - r * 0.8, y - r * 0.65, x + r * 0.8, y + r * 0.25], fill=bg)
    pen.polygon([(x - r * 1.3, y + r * 0.8), (x - r * 1.0, y + r * 0.45), (x + r * 1.0, y + r * 0.45),
                 (x + r * 1.3, y + r * 0.8)], fill=ink)  # fmt: skip


def _lamp(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.polygon([(x - r * 0.4, y - r * 0.9), (x + r * 0.4, y - r * 0.9), (x + r * 0.8, y - r * 0.1),
                 (x - r * 0.8, y - r * 0.1)], fill=ink)  # fmt: skip
    pen.rectangle([x - r * 0.07, y - r * 0.1, x + r * 0.07, y + r * 0.65], fill=ink)
    pen.rounded_rectangle([x - r * 0.55, y + r * 0.65, x + r * 0.55, y + r * 0.85], radius=r * 0.08, fill=ink)


def _bottle(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.rounded_rectangle([x - r * 0.45, y - r * 0.3, x + r * 0.45, y + r * 0.85], radius=r * 0.15, fill=ink)
    pen.rectangle([x - r * 0.2, y - r * 0.65, x + r * 0.2, y - r * 0.3], fill=ink)
    pen.rounded_rectangle([x - r * 0.3, y - r * 0.95, x + r * 0.3, y - r * 0.65], radius=r * 0.06, fill=ink)
    pen.rectangle([x - r * 0.3, y + r * 0.05, x + r * 0.3, y + r * 0.45], fill=bg)


def _paw(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.ellipse([x - r * 0.55, y - r * 0.05, x + r * 0.55, y + r * 0.85], fill=ink)
    for dx, dy in ((-0.85, -0.2), (-0.35, -0.75), (0.35, -0.75), (0.85, -0.2)):
        pen.ellipse([x + (dx - 0.25) * r, y + (dy - 0.28) * r, x + (dx + 0.25) * r, y + (dy + 0.28) * r], fill=ink)


def _blocks(pen, c, r, ink, bg) -> None:
    x, y = c
    s = r * 0.8
    for bx, by in ((-1.0, 0.0), (0.0, 0.0), (-0.5, -1.0)):
        left, top = x + bx * s, y + by * s - s * 0.2
        pen.rounded_rectangle([left, top, left + s * 0.92, top + s * 0.92], radius=s * 0.1, fill=ink)
        pen.ellipse([left + s * 0.3, top + s * 0.3, left + s * 0.62, top + s * 0.62], fill=bg)


def _flower(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.line([(x, y), (x, y + r * 0.95)], fill=ink, width=max(3, round(r * 0.12)))
    pen.ellipse([x, y + r * 0.35, x + r * 0.6, y + r * 0.65], fill=ink)
    for k in range(6):
        a = k * math.pi / 3
        px, py = x + math.cos(a) * r * 0.45, y - r * 0.25 + math.sin(a) * r * 0.45
        pen.ellipse([px - r * 0.28, py - r * 0.28, px + r * 0.28, py + r * 0.28], fill=ink)
    pen.ellipse([x - r * 0.22, y - r * 0.47, x + r * 0.22, y - r * 0.03], fill=bg)


def _dumbbell(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.rectangle([x - r * 0.9, y - r * 0.1, x + r * 0.9, y + r * 0.1], fill=ink)
    for side in (-1, 1):
        pen.rounded_rectangle(sorted_box(x + side * r * 0.7, y - r * 0.6, x + side * r * 0.95, y + r * 0.6), 4, ink)
        pen.rounded_rectangle(sorted_box(x + side * r * 1.0, y - r * 0.4, x + side * r * 1.2, y + r * 0.4), 4, ink)


def sorted_box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


def _rattle(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.ellipse([x - r * 0.7, y - r * 0.95, x + r * 0.5, y + r * 0.25], fill=ink)
    pen.ellipse([x - r * 0.35, y - r * 0.6, x + r * 0.15, y - r * 0.1], fill=bg)
    pen.line([(x + r * 0.2, y + r * 0.1), (x + r * 0.85, y + r * 0.75)], fill=ink, width=max(4, round(r * 0.18)))
    pen.ellipse([x + r * 0.7, y + r * 0.6, x + r * 1.05, y + r * 0.95], fill=ink)


def _pencil(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.polygon([(x - r * 1.1, y + r * 0.2), (x + r * 0.7, y + r * 0.2), (x + r * 1.2, y - r * 0.05),
                 (x + r * 0.7, y - r * 0.3), (x - r * 1.1, y - r * 0.3)], fill=ink)  # fmt: skip
    pen.line([(x + r * 0.7, y + r * 0.2), (x + r * 0.7, y - r * 0.3)], fill=bg, width=2)
    pen.rectangle([x - r * 1.1, y + r * 0.5, x + r * 0.2, y + r * 0.62], fill=ink)
    pen.rectangle([x - r * 1.1, y + r * 0.75, x - r * 0.2, y + r * 0.87], fill=ink)


def _basket(pen, c, r, ink, bg) -> None:
    x, y = c
    pen.arc([x - r * 0.7, y - r * 1.0, x + r * 0.7, y + r * 0.3], 180, 360, fill=ink, width=max(3, round(r * 0.13)))
    pen.polygon([(x - r * 1.15, y - r * 0.3), (x + r * 1.15, y - r * 0.3), (x + r * 0.85, y + r * 0.85),
                 (x - r * 0.85, y + r * 0.85)], fill=ink)  # fmt: skip
    for k in (-0.45, 0.0, 0.45):
        pen.line([(x + k * r, y - r * 0.1), (x + k * r * 0.85, y + r * 0.65)], fill=bg, width=3)


ICONS = {
    "tent": _tent,
    "shoe": _shoe,
    "pot": _pot,
    "cup": _cup,
    "book": _book,
    "laptop": _laptop,
    "lamp": _lamp,
    "bottle": _bottle,
    "paw": _paw,
    "blocks": _blocks,
    "flower": _flower,
    "dumbbell": _dumbbell,
    "rattle": _rattle,
    "pencil": _pencil,
    "basket": _basket,
}
