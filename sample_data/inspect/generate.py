"""Seeded generator of the inspection sample set: textured surfaces with four kinds of defect, YOLO format.

Run `python sample_data/inspect/generate.py` to rewrite `sample_data/inspect/defects/` byte for byte.
`large_image(seed)` makes a big photo with small flaws for the tiling benchmark (never committed).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASSES = ("scratch", "pit", "crack", "stain")
SURFACES = ("metal", "fabric", "pcb")
ROOT = Path(__file__).resolve().parent / "defects"
# split -> (images, share of defect-free images)
SPLITS = {"train": (150, 0.2), "val": (40, 0.2), "test": (40, 0.25)}
SIZE = 256


def _blur(a: np.ndarray, radius: float) -> np.ndarray:
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)


def surface(rng: np.random.Generator, w: int, h: int, kind: str) -> np.ndarray:
    """An RGB float image (0-255) of a metal, fabric or PCB-like surface with lighting and sensor noise."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "metal":
        base = rng.uniform(120, 175)
        streaks = rng.normal(0, 1, (h, 1)) * 10 + rng.normal(0, 1, (h, w)) * 6
        gray = _blur(128 + streaks, 0.6) - 128 + base
        tint = np.array([1.0, 1.0, rng.uniform(1.0, 1.08)])
        img = gray[..., None] * tint
    elif kind == "fabric":
        period = rng.uniform(4, 7)
        weave = np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / period)
        color = rng.uniform(60, 200, 3)
        img = color * (1 + 0.12 * weave[..., None]) + rng.normal(0, 5, (h, w, 1))
    else:  # pcb: green solder mask, copper traces and pads
        mask = Image.new("RGB", (w, h), tuple(int(c) for c in rng.uniform([10, 70, 20], [40, 120, 50])))
        draw = ImageDraw.Draw(mask)
        copper = tuple(int(c) for c in rng.uniform([150, 110, 40], [210, 160, 80]))
        for _ in range(rng.integers(6, 14)):
            x, y = rng.integers(0, w), rng.integers(0, h)
            if rng.random() < 0.5:
                draw.line([(x, y), (x + rng.integers(-w, w), y)], fill=copper, width=int(rng.integers(2, 5)))
            else:
                draw.line([(x, y), (x, y + rng.integers(-h, h))], fill=copper, width=int(rng.integers(2, 5)))
        for _ in range(rng.integers(4, 10)):
            x, y, r = rng.integers(0, w), rng.integers(0, h), rng.integers(3, 7)
            draw.rectangle([x - r, y - r, x + r, y + r], fill=(200, 200, 195))
        img = np.asarray(mask, dtype=np.float32)
    # lighting: a linear gradient in a random direction and a soft vignette
    angle = rng.uniform(0, 2 * np.pi)
    grad = (np.cos(angle) * (xx / w - 0.5) + np.sin(angle) * (yy / h - 0.5)) * rng.uniform(0.2, 0.5)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    vignette = -rng.uniform(0.05, 0.25) * (((xx - cx) / w) ** 2 + ((yy - cy) / h) ** 2)
    img = img * (1 + grad + vignette)[..., None]
    return img + rng.normal(0, rng.uniform(2, 6), img.shape)


def _polyline_defect(rng, w, h, length, wobble, step=3.0):
    x, y = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
    angle = rng.uniform(0, 2 * np.pi)
    points = [(x, y)]
    for _ in range(int(length / step)):
        angle += rng.normal(0, wobble)
        x, y = x + step * np.cos(angle), y + step * np.sin(angle)
        points.append((float(np.clip(x, 1, w - 2)), float(np.clip(y, 1, h - 2))))
    return points


def add_defect(rng: np.random.Generator, img: np.ndarray, cls: int, scale: float = 1.0) -> tuple[float, ...]:
    """Draw one defect of class `cls` in place; returns its pixel box (x1, y1, x2, y2)."""
    h, w = img.shape[:2]
    layer = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(layer)
    if cls == 0:  # scratch: long, thin, nearly straight, bright or dark
        pts = _polyline_defect(rng, w, h, rng.uniform(45, 110) * scale, 0.03)
        draw.line(pts, fill=255, width=int(rng.integers(1, 3)))
        shade = rng.choice([-1, 1]) * rng.uniform(55, 90)
        alpha = np.asarray(layer, dtype=np.float32) / 255
    elif cls == 1:  # pit: small round dark spot with a bright rim
        r = rng.uniform(3, 7) * scale
        x, y = rng.uniform(r + 2, w - r - 2), rng.uniform(r + 2, h - r - 2)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=255)
        alpha = _blur(np.asarray(layer, dtype=np.float32), 0.8) / 255
        rim = _blur(np.asarray(layer, dtype=np.float32), 2.0) / 255 - alpha
        img += 60 * np.clip(rim, 0, 1)[..., None]
        shade = -rng.uniform(80, 120)
    elif cls == 2:  # crack: dark, jagged, with a branch
        pts = _polyline_defect(rng, w, h, rng.uniform(35, 80) * scale, 0.5, step=4)
        draw.line(pts, fill=255, width=2)
        mid = pts[len(pts) // 2]
        branch = [mid]
        ang = rng.uniform(0, 2 * np.pi)
        for _ in range(rng.integers(3, 7)):
            ang += rng.normal(0, 0.5)
            branch.append((branch[-1][0] + 4 * np.cos(ang), branch[-1][1] + 4 * np.sin(ang)))
        draw.line(branch, fill=255, width=1)
        alpha = np.asarray(layer, dtype=np.float32) / 255
        shade = -rng.uniform(90, 130)
    else:  # stain: large soft discoloured blob
        r = rng.uniform(14, 32) * scale
        x, y = rng.uniform(r, w - r), rng.uniform(r, h - r)
        for _ in range(5):
            dx, dy, rr = rng.normal(0, r / 3), rng.normal(0, r / 3), r * rng.uniform(0.4, 0.8)
            draw.ellipse([x + dx - rr, y + dy - rr, x + dx + rr, y + dy + rr], fill=255)
        alpha = _blur(np.asarray(layer, dtype=np.float32), r / 5) / 255 * rng.uniform(0.45, 0.7)
        tone = rng.uniform([60, 40, 0], [120, 90, 30])
        img[:] = img * (1 - alpha[..., None]) + tone * alpha[..., None]
        shade = 0.0
    if shade:
        img += shade * alpha[..., None]
    ys, xs = np.nonzero(alpha > 0.15)
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def make_image(rng: np.random.Generator, size: int = SIZE, defect_free: bool = False) -> tuple[Image.Image, list]:
    """One surface image and its labels [(cls, x1, y1, x2, y2), ...] in pixels."""
    img = surface(rng, size, size, str(rng.choice(SURFACES)))
    labels = []
    if not defect_free:
        for _ in range(rng.integers(1, 4)):
            cls = int(rng.integers(0, len(CLASSES)))
            labels.append((cls, *add_defect(rng, img, cls)))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), labels


def yolo_lines(labels: list, w: int, h: int) -> str:
    rows = []
    for cls, x1, y1, x2, y2 in labels:
        cx, cy, bw, bh = (x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h
        rows.append(f"{cls} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return "\n".join(rows) + ("\n" if rows else "")


def large_image(seed: int, size: tuple[int, int] = (3000, 2000), n_defects: int = 12) -> tuple[Image.Image, list]:
    """A big photo with small (about 20 px) pits and short scratches; labels in pixels."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = surface(rng, w, h, str(rng.choice(SURFACES)))
    labels = []
    for _ in range(n_defects):
        # draw each flaw on a small patch so its box is local, then paste it into the big image
        cls = int(rng.choice([0, 1]))
        patch_size = 96
        x0, y0 = int(rng.integers(0, w - patch_size)), int(rng.integers(0, h - patch_size))
        patch = img[y0 : y0 + patch_size, x0 : x0 + patch_size].copy()
        x1, y1, x2, y2 = add_defect(rng, patch, cls, scale=0.5 if cls == 0 else 1.0)
        img[y0 : y0 + patch_size, x0 : x0 + patch_size] = patch
        labels.append((cls, x0 + x1, y0 + y1, x0 + x2, y0 + y2))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), labels


def generate(root: Path = ROOT, seed: int = 6) -> dict[str, int]:
    """Write images/, labels/ and data.yaml under `root`; returns images per split."""
    if root.exists():
        shutil.rmtree(root)
    rng = np.random.default_rng(seed)
    counts = {}
    for split, (n, free_share) in SPLITS.items():
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            image, labels = make_image(rng, defect_free=rng.random() < free_share)
            name = f"{split}_{i:03d}"
            image.save(root / "images" / split / f"{name}.jpg", quality=88)
            (root / "labels" / split / f"{name}.txt").write_text(yolo_lines(labels, SIZE, SIZE))
        counts[split] = n
    names = "\n".join(f"  {i}: {name}" for i, name in enumerate(CLASSES))
    (root / "data.yaml").write_text(f"train: images/train\nval: images/val\ntest: images/test\nnames:\n{names}\n")
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    print(generate(seed=args.seed))  # noqa: T201
