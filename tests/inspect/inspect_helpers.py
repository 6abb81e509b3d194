"""Helpers shared by the inspection tests (ground truth of the seeded sample set)."""

from __future__ import annotations

from pathlib import Path

from pipelines.boxes import iou  # noqa: F401  (the one IoU; the tests import it from here with the ground truth)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SET = ROOT / "sample_data" / "inspect" / "defects"


def labels(split: str, stem: str) -> list[tuple[int, float, float, float, float]]:
    text = (SAMPLE_SET / "labels" / split / f"{stem}.txt").read_text()
    return [tuple([int(p[0]), *map(float, p[1:])]) for p in (line.split() for line in text.splitlines() if line)]


def pixel_box(row, w: int = 256, h: int = 256) -> list[float]:
    _, x, y, bw, bh = row
    return [(x - bw / 2) * w, (y - bh / 2) * h, (x + bw / 2) * w, (y + bh / 2) * h]
