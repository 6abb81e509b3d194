"""Visual defect inspection: YOLO boxes, PASS/FAIL/REVIEW verdicts, box reviews that become training data.

Hooks for the suite (heavy imports stay inside the functions).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from suite.progress import Progress, no_progress

DEMO_IMAGES = ("test_000.jpg", "test_001.jpg", "test_002.jpg", "test_003.jpg", "test_004.jpg", "test_005.jpg")


def prepare(settings, progress: Progress = no_progress) -> None:
    """Rebuild the default model from the sample set if neither the committed nor a rebuilt copy exists."""
    from suite.inspect.models import build_default_model, default_weights

    if not default_weights(settings).exists():
        build_default_model(settings, progress=progress)


def model_status(settings) -> list[dict[str, Any]]:
    from suite.errors import ModelUnavailable
    from suite.inspect.models import current_model, default_weights

    try:
        weights, version = current_model(settings)
    except ModelUnavailable:
        weights, version = default_weights(settings), None
    return [{"model": "YOLOv8n defect detector", "version": version, "path": str(weights), "on_disk": weights.exists()}]


def load_demo(store) -> dict[str, Any]:
    """Inspect a few sample images and log sample box reviews (once: a second call changes nothing)."""
    from suite.inspect.feedback import report_missed, review_box
    from suite.inspect.inspection import inspect_image
    from suite.inspect.models import SAMPLE_SET

    store.flush(wait_s=2.0)
    done = store.scalar("SELECT count(*) FROM inspect_results WHERE \"user\" = 'demo'")
    if done:
        return {"images": int(done), "reviews": 0, "note": "already loaded"}
    folder = Path(SAMPLE_SET) / "images" / "test"
    results = [inspect_image(store, folder / name, user="demo") for name in DEMO_IMAGES if (folder / name).exists()]
    reviews = 0
    for result in results:
        shown = result.shown_defects()
        if shown:
            review_box(store, result, shown[0].index, "confirm", user="demo")
            reviews += 1
        if len(shown) > 1:
            review_box(store, result, shown[-1].index, "not_defect", user="demo")
            reviews += 1
    for result in results:  # a real miss from the sample labels, so the queue shows what one looks like
        missed = _first_miss(folder, result)
        if missed is not None:
            report_missed(store, result, missed[0], box=missed[1], note="demo: from the sample labels", user="demo")
            reviews += 1
            break
    verdicts = [r.verdict for r in results]
    return {"images": len(results), "reviews": reviews, "verdicts": {v: verdicts.count(v) for v in set(verdicts)}}


def retrain(store, *, output_dir: Path, progress: Progress = no_progress):
    """Challenger from accepted box reviews plus the base set (see suite.inspect.retrain)."""
    from suite.inspect.retrain import retrain as _retrain

    return _retrain(store, output_dir=output_dir, progress=progress)


def _first_miss(folder: Path, result) -> tuple[str, list[float]] | None:
    from suite.inspect.models import CLASSES
    from suite.inspect.training import _iou

    label = folder.parent.parent / "labels" / "test" / (Path(result.image_name).stem + ".txt")
    if not label.exists():
        return None
    for line in label.read_text().split("\n"):
        if not line.strip():
            continue
        cls, x, y, w, h = (float(v) for v in line.split())
        W, H = result.width, result.height
        box = [(x - w / 2) * W, (y - h / 2) * H, (x + w / 2) * W, (y + h / 2) * H]
        name = CLASSES[int(cls)]
        if not any(d.class_name == name and _iou(d.box, box) >= 0.3 for d in result.shown_defects()):
            return name, [round(v, 1) for v in box]
    return None
