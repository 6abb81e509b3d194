"""Box reviews (confirm / wrong class / not a defect) and missed-defect marks, stored as feedback.

Each value carries its full context (image path and size, the box, the class and confidence the model
gave) so the review queue can show it, and `retrain` can turn it into YOLO labels on its own.
"""

from __future__ import annotations

from suite.errors import InvalidInput
from suite.inspect.models import CLASSES, MODULE, Inspection
from suite.store import Store

MAX_NOTE = 2000  # characters of a missed-defect note
BOX_ACTIONS = {"confirm": "confirm", "wrong_class": "correction", "not_defect": "false_alarm"}


def _context(inspection: Inspection) -> dict:
    return {
        "result_id": inspection.result_id,
        "image_name": inspection.image_name,
        "image_path": inspection.image_path,
        "image_size": [inspection.width, inspection.height],
        "verdict": inspection.verdict,
        "model_version": inspection.model_version,
    }


def review_box(
    store: Store,
    inspection: Inspection,
    index: int,
    action: str,
    *,
    new_class: str | None = None,
    user: str | None = None,
) -> str:
    """Record a person's review of box `index`; returns the feedback id.

    `action`: "confirm" (a real defect of that class), "wrong_class" (a defect, but `new_class`),
    "not_defect" (a false alarm: becomes a negative example).
    """
    if isinstance(index, bool) or not isinstance(index, int):
        raise InvalidInput(f"Box {index!r} is not a box number.")
    if action not in BOX_ACTIONS:
        raise InvalidInput(f"Unknown review {action!r}; choose confirm, wrong_class or not_defect.")
    defect = next((d for d in inspection.defects if d.index == index), None)
    if defect is None:
        raise InvalidInput(f"Box {index} is not part of this inspection of {inspection.image_name}.")
    value = {
        **_context(inspection),
        "index": index,
        "box": defect.box,
        "class": defect.class_name,
        "confidence": round(defect.confidence, 4),
        "action": action,
    }
    if action == "wrong_class":
        if new_class not in CLASSES or new_class == defect.class_name:
            raise InvalidInput(
                f"Pick the right defect type (one of {', '.join(CLASSES)}) other than {defect.class_name}."
            )
        value["corrected_class"] = new_class
        value["summary"] = f"{inspection.image_name}: box marked {defect.class_name} is really a {new_class}"
    else:
        label = "confirmed" if action == "confirm" else "rejected (not a defect)"
        value["summary"] = f"{inspection.image_name}: {defect.class_name} box {label} ({defect.confidence:.0%} sure)"
    return store.log_feedback(
        module=MODULE, kind=BOX_ACTIONS[action], value=value, request_id=inspection.request_id, user=user
    )


def report_missed(
    store: Store,
    inspection: Inspection,
    class_name: str,
    *,
    box: list[float] | None = None,
    note: str = "",
    user: str | None = None,
) -> str:
    """Record a defect the model did not box, with its class and (where practical) its area in pixels."""
    if class_name not in CLASSES:
        raise InvalidInput(f"Pick the kind of defect that was missed (one of {', '.join(CLASSES)}).")
    if box is not None:
        try:
            x1, y1, x2, y2 = (float(v) for v in box)
        except (TypeError, ValueError) as err:
            raise InvalidInput("The marked area takes four numbers: left, top, right, bottom (pixels).") from err
        if not (0 <= x1 < x2 <= inspection.width and 0 <= y1 < y2 <= inspection.height):
            raise InvalidInput(
                f"The marked area must lie inside the image ({inspection.width} x {inspection.height} pixels) "
                "with left < right and top < bottom."
            )
        box = [x1, y1, x2, y2]
    value = {
        **_context(inspection),
        "class": class_name,
        "box": box,
        "note": str(note or "")[:MAX_NOTE],
        "summary": f"{inspection.image_name}: a {class_name} was missed" + (f" at {box}" if box else ""),
    }
    return store.log_feedback(module=MODULE, kind="missed", value=value, request_id=inspection.request_id, user=user)
