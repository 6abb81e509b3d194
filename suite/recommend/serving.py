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
from suite.registry.champion import champion_dir, champion_version
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
    return load_once(
        ("recommend-serving", model.version, id(model), count, changed),
        lambda: _aligned(settings, model, queries.catalog(store)),
    )


def _aligned(settings: Settings, model: RecModel, catalog) -> Serving:
    embedder = text_embedder(settings)
    aligned = model.with_catalog(catalog)
    vectors = content_vectors(aligned.catalog, embedder, vectors_dir(settings))
    return Serving(aligned, Scorer(aligned, vectors), embedder.device, embedder)


def ranked(store: Store, method: str, *args, **kwargs):
    """`ranking.rank` or `ranking.similar` on the serving model: here, or on the Ray Serve deployment when
    SUITE_RAY_ADDRESS is set (`pipelines.serving`); the same `RecommendationList` either way."""
    from pipelines.serving import is_remote, served
    from suite.recommend import ranking

    settings = store.settings
    if not is_remote(settings):
        return getattr(ranking, method)(get_serving(store), *args, **kwargs)
    version = champion_version(settings, MODULE) or "default"
    remote = served(settings, kind="recommend", module=MODULE, version=version, local=CatalogRanker)
    return remote.call(method, queries.catalog_stamp(store), lambda: queries.catalog(store), *args, **kwargs)


class CatalogRanker:
    """The serving model of one version lined up with the catalogs it is sent, by catalog stamp (what a Ray
    Serve replica holds: it cannot read the store, so the caller sends the catalog once per stamp)."""

    KEEP = 4  # catalogs kept lined up

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = load_model(settings)
        self.model_name = "recommend hybrid"
        self.model_version = self.model.version
        self.device = "cpu"
        self._servings: dict[tuple, Serving] = {}

    def call(self, method: str, stamp: tuple, catalog, args: tuple, kwargs: dict):
        """`ranking.<method>(serving, *args, **kwargs)`, or "need-catalog" when this stamp is new here."""
        from suite.recommend import ranking

        serving = self._servings.get(tuple(stamp))
        if serving is None:
            if catalog is None:
                return "need-catalog"
            serving = _aligned(self.settings, self.model, catalog)
            self._servings[tuple(stamp)] = serving
            while len(self._servings) > self.KEEP:
                self._servings.pop(next(iter(self._servings)))
        return getattr(ranking, method)(serving, *args, **kwargs)
