"""A customer's first training: a fresh SUITE_HOME, a generated set with other classes and another image size.

The set (seeded): 384x384 surfaces with three defect classes the bundled model does not know ("dent", "hairline",
"blot", drawn like small pits, short cracks and small stains, about 12-16 px), split 70/15/15. Two trainings:

- CLI defaults now: `suite inspect train --data data.yaml --json` in a subprocess on a fresh SUITE_HOME (the
  serving model's weights transferred, image size from the photos, time budget + plateau stop);
- the defaults before issue 19: 30 epochs at 256 px from `yolov8n.yaml` (the classes differ), same trainer.

Each is scored on the test split: mAP50, escapes (defective -> PASS) and false fails (good -> FAIL) with the
default thresholds, training minutes. Run `.venv/bin/python benchmarks/inspect_custom.py` alone on the machine
(about 20 min per training on 2 CPU cores); `--smoke` (40 images, 1 epoch each) only proves the script works
and writes nothing into RESULTS.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sample_data" / "inspect"))
os.environ.setdefault("SUITE_DEVICE", "cpu")

import numpy as np  # noqa: E402
from generate import add_defect, surface, yolo_lines  # noqa: E402
from PIL import Image  # noqa: E402
from results import table, write_section  # noqa: E402

from pipelines.detector import Detector  # noqa: E402
from pipelines.detector_eval import evaluate  # noqa: E402
from pipelines.detector_training import train  # noqa: E402
from suite.inspect.model_files import offline  # noqa: E402
from suite.inspect.models import Thresholds  # noqa: E402
from suite.inspect.thresholds import rates  # noqa: E402
from suite.settings import Settings  # noqa: E402

CLASSES = {"dent": (1, 1.1), "hairline": (2, 0.22), "blot": (3, 0.3)}  # name -> (generator kind, scale)
SIDE = 384


def make_set(root: Path, n: int, seed: int = 19) -> Path:
    """n images (20 % defect-free) in train/val/test 70/15/15, YOLO layout; returns data.yaml."""
    rng = np.random.default_rng(seed)
    splits = {"train": int(n * 0.7), "val": int(n * 0.15)}
    splits["test"] = n - splits["train"] - splits["val"]
    kinds = list(CLASSES.values())
    for split, count in splits.items():
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(count):
            pixels = surface(rng, SIDE, SIDE, str(rng.choice(("metal", "fabric", "pcb"))))
            labels = []
            if rng.random() >= 0.2:
                for _ in range(int(rng.integers(1, 4))):
                    cls = int(rng.integers(0, len(kinds)))
                    kind, scale = kinds[cls]
                    labels.append((cls, *add_defect(rng, pixels, kind, scale=scale)))
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            image.save(root / "images" / split / f"{split}_{i:03d}.jpg", quality=92)
            (root / "labels" / split / f"{split}_{i:03d}.txt").write_text(yolo_lines(labels, SIDE, SIDE))
    spec = {"path": str(root), "train": "images/train", "val": "images/val", "test": "images/test"}
    spec["names"] = dict(enumerate(CLASSES))
    (root / "data.yaml").write_text(json.dumps(spec))  # JSON is YAML
    return root / "data.yaml"


def verdict_rates(weights: Path, data_yaml: Path, imgsz: int) -> dict:
    """Escapes and false fails on the test split with the default thresholds."""
    from pipelines.detector import DetectOptions

    detector = Detector(weights, version="bench", device="cpu").warm_up()
    folder = data_yaml.parent / "images" / "test"
    images = []
    for path in sorted(folder.glob("*.jpg")):
        bad = bool((data_yaml.parent / "labels" / "test" / f"{path.stem}.txt").read_text().strip())
        found = detector.detect(Image.open(path).convert("RGB"), DetectOptions(imgsz=imgsz)).detections
        images.append((bad, [(d.class_name, d.confidence) for d in found]))
    return rates(images, Thresholds()).as_dict()


def cli_defaults(data_yaml: Path, smoke: bool) -> dict:
    home = Path(tempfile.mkdtemp(prefix="inspect-custom-home-"))
    env = dict(os.environ, SUITE_HOME=str(home), SUITE_DEVICE="cpu")
    command = [str(ROOT / ".venv" / "bin" / "suite"), "inspect", "train", "--data", str(data_yaml), "--json"]
    if smoke:
        command += ["--epochs", "1"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    minutes = (time.perf_counter() - started) / 60
    if done.returncode != 0:
        raise SystemExit(f"suite inspect train failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    plan = next((line for line in done.stderr.splitlines() if line.startswith("Training on")), "")
    weights = home / "models" / "inspect" / result["version"] / "best.pt"
    imgsz = int(plan.split(" px")[0].split()[-1]) if " px" in plan else 256
    return {
        "training": "CLI defaults now",
        "mAP50": result["metrics"]["map50"],
        **verdict_rates(weights, data_yaml, imgsz),
        "minutes": minutes,
        "served": "yes (champion)" if result["status"] == "champion" else f"no ({result['status']})",
        "plan": plan,
    }


def old_defaults(data_yaml: Path, smoke: bool) -> dict:
    run = Path(tempfile.mkdtemp(prefix="inspect-custom-old-")) / "train"
    started = time.perf_counter()
    best = train(data_yaml, run, epochs=1 if smoke else 30, imgsz=256, base="yolov8n.yaml", device="cpu")
    minutes = (time.perf_counter() - started) / 60
    found = evaluate(best, data_yaml, split="test", imgsz=256, device="cpu", run_dir=run.parent / "eval")
    return {
        "training": "before: 30 epochs, 256 px, from yolov8n.yaml",
        "mAP50": found["map50"],
        **verdict_rates(best, data_yaml, 256),
        "minutes": minutes,
        "served": "yes (no earlier score; no floor then)" if found["map50"] < 0.3 else "yes",
        "plan": "",
    }


def main() -> None:
    smoke = "--smoke" in sys.argv
    offline(Settings.from_env(home=Path(tempfile.mkdtemp(prefix="inspect-custom-old-home-")), device="cpu"))
    data_yaml = make_set(Path(tempfile.mkdtemp(prefix="inspect-custom-data-")), 40 if smoke else 300)
    rows = [cli_defaults(data_yaml, smoke), old_defaults(data_yaml, smoke)]
    columns = ["training", "mAP50", "escapes", "false_fails", "review_rate", "minutes", "served"]
    body = (
        f"Generated set: {'40' if smoke else '300'} images of {SIDE}x{SIDE}, classes {', '.join(CLASSES)} "
        f"(12-16 px), 70/15/15 split; test split scores, default thresholds.\n\n"
        + table(rows, columns)
        + f"\n\nPlan printed by the CLI: {rows[0]['plan']}"
    )
    print(body)  # noqa: T201
    if not smoke:
        write_section("inspect_custom", "Inspection: a customer's first training", body)


if __name__ == "__main__":
    main()
