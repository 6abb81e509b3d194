"""What people said about each box of an inspection, read back from the feedback: the state the page shows.

A box's state is its latest review (confirmed / a different defect type / not a defect); a defect the model
missed and staff marked is a box of its own ("added by staff"). Reading the states from the store (not from
the browser session) keeps them after a rerun, a reload or on another person's screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from suite.inspect import queries
from suite.inspect.models import CLASSES, Inspection
from suite.store import Store

CONFIRMED, OTHER_TYPE, NOT_DEFECT, ADDED = "confirmed", "other_type", "not_defect", "added"
STATE_OF_ACTION = {"confirm": CONFIRMED, "wrong_class": OTHER_TYPE, "not_defect": NOT_DEFECT}
MIN_SIDE = 2.0  # pixels: a drawn "box" smaller than this is a stray click, not an area


@dataclass(frozen=True)
class BoxReview:
    """One box's review: `class_name` is the class it has now (the corrected one for OTHER_TYPE)."""

    state: str
    class_name: str
    box: list[float] | None = None
    index: int | None = None  # the model's box number; None for a box staff added
    user: str | None = None
    ts: datetime | None = None


@dataclass(frozen=True)
class Reviews:
    """The latest review of each model box (by box number) and the defects staff added, oldest first."""

    boxes: dict[int, BoxReview] = field(default_factory=dict)
    added: list[BoxReview] = field(default_factory=list)

    def of(self, index: int) -> BoxReview | None:
        return self.boxes.get(index)

    @property
    def count(self) -> int:
        return len(self.boxes) + len(self.added)


def _box_index(inspection: Inspection, value: dict[str, Any]) -> int | None:
    """The box a review names: its `index` (recorded since boxes had states), else the box with its coordinates."""
    index = value.get("index")
    if isinstance(index, int) and not isinstance(index, bool):
        return index
    box = value.get("box")
    return next((d.index for d in inspection.defects if box is not None and list(d.box) == list(box)), None)


def box_reviews(store: Store, inspection: Inspection) -> Reviews:
    """Every box's current review state for `inspection`, from its feedback in the store."""
    reviews = Reviews()
    for row in queries.result_feedback(store, inspection.result_id):
        value = row["value"]
        if row["kind"] == "missed":
            box = value.get("box")
            reviews.added.append(
                BoxReview(ADDED, str(value.get("class", "")), list(box) if box else None, None, row["user"], row["ts"])
            )
            continue
        state = STATE_OF_ACTION.get(value.get("action", ""))
        index = _box_index(inspection, value)
        if state is None or index is None:
            continue
        name = value.get("corrected_class") if state == OTHER_TYPE else value.get("class")
        reviews.boxes[index] = BoxReview(state, str(name or ""), value.get("box"), index, row["user"], row["ts"])
    return reviews


def drawn_boxes(objects: list[dict[str, Any]] | None, *, scale: float, width: int, height: int) -> list[list[float]]:
    """Boxes drawn on a picture shown at `scale` times the image's size, as [left, top, right, bottom] image pixels.

    `objects` are the drawing's boxes (`left`, `top`, `width`, `height` in the shown picture's pixels, as the
    drawing component gives them). Each is clipped to the image (a drag may end outside it); a box smaller than
    `MIN_SIDE` pixels once clipped is a stray click and left out.
    """
    if scale <= 0:
        return []
    boxes = []
    for obj in objects or []:
        try:
            left, top = float(obj["left"]) / scale, float(obj["top"]) / scale
            right, bottom = left + float(obj["width"]) / scale, top + float(obj["height"]) / scale
        except (KeyError, TypeError, ValueError):
            continue
        left, right = sorted((left, right))
        top, bottom = sorted((top, bottom))
        x1, y1 = max(0.0, left), max(0.0, top)
        x2, y2 = min(float(width), right), min(float(height), bottom)
        if x2 - x1 >= MIN_SIDE and y2 - y1 >= MIN_SIDE:
            boxes.append([round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)])
    return boxes


def other_classes(class_name: str) -> list[str]:
    """The defect types a box of `class_name` can be changed to."""
    return [c for c in CLASSES if c != class_name]
