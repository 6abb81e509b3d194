"""What the page shows: images with boxes drawn, defect tables, defect rates over time."""

from __future__ import annotations

import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from suite.inspect import queries
from suite.inspect.models import CLASSES, FAIL, Inspection
from suite.store import Store

COLOURS = {"scratch": (230, 57, 70), "pit": (255, 183, 3), "crack": (131, 56, 236), "stain": (33, 158, 188)}
REVIEW_COLOUR = (200, 200, 200)


def draw_boxes(inspection: Inspection, max_side: int = 900) -> Image.Image:
    """The inspected image, scaled to at most `max_side`, with numbered boxes (dashed-looking grey = uncertain)."""
    with Image.open(inspection.image_path) as img:
        image = img.convert("RGB")
    scale = min(1.0, max_side / max(image.size))
    if scale < 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(12, image.width // 40))
    width = max(2, image.width // 200)
    for d in inspection.shown_defects():
        x1, y1, x2, y2 = (v * scale for v in d.box)
        # tiny flaws on big photos: pad the drawn box so it is visible
        pad = max(0.0, (8 - min(x2 - x1, y2 - y1)) / 2)
        colour = COLOURS.get(d.class_name, (255, 0, 0)) if d.status == FAIL else REVIEW_COLOUR
        draw.rectangle([x1 - pad, y1 - pad, x2 + pad, y2 + pad], outline=colour, width=width)
        draw.text(
            (x1, max(0, y1 - font.size - 2)), f"{d.index + 1} {d.class_name} {d.confidence:.0%}", fill=colour, font=font
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
