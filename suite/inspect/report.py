"""What the page shows: images with boxes drawn, defect tables, defect rates over time."""

from __future__ import annotations

import json

import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from suite.inspect.inspection import Inspection
from suite.inspect.models import MODULE
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
        colour = COLOURS.get(d.class_name, (255, 0, 0)) if d.status == "FAIL" else REVIEW_COLOUR
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
                "counts as": "defect" if d.status == "FAIL" else "needs a person",
            }
            for d in inspection.shown_defects()
        ],
        columns=["box", "defect", "confidence", "size", "counts as"],
    )


def defect_rates(store: Store, days: int = 90) -> pd.DataFrame:
    """Per day and defect class: images checked, images with that defect, and the rate."""
    store.flush(wait_s=1.0)
    rows = store.query(
        """SELECT CAST(ts AS DATE) AS day, verdict, defects FROM inspect_results
           WHERE ts >= now() - to_days(CAST(? AS INTEGER)) ORDER BY ts""",
        [days],
    )
    if not rows:
        return pd.DataFrame(columns=["day", "defect", "images", "with_defect", "rate"])
    records = []
    for row in rows:
        found = {d["class_name"] for d in json.loads(row["defects"] or "[]") if d["status"] == "FAIL"}
        records.append({"day": row["day"], "found": found})
    frame = pd.DataFrame(records)
    totals = frame.groupby("day").size()
    out = []
    from suite.inspect.models import CLASSES

    for day, total in totals.items():
        day_found = frame[frame["day"] == day]["found"]
        for cls in CLASSES:
            hits = int(sum(cls in f for f in day_found))
            out.append({"day": day, "defect": cls, "images": int(total), "with_defect": hits, "rate": hits / total})
    return pd.DataFrame(out)


def verdict_counts(store: Store) -> dict[str, int]:
    store.flush(wait_s=1.0)
    rows = store.query("SELECT verdict, count(*) AS n FROM inspect_results GROUP BY verdict")
    return {r["verdict"]: int(r["n"]) for r in rows}


def training_runs(store: Store, limit: int = 10) -> list[dict]:
    store.flush(wait_s=1.0)
    return store.query(
        "SELECT run_id, started_at, finished_at, state, epochs, version, error FROM inspect_training_runs "
        "ORDER BY started_at DESC LIMIT ?",
        [limit],
    )


def recent_feedback(store: Store, limit: int = 20) -> list[dict]:
    store.flush(wait_s=1.0)
    return store.query(
        "SELECT ts, kind, value, review_state FROM feedback WHERE module = ? ORDER BY ts DESC LIMIT ?",
        [MODULE, limit],
    )
