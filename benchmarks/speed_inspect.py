"""Inspection speed (issue 17): a 3000x2000 photo with tiles, one 640 px image per call, and the served model's
mAP50 on the frozen test split measured in the same run through the same `detect` call.

Run: .venv/bin/python benchmarks/speed_inspect.py --tree PATH [--quick] [--json] [--profile FILE]

Measures the code in PATH (see benchmarks/speedkit.py). Only functions that exist in today's main too are
used: `suite.inspect.prepare` (as `suite prepare` runs it, into the scratch SUITE_HOME),
`suite.inspect.service.serving_detector`, `Detector.detect` / `DetectOptions`, `pipelines.boxes.iou` and the
tree's `sample_data/inspect/generate.py`.

mAP50 here: every test image through `detect` (confidence floor 0.001), greedy matching by confidence at
IoU >= 0.5 per class, all-point interpolated AP, mean over classes (the same code for both trees; Ultralytics'
validator scores `.pt` files only). Tiled recall: pits and short scratches of the generated 3000x2000 photos
found at IoU > 0.2 and confidence >= 0.25 (as benchmarks/inspection.py). `--quick`: one photo, few calls.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from speedkit import Rows, emit, profiled, setup

ARGS = setup("inspect", __doc__) if __name__ == "__main__" else None
if ARGS is not None:
    sys.path.insert(0, str(ARGS.tree / "sample_data" / "inspect"))

import numpy as np  # noqa: E402


def average_precision(scored: list[tuple[float, bool]], positives: int) -> float:
    """All-point interpolated AP of (confidence, is true positive) pairs against `positives` ground truths."""
    if positives == 0:
        return float("nan")
    if not scored:
        return 0.0
    scored = sorted(scored, key=lambda s: -s[0])
    hits = np.cumsum([tp for _, tp in scored])
    precision = hits / np.arange(1, len(scored) + 1)
    recall = hits / positives
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(steps * envelope))


def map50(detector, sample_set: Path, options) -> tuple[float, int]:
    """mAP50 over the classes of the test split, and the number of ground-truth boxes."""
    from PIL import Image

    from pipelines.boxes import iou

    scored: dict[int, list[tuple[float, bool]]] = {}
    positives: dict[int, int] = {}
    for path in sorted((sample_set / "images" / "test").glob("*.jpg")):
        image = Image.open(path).convert("RGB")
        w, h = image.size
        truth = []
        for line in (sample_set / "labels" / "test" / f"{path.stem}.txt").read_text().split("\n"):
            if line.strip():
                c, cx, cy, bw, bh = (float(v) for v in line.split())
                truth.append((int(c), ((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)))
                positives[int(c)] = positives.get(int(c), 0) + 1
        used = [False] * len(truth)
        for d in sorted(detector.detect(image, options).detections, key=lambda d: -d.confidence):
            best, best_iou = -1, 0.5
            for k, (c, box) in enumerate(truth):
                overlap = iou(d.box, box)
                if c == d.class_id and not used[k] and overlap >= best_iou:
                    best, best_iou = k, overlap
            if best >= 0:
                used[best] = True
            scored.setdefault(d.class_id, []).append((d.confidence, best >= 0))
    aps = [average_precision(scored.get(c, []), n) for c, n in positives.items()]
    return float(np.mean(aps)), sum(positives.values())


def main(args) -> Rows:
    from generate import large_image
    from PIL import Image

    from pipelines.boxes import iou
    from pipelines.detector import DetectOptions
    from suite.inspect import prepare
    from suite.inspect.model_files import SAMPLE_SET
    from suite.inspect.service import serving_detector
    from suite.settings import Settings

    settings = Settings.from_env(home=args.home)
    started = time.perf_counter()
    prepare(settings)
    prepare_s = time.perf_counter() - started
    detector = serving_detector(settings)
    runtime = str(getattr(detector, "runtime", "torch"))

    score, boxes = map50(detector, SAMPLE_SET, DetectOptions(min_confidence=0.001))
    accuracy = {"map50": round(score, 4), "test boxes": boxes, "runtime": runtime}

    photos = [large_image(seed=500 + seed, size=(3000, 2000), n_defects=12) for seed in range(1 if args.quick else 5)]
    detector.detect(photos[0][0])  # warm-up (first call of a shape)
    seconds, found, total, tiles = [], 0, 0, 0
    for image, truth in photos:
        for _ in range(2 if args.quick else 3):
            started = time.perf_counter()
            result = detector.detect(image)
            seconds.append(time.perf_counter() - started)
        tiles = result.tiles
        found += sum(any(iou(d.box, t[1:]) > 0.2 and d.confidence >= 0.25 for d in result.detections) for t in truth)
        total += len(truth)
    with profiled(args.profile):
        detector.detect(photos[0][0])
    tiled = {"recall small flaws": round(found / max(total, 1), 4), "flaws": total, "tiles": tiles, **accuracy}

    test_images = sorted((SAMPLE_SET / "images" / "test").glob("*.jpg"))[: 5 if args.quick else 40]
    views = [Image.open(p).convert("RGB").resize((640, 640), Image.BILINEAR) for p in test_images]
    detector.detect(views[0])
    rounds = 1 if args.quick else 3
    started = time.perf_counter()
    for _ in range(rounds):
        for view in views:
            detector.detect(view)
    per_second = rounds * len(views) / (time.perf_counter() - started)

    rows = Rows("inspect")
    rows.add("prepare (export the model)", prepare_s, "s")
    rows.add("inspection, 3000x2000 photo with tiles, mean", float(np.mean(seconds)), "s", tiled, ("<=", 0.6))
    rows.add("inspection, 3000x2000 photo with tiles, p95", float(np.percentile(seconds, 95)), "s")
    rows.add("inspection, one 640 px image per call", per_second, "images/s", accuracy, (">=", 20))
    rows.add("mAP50 on the frozen test split (the served model)", score, "ratio", accuracy)
    return rows


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    emit(main(ARGS), ARGS.json)
