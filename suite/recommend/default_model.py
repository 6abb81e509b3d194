"""The default model: trained once from the sample shop in `sample_data/recommend/` when none is on disk."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from suite.progress import Progress, no_progress
from suite.recommend.content import content_vectors, text_embedder, vectors_dir
from suite.recommend.recmodel import train_model
from suite.recommend.serving import default_dir
from suite.settings import Settings
from suite.timestamps import parse_timestamps

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "recommend"


def read_sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample shop as frames (trusted files: no row-level checks needed)."""
    frame = pd.read_csv(SAMPLE / "interactions.csv.gz", dtype=str)
    frame["ts"] = parse_timestamps(frame.pop("timestamp").tolist())
    catalog = pd.read_csv(SAMPLE / "catalog.csv", dtype={"item_id": str})
    return frame, catalog


def build_default(settings: Settings, progress: Progress = no_progress) -> Path:
    """Train the default model on the sample shop unless it is already on disk (then this is instant)."""
    folder = default_dir(settings)
    if (folder / "model.json").exists():
        return folder
    progress(0, 3, "reading the sample shop")
    frame, catalog = read_sample()
    progress(1, 3, "training")
    model = train_model(frame, catalog, version="default", device=settings.device)
    tmp = folder.with_name(f".default-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(tmp)
    progress(2, 3, "product text vectors")
    content_vectors(model.catalog, text_embedder(settings), vectors_dir(settings))
    if folder.exists():  # a concurrent prepare won the race: keep its folder
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        os.replace(tmp, folder)
    progress(3, 3, "ready")
    return folder
