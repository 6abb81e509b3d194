"""Box geometry shared by detection, training and tests: one definition of overlap.

Boxes are (x1, y1, x2, y2) in pixels, any sequence of four numbers.

Example:
    >>> iou([0, 0, 10, 10], [5, 0, 15, 10])
    0.3333333333333333
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Box = Sequence[float]


def area(box: Box) -> float:
    return max(0.0, float(box[2]) - float(box[0])) * max(0.0, float(box[3]) - float(box[1]))


def intersection(a: Box, b: Box) -> float:
    """The area two boxes share."""
    ix = max(0.0, min(float(a[2]), float(b[2])) - max(float(a[0]), float(b[0])))
    iy = max(0.0, min(float(a[3]), float(b[3])) - max(float(a[1]), float(b[1])))
    return ix * iy


def iou(a: Box, b: Box) -> float:
    """Intersection over union: 0 for disjoint boxes (or empty ones), 1 for the same box."""
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def inside_fraction(a: Box, b: Box) -> float:
    """How much of box `a` lies inside box `b` (a fragment cut off a larger box scores near 1)."""
    return intersection(a, b) / max(area(a), 1e-6)


def merge_boxes(rows: np.ndarray, iou: float) -> np.ndarray:
    """Class-wise NMS over rows of (x1, y1, x2, y2, confidence, class), then drop boxes mostly inside a
    higher-scoring box of the same class (a flaw cut by a tile edge leaves a fragment that plain IoU misses)."""
    if len(rows) == 0:
        return rows
    import torch
    from torchvision.ops import batched_nms

    tensor = torch.from_numpy(rows.astype(np.float32))
    keep = batched_nms(tensor[:, :4], tensor[:, 4], tensor[:, 5].long(), iou)
    kept: list[np.ndarray] = []
    for row in rows[keep.numpy()]:  # already sorted by score
        if not any(other[5] == row[5] and inside_fraction(row[:4], other[:4]) > 0.6 for other in kept):
            kept.append(row)
    return np.stack(kept)
