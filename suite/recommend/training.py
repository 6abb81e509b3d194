"""Building models: the default one from sample_data (`prepare`) and challengers from the store (`retrain`)."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from suite.errors import InvalidInput, ModelUnavailable
from suite.progress import Progress, no_progress
from suite.recommend.data import parse_timestamps
from suite.recommend.evaluate import build_eval_set, metrics, rank_all, time_split
from suite.recommend.hybrid import Scorer
from suite.recommend.models import RecModel, content_vectors, train_model
from suite.settings import Settings
from suite.store import Store
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

MODULE = "recommend"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "recommend"
PRIMARY = "ndcg_at_10"


def read_sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample shop as frames (trusted files: no row-level checks needed)."""
    frame = pd.read_csv(SAMPLE / "interactions.csv.gz", dtype=str)
    frame["ts"] = parse_timestamps(frame.pop("timestamp").tolist())
    catalog = pd.read_csv(SAMPLE / "catalog.csv", dtype={"item_id": str})
    return frame, catalog


def _embedder(settings: Settings):
    from pipelines.embedder import load_embedder

    return load_embedder(settings.embedder_model or None, settings.device)


def _vectors_dir(settings: Settings) -> Path:
    return settings.module_dir(MODULE) / "vectors"


def prepare(settings: Settings, progress: Progress = no_progress) -> Path:
    """Train the default model on the sample shop unless it is already on disk (then this is instant)."""
    from suite.recommend.service import default_dir

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
    content_vectors(model.catalog, _embedder(settings), _vectors_dir(settings))
    if folder.exists():  # a concurrent prepare won the race: keep its folder
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        os.replace(tmp, folder)
    progress(3, 3, "ready")
    return folder


def store_frames(store: Store) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Interactions (plus accepted clicks, minus accepted dismissals) and the catalog from the store."""
    frame = store.query_df("SELECT user_id, item_id, ts, event, value FROM rec_interactions")
    reviewed = store.query_df(
        "SELECT feedback_id, kind, ts, json_extract_string(value, '$.user_id') AS user_id, "
        "json_extract_string(value, '$.item_id') AS item_id FROM feedback "
        "WHERE module = ? AND review_state = 'accepted' AND kind IN ('click', 'dismiss')",
        [MODULE],
    )
    reviewed = reviewed.dropna(subset=["user_id", "item_id"])
    clicks = reviewed[reviewed["kind"] == "click"].assign(event="click", value=np.nan)
    frame = pd.concat([frame, clicks[["user_id", "item_id", "ts", "event", "value"]]], ignore_index=True)
    dismissals = reviewed[reviewed["kind"] == "dismiss"]
    dismissed = set(zip(dismissals["user_id"], dismissals["item_id"], strict=True))
    if dismissed:
        pairs = pd.Series(list(zip(frame["user_id"], frame["item_id"], strict=True)))
        frame = frame[~pairs.isin(dismissed).to_numpy()]
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    catalog = store.query_df(
        "SELECT item_id, title, category, description, price, in_stock, consumable FROM rec_items ORDER BY item_id"
    )
    return frame.reset_index(drop=True), catalog, reviewed["feedback_id"].tolist()


def hybrid_metrics(model: RecModel, vectors: np.ndarray, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    """The hybrid on the time split; user vectors are recalculated from the train part (fair to any model)."""
    eval_set = build_eval_set(model, train, test)
    ranked = rank_all(model, Scorer(model, vectors), eval_set, "hybrid", recalculate=True)
    n_items = int(model.catalog["in_catalog"].sum())
    return {k: float(v) for k, v in metrics(ranked, eval_set.targets, n_items).items()}


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    """A challenger trained on everything in the store, evaluated against the champion on the same split."""
    from suite.recommend.service import load_model

    settings = store.settings
    frame, catalog, feedback_ids = store_frames(store)
    if frame.empty:
        raise InvalidInput("There are no interactions in the store yet; import a log or load the demo data first.")
    embedder, cache = _embedder(settings), _vectors_dir(settings)
    train, test = time_split(frame)
    progress(0, 4, "training the challenger on the earlier 80 %")
    held_out = train_model(train, catalog, version="evaluation", device=settings.device)
    challenger_metrics = hybrid_metrics(held_out, content_vectors(held_out.catalog, embedder, cache), train, test)
    progress(1, 4, "scoring the champion on the same split")
    try:
        champion = load_model(settings)
        champion_metrics = hybrid_metrics(champion, content_vectors(champion.catalog, embedder, cache), train, test)
    except ModelUnavailable:
        champion_metrics = {}
    progress(2, 4, "training the challenger on all data")
    version = "rec-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    final = train_model(frame, catalog, version=version, device=settings.device)
    final.save(Path(output_dir))
    content_vectors(final.catalog, embedder, cache)
    progress(4, 4, "done")
    digest = hashlib.sha256(f"{len(frame)}|{frame['ts'].max()}|{len(catalog)}".encode()).hexdigest()[:16]
    return TrainingOutcome(
        module=MODULE,
        artifact_dir=Path(output_dir),
        primary_metric=PRIMARY,
        higher_is_better=True,
        challenger_metrics=challenger_metrics,
        champion_metrics=champion_metrics,
        trained_on={
            "feedback_ids": feedback_ids,
            "interactions": len(frame),
            "shoppers": int(frame["user_id"].nunique()),
            "data_until": str(frame["ts"].max()),
            "data_hash": digest,
        },
        notes=(
            "Both models ranked each shopper's last 20% of interactions from the earlier 80% (hybrid, user "
            "vectors recalculated). The challenger's metrics come from the same recipe trained on the 80%; the "
            "saved challenger is then trained on all data. The champion may have seen part of the held-out data."
        ),
    )
