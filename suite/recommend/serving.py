"""Which model serves, loaded once per process, and lined up with the store's current catalog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.loading import load_once
from suite.recommend import queries
from suite.recommend.content import content_vectors, text_embedder, vectors_dir
from suite.recommend.hybrid import Scorer
from suite.recommend.models import RecommenderNotBuilt
from suite.recommend.recmodel import RecModel
from suite.registry.champion import champion_dir
from suite.settings import Settings
from suite.store import Store

MODULE = "recommend"


def default_dir(settings: Settings) -> Path:
    return settings.models_dir / MODULE / "default"


def current_dir(settings: Settings) -> Path:
    """The champion's folder when one is promoted, else the default model's (which may not be built yet)."""
    return champion_dir(settings, MODULE) or default_dir(settings)


def model_folder(settings: Settings) -> Path:
    """The folder of the model that serves now.

    Raises:
        RecommenderNotBuilt: neither a champion nor the default model is on disk.
    """
    folder = current_dir(settings)
    if not (folder / "model.json").exists():
        raise RecommenderNotBuilt(
            "The recommender has not been built yet. Run `suite prepare` (or press “Build the recommender” on "
            "the Recommendations page); it takes about a minute."
        )
    return folder


def load_model(settings: Settings) -> RecModel:
    folder = model_folder(settings)
    version = (folder / "VERSION").read_text().strip()
    return load_once(("recommend", str(folder), version), lambda: RecModel.load(folder))


@dataclass
class Serving:
    """A model aligned with the store's current catalog (new products appended with no history)."""

    model: RecModel
    scorer: Scorer
    device: str
    embedder: Any


def get_serving(store: Store) -> Serving:
    """The serving model for the store's catalog as it is now (rebuilt only when the catalog changed)."""
    settings = store.settings
    model = load_model(settings)
    count, changed = queries.catalog_stamp(store)
    embedder = text_embedder(settings)

    def build() -> Serving:
        aligned = model.with_catalog(queries.catalog(store))
        vectors = content_vectors(aligned.catalog, embedder, vectors_dir(settings))
        return Serving(aligned, Scorer(aligned, vectors), embedder.device, embedder)

    return load_once(("recommend-serving", model.version, id(model), count, changed), build)
