"""What the page shows: images with boxes drawn, defect tables, defect rates over time."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from suite.inspect import queries
from suite.inspect import reviews as reviews_module
from suite.inspect.models import CLASSES, FAIL, Inspection
from suite.inspect.reviews import Reviews
from suite.store import Store

COLOURS = {"scratch": (230, 57, 70), "pit": (255, 183, 3), "crack": (131, 56, 236), "stain": (33, 158, 188)}
REVIEW_COLOUR = (200, 200, 200)
NOT_DEFECT_COLOUR = (120, 120, 120)
ADDED_COLOUR = (46, 160, 67)  # boxes staff drew around a defect the model missed
MIN_SHOWN = 512  # small photos are shown at least this large, so boxes and labels stay readable
# a font with Chinese glyphs first (fonts-noto-cjk: face 2 of the collection is Simplified Chinese), then Latin
_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
)

Label = Callable[[int, str, float | None, str | None], str]


def _default_label(number: int, class_name: str, confidence: float | None, state: str | None) -> str:
    """'1 scratch 87%' for a model box, '+1 pit' for one staff added (the page passes its own, translated)."""
    if confidence is None:
        return f"+{number} {class_name}"
    return f"{number} {class_name} {confidence:.0%}"


@cache
def _font_file() -> tuple[str, int] | None:
    return next(((path, face) for path, face in _FONTS if Path(path).is_file()), None)


def has_cjk_font() -> bool:
    """Whether labels drawn on photos can show Chinese (a CJK font is installed)."""
    found = _font_file()
    return found is not None and ("CJK" in found[0] or "wqy" in found[0])


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    found = _font_file()
    if found is not None:
        try:
            return ImageFont.truetype(found[0], size, index=found[1])
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def shown_scale(width: int, height: int, max_side: int = 900) -> float:
    """How much `draw_boxes` scales an image of this size (down to `max_side`, small ones up to `MIN_SHOWN`)."""
    longest = max(width, height, 1)
    if longest > max_side:
        return max_side / longest
    return max(1.0, MIN_SHOWN / longest)


def _ink(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black text on a light label, white on a dark one."""
    r, g, b = colour
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


def _label(
    draw: ImageDraw.ImageDraw,
    box: list[float],
    text: str,
    colour,
    size: tuple[int, int],
    font_px: int,
    taken: list[tuple[float, float, float, float]],
) -> None:
    """The label on a filled chip just above the box, moved inside the picture wherever the box touches an edge:
    below the box when there is no room above, shifted left when it would run off the right, smaller when it
    is wider than the picture, and clear of the labels already drawn (`taken`, which it joins)."""
    width, height = size
    px = font_px
    font = _font(px)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    while right - left + 8 > width and px > 8:
        px -= 1
        font = _font(px)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    text_w, text_h = right - left + 6, bottom - top + 4
    x1, y1, x2, y2 = box
    x = min(max(0.0, x1), max(0.0, width - text_w))
    # above the box, below it, then further up or down until it overlaps no other label
    tries = [y1 - text_h, y2] + [y1 - text_h * (k + 1) for k in range(1, 6)] + [y2 + text_h * k for k in range(1, 6)]
    fits = [y for y in tries if 0 <= y <= height - text_h]
    y = next(
        (y for y in fits if not any(_overlap((x, y, x + text_w, y + text_h), other) for other in taken)),
        fits[0] if fits else max(0.0, min(y1, height - text_h)),
    )
    taken.append((x, y, x + text_w, y + text_h))
    draw.rectangle([x, y, x + text_w, y + text_h], fill=colour)
    draw.text((x + 3 - left, y + 2 - top), text, fill=_ink(colour), font=font)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def draw_boxes(
    inspection: Inspection,
    max_side: int = 900,
    *,
    reviews: Reviews | None = None,
    label: Label | None = None,
) -> Image.Image:
    """The inspected image (scaled by `shown_scale`) with numbered, labelled boxes.

    Without `reviews`: the class colour for a defect, grey for an uncertain box. With them, each box shows its
    review: confirmed (thicker), a different type (that type's colour), not a defect (dark grey, thin), and the
    boxes staff added (green). `label(number, class, confidence, state)` words each box (confidence is None
    for an added box); labels are never cut off at the picture's edge.
    """
    with Image.open(inspection.image_path) as img:
        image = img.convert("RGB")
    scale = shown_scale(image.width, image.height, max_side)
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    draw = ImageDraw.Draw(image)
    font_px = max(13, image.width // 36)
    width = max(2, image.width // 200)
    label = label or _default_label
    taken: list[tuple[float, float, float, float]] = []
    for d in inspection.shown_defects():
        review = reviews.of(d.index) if reviews is not None else None
        state = review.state if review is not None else None
        shown_class = review.class_name if review is not None and review.class_name else d.class_name
        colour = COLOURS.get(shown_class, (255, 0, 0)) if d.status == FAIL or state else REVIEW_COLOUR
        line = width
        if state == reviews_module.CONFIRMED:
            line = width * 2
        elif state == reviews_module.NOT_DEFECT:
            colour, line = NOT_DEFECT_COLOUR, max(1, width // 2)
        x1, y1, x2, y2 = (v * scale for v in d.box)
        # tiny flaws on big photos: pad the drawn box so it is visible
        pad = max(0.0, (8 - min(x2 - x1, y2 - y1)) / 2)
        shown = [x1 - pad, y1 - pad, x2 + pad, y2 + pad]
        draw.rectangle(shown, outline=colour, width=line)
        _label(draw, shown, label(d.index + 1, shown_class, d.confidence, state), colour, image.size, font_px, taken)
    for number, added in enumerate(reviews.added if reviews is not None else [], start=1):
        if not added.box:
            continue
        shown = [v * scale for v in added.box]
        draw.rectangle(shown, outline=ADDED_COLOUR, width=width)
        _label(
            draw, shown, label(number, added.class_name, None, added.state), ADDED_COLOUR, image.size, font_px, taken
        )
    return image


def defect_table(inspection: Inspection) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "box": d.index + 1,
                "defect": d.class_name,
                "confidence": f"{d.confidence:.0%}",
                "size": d.size,
                "counts as": "defect" if d.status == FAIL else "needs a person",
            }
            for d in inspection.shown_defects()
        ],
        columns=["box", "defect", "confidence", "size", "counts as"],
    )


def defect_rates(store: Store, days: int = 90) -> pd.DataFrame:
    """Per day and defect class: images checked, images with that defect, and the rate."""
    rows = queries.results_since(store, days)
    if not rows:
        return pd.DataFrame(columns=["day", "defect", "images", "with_defect", "rate"])
    frame = pd.DataFrame(
        [{"day": row["day"], "found": {d["class_name"] for d in row["defects"] if d["status"] == FAIL}} for row in rows]
    )
    out = []
    for day, total in frame.groupby("day").size().items():
        day_found = frame[frame["day"] == day]["found"]
        for cls in CLASSES:
            hits = int(sum(cls in f for f in day_found))
            out.append({"day": day, "defect": cls, "images": int(total), "with_defect": hits, "rate": hits / total})
    return pd.DataFrame(out)
