"""A stand-in `retrain` for unit tests of the job machinery only (crash, lock, gate, cancel); the end-to-end tests
use the real risk module. Its score and duration come from env vars so a subprocess worker can be steered.

Tests register it with `suite.jobs.runner.use_trainer("risk", retrain)` (the `fake_risk_trainer` fixture, or
`fake_worker.py` for a worker process)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from suite.progress import no_progress
from suite.registry import champion_dir
from suite.training import TrainingOutcome


def _score(folder: Path | None) -> float | None:
    if folder is None or not (folder / "score.txt").exists():
        return None
    return float((folder / "score.txt").read_text())


def retrain(store, *, output_dir: Path, progress=no_progress) -> TrainingOutcome:
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "started").write_text(str(os.getpid()))
    seconds = float(os.environ.get("FAKE_SLEEP", "0"))
    steps = 10
    for step in range(steps):
        progress(step, steps, f"step {step}")
        time.sleep(seconds / steps)
    score = float(os.environ.get("FAKE_SCORE", "0.8"))
    (output_dir / "score.txt").write_text(str(score))
    champion = _score(champion_dir(store.settings, "risk"))
    feedback = {}
    if "FAKE_FEEDBACK" in os.environ:
        challenger_fb, champion_fb = (float(x) for x in os.environ["FAKE_FEEDBACK"].split(","))
        feedback = {"challenger": challenger_fb, "champion": champion_fb}
    return TrainingOutcome(
        module="risk",
        artifact_dir=output_dir,
        primary_metric="macro_f1",
        higher_is_better=True,
        challenger_metrics={"macro_f1": score},
        champion_metrics={"macro_f1": 0.5 if champion is None else champion},
        feedback_metrics=feedback,
        trained_on={"feedback_ids": [], "data_hash": "fake"},
    )
