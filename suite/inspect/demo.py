"""The demo: inspect a few sample images and log sample box reviews (once: a second call changes nothing)."""

from __future__ import annotations

from pathlib import Path

from suite.inspect import queries
from suite.inspect.feedback import report_missed, review_box
from suite.inspect.model_files import SAMPLE_SET
from suite.inspect.models import CLASSES, MODULE, Inspection
from suite.inspect.service import inspect_image
from suite.modules import DemoReport
from suite.progress import Progress, no_progress
from suite.store import Store

DEMO_IMAGES = ("test_000.jpg", "test_001.jpg", "test_002.jpg", "test_003.jpg", "test_004.jpg", "test_005.jpg")


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    done = queries.demo_inspections(store)
    if done:
        return DemoReport(MODULE, {"images": done, "reviews": 0}, "already loaded")
    folder = SAMPLE_SET / "images" / "test"
    names = [name for name in DEMO_IMAGES if (folder / name).exists()]
    results = []
    for number, name in enumerate(names):
        progress(number, len(names), name)
        results.append(inspect_image(store, folder / name, user="demo"))
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
    progress(len(names), len(names), "done")
    verdicts = [r.verdict for r in results]
    mix = ", ".join(f"{verdicts.count(v)} {v}" for v in sorted(set(verdicts)))
    return DemoReport(MODULE, {"images": len(results), "reviews": reviews}, mix)


def _first_miss(folder: Path, result: Inspection) -> tuple[str, list[float]] | None:
    from pipelines.boxes import iou

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
        if not any(d.class_name == name and iou(d.box, box) >= 0.3 for d in result.shown_defects()):
            return name, [round(v, 1) for v in box]
    return None
