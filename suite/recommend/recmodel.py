"""The trained recommender: interaction matrix, popularity and co-occurrence baselines, ALS, EASE, the blend.

A `RecModel` is what a training run produces and what a model folder holds; `train_model` builds one from
an interaction frame and a catalog (and learns the hybrid's blend on a validation split carved from the
latest part of that frame), and `with_catalog` lines a model up with a newer catalog for serving.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from pipelines.recommender import ALSRecommender
from suite.errors import InvalidInput
from suite.progress import Progress, no_progress
from suite.recommend.ease import fit_ease
from suite.recommend.models import RecommenderNotBuilt

logger = logging.getLogger(__name__)

EVENT_WEIGHTS = {"view": 1.0, "click": 2.0, "cart": 4.0, "purchase": 8.0, "rating": 4.0}
POPULARITY_HALF_LIFE_DAYS = 60.0  # 14 days scored recall 0.019 on the sample split, 60 days 0.058
CATALOG_COLUMNS = ["item_id", "title", "category", "description", "price", "in_stock", "consumable"]


SMALL_FRAME = 5_000  # rows: below this a dict lookup per row beats pandas' vectorised map (one shopper's history)


def event_weights(frame: pd.DataFrame) -> np.ndarray:
    """purchase 8 > cart 4 > click 2 > view 1; a rating counts 4 when >= 4 stars and 0.5 below."""
    if len(frame) < SMALL_FRAME:  # per request: pandas' map costs ~1 ms of overhead on a 15-row history
        events = [e if isinstance(e, str) else None for e in frame["event"].tolist()]  # missing -> weight 1
        weights = np.fromiter((EVENT_WEIGHTS.get(e, 1.0) for e in events), dtype=np.float32, count=len(events))
        if "rating" not in events:
            return weights
    else:
        weights = frame["event"].map(EVENT_WEIGHTS).fillna(1.0).to_numpy(dtype=np.float32)
    if "value" in frame and (frame["event"] == "rating").any():
        rating = frame["event"].eq("rating").to_numpy()
        low = rating & (pd.to_numeric(frame["value"], errors="coerce").fillna(5).to_numpy() < 4)
        weights[low] = 0.5
    return weights


def complete_catalog(catalog: pd.DataFrame, item_ids: np.ndarray) -> pd.DataFrame:
    """The catalog plus placeholder rows for items that only appear in the log (kept, but never shown)."""
    catalog = catalog.reindex(columns=CATALOG_COLUMNS).copy()
    catalog["in_catalog"] = True
    missing = np.setdiff1d(item_ids, catalog["item_id"].to_numpy())
    if missing.size:
        # with no catalog at all (e.g. a bare log to evaluate), every logged item counts as the catalog
        listed = catalog.empty
        extra = pd.DataFrame({"item_id": missing, "title": missing, "category": "Unknown", "in_catalog": listed})
        extra["in_stock"], extra["consumable"] = listed, False
        catalog = pd.concat([catalog, extra], ignore_index=True)
    return _fill_flags(catalog).reset_index(drop=True)


def _fill_flags(catalog: pd.DataFrame) -> pd.DataFrame:
    catalog["description"] = catalog["description"].fillna("")
    catalog["in_stock"] = catalog["in_stock"].fillna(True).astype(bool)
    catalog["consumable"] = catalog["consumable"].fillna(False).astype(bool)
    return catalog


@dataclass(frozen=True)
class CatalogArrays:
    """The catalog's columns as arrays, built once per model (serving reads them on every request)."""

    item_ids: np.ndarray
    titles: list[str]
    categories: np.ndarray
    prices: np.ndarray  # NaN where the catalog has no price
    hidden: np.ndarray  # out of stock, or known only from the log: never shown
    consumable: np.ndarray

    @classmethod
    def of(cls, catalog: pd.DataFrame) -> CatalogArrays:
        return cls(
            item_ids=catalog["item_id"].to_numpy(),
            titles=[str(t) for t in catalog["title"].tolist()],
            categories=catalog["category"].to_numpy(dtype=object),
            prices=pd.to_numeric(catalog["price"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
            hidden=~catalog["in_stock"].to_numpy(dtype=bool) | ~catalog["in_catalog"].to_numpy(dtype=bool),
            consumable=catalog["consumable"].to_numpy(dtype=bool),
        )


@dataclass
class RecModel:
    """Everything a trained recommender needs to serve (items in catalog order; users in log order)."""

    catalog: pd.DataFrame
    user_ids: np.ndarray
    user_items: sparse.csr_matrix
    popularity: np.ndarray
    cooc: sparse.csr_matrix
    als: ALSRecommender
    ease: np.ndarray | None = None  # (items x items) EASE weights; None for catalogs over ease.MAX_ITEMS
    blend: dict | None = None  # the learned blend (hybrid.Blend.as_dict()); None: the fixed rule
    version: str = "default"
    trained_at: str = ""
    data_until: str = ""
    train_s: dict[str, float] = field(default_factory=dict)

    # The lookups below are computed once per instance; `with_catalog` returns a new instance, so they follow.
    # (Nothing changes `catalog` in place: a model's catalog is fixed once it is built or aligned.)
    @cached_property
    def arrays(self) -> CatalogArrays:
        return CatalogArrays.of(self.catalog)

    @property
    def item_ids(self) -> np.ndarray:
        return self.arrays.item_ids

    @cached_property
    def user_index(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.user_ids)}

    @cached_property
    def item_index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.item_ids)}

    @cached_property
    def _item_positions(self) -> pd.Index:
        return pd.Index(self.item_ids)

    def positions(self, item_ids) -> np.ndarray:
        """Row of each item id in the model (-1 where unknown), vectorised."""
        if len(item_ids) < SMALL_FRAME:
            lookup = self.item_index
            ids = item_ids.tolist() if hasattr(item_ids, "tolist") else list(item_ids)
            return np.fromiter((lookup.get(i, -1) for i in ids), dtype=np.intp, count=len(ids))
        return self._item_positions.get_indexer(pd.Index(item_ids))

    def cooc_row(self, item: int) -> np.ndarray:
        """One item's co-occurrence with every item (dense), straight from the CSR arrays."""
        start, end = self.cooc.indptr[item], self.cooc.indptr[item + 1]
        row = np.zeros(self.cooc.shape[1], dtype=np.float32)
        np.add.at(row, self.cooc.indices[start:end], self.cooc.data[start:end])
        return row

    def with_catalog(self, catalog: pd.DataFrame) -> RecModel:
        """This model lined up with a (newer) store catalog: its new products appended with no history.

        Product details from `catalog` win over the ones saved with the model; products the model knows but
        `catalog` lacks keep their rows. The model itself is not changed.
        """
        if catalog.empty:
            return self
        old = self.catalog.set_index("item_id")
        fresh = catalog.set_index("item_id")
        new_ids = fresh.index.difference(old.index)
        merged = pd.concat([old, fresh.loc[new_ids]])
        merged.update(fresh)
        merged["in_catalog"] = merged.index.isin(fresh.index) | merged["in_catalog"].fillna(False).astype(bool)
        merged = _fill_flags(merged.reset_index())
        n, extra = len(merged), len(new_ids)
        cooc = self.cooc.copy()
        cooc.resize((n, n))
        user_items = self.user_items.copy()
        user_items.resize((user_items.shape[0], n))
        ease = self.ease
        if ease is not None and extra:
            ease = np.pad(ease, ((0, extra), (0, extra)))  # new products: no history, no weights yet
        return dataclasses.replace(
            self,
            ease=ease,
            catalog=merged,
            popularity=np.concatenate([self.popularity, np.zeros(extra, np.float32)]),
            cooc=cooc.tocsr(),
            user_items=user_items.tocsr(),
            als=self.als.with_new_items(extra),
        )

    def history_matrix(self, frame: pd.DataFrame, users: list[str]) -> sparse.csr_matrix:
        """(len(users) x items) summed event weights from an interaction frame; unknown items are ignored."""
        items = self.positions(frame["item_id"])
        if len(users) == 1:  # one shopper per request: a comparison, not a hash index of the ids
            rows = np.where(frame["user_id"].to_numpy(dtype=object) == users[0], 0, -1)
        else:
            rows = pd.Index(users).get_indexer(pd.Index(frame["user_id"]))
        keep = (items >= 0) & (rows >= 0)
        weights = event_weights(frame)[keep]
        shape = (len(users), len(self.item_ids))
        matrix = sparse.csr_matrix((weights, (rows[keep], items[keep])), shape=shape)
        matrix.sum_duplicates()
        return matrix

    def latest_matrix(self, frame: pd.DataFrame, users: list[str]) -> sparse.csr_matrix:
        """(len(users) x items) 1 at each shopper's most recent product (latest `ts`; the frame's last row on a
        tie or without `ts`); a shopper whose latest product is not in the catalog gets an empty row."""
        if frame.empty:
            return sparse.csr_matrix((len(users), len(self.item_ids)), dtype=np.float32)
        ordered = frame.sort_values("ts", kind="stable") if "ts" in frame else frame
        latest = ordered.drop_duplicates("user_id", keep="last")
        return self.history_matrix(latest.assign(event="view"), users)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.catalog.to_parquet(folder / "catalog.parquet", index=False)
        pd.DataFrame({"user_id": self.user_ids}).to_parquet(folder / "users.parquet", index=False)
        sparse.save_npz(folder / "user_items.npz", self.user_items)
        sparse.save_npz(folder / "cooc.npz", self.cooc)
        np.save(folder / "popularity.npy", self.popularity)
        if self.ease is not None:
            np.save(folder / "ease.npy", self.ease)
        self.als.save(folder)
        meta = {"version": self.version, "trained_at": self.trained_at, "data_until": self.data_until}
        meta["blend"] = self.blend
        (folder / "model.json").write_text(json.dumps({**meta, "train_s": self.train_s}, indent=2))
        (folder / "VERSION").write_text(self.version + "\n")

    @classmethod
    def load(cls, folder: Path) -> RecModel:
        try:
            meta = json.loads((folder / "model.json").read_text())
            ease_file = folder / "ease.npy"  # absent in models trained before EASE, or over ease.MAX_ITEMS
            return cls(
                catalog=pd.read_parquet(folder / "catalog.parquet"),
                user_ids=pd.read_parquet(folder / "users.parquet")["user_id"].to_numpy(),
                user_items=sparse.load_npz(folder / "user_items.npz").tocsr(),
                popularity=np.load(folder / "popularity.npy"),
                cooc=sparse.load_npz(folder / "cooc.npz").tocsr(),
                als=ALSRecommender.load(folder),
                ease=np.load(ease_file) if ease_file.exists() else None,
                blend=meta.get("blend"),
                version=meta["version"],
                trained_at=meta["trained_at"],
                data_until=meta["data_until"],
                train_s=meta.get("train_s", {}),
            )
        except (FileNotFoundError, KeyError, ValueError) as err:
            raise RecommenderNotBuilt(
                f"The recommender model in {folder} is missing or incomplete ({err}). Run `suite prepare`."
            ) from err


def recency_popularity(frame: pd.DataFrame, item_index: dict[str, int], n_items: int, until: pd.Timestamp):
    """Event-weighted counts, each halved every POPULARITY_HALF_LIFE_DAYS before `until`."""
    items = frame["item_id"].map(item_index)
    keep = items.notna().to_numpy()
    age_days = (until - frame["ts"]).dt.total_seconds().to_numpy() / 86400.0
    decay = 0.5 ** (np.clip(age_days, 0, None) / POPULARITY_HALF_LIFE_DAYS)
    weights = event_weights(frame) * decay
    return np.bincount(items[keep].astype(int), weights=weights[keep], minlength=n_items).astype(np.float32)


def cooccurrence(user_items: sparse.csr_matrix) -> sparse.csr_matrix:
    """Item-to-item cosine over who interacted with what (binary), diagonal removed."""
    binary = user_items.copy()
    binary.data = np.ones_like(binary.data)
    counts = (binary.T @ binary).tocsr().astype(np.float32)
    counts.setdiag(0)
    counts.eliminate_zeros()
    norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel()) + 1e-9
    scale = sparse.diags(1.0 / norms)
    return (scale @ counts @ scale).tocsr().astype(np.float32)


def train_model(
    frame: pd.DataFrame,
    catalog: pd.DataFrame,
    *,
    version: str = "default",
    als_params: dict | None = None,
    device: str = "cpu",
    progress: Progress = no_progress,
    learn_blend: bool = True,
    embedder=None,
    cache_dir: Path | None = None,
    validation: str = "time",
) -> RecModel:
    """Fit popularity, co-occurrence, ALS and EASE on an interaction frame (`user_id, item_id, ts, event[, value]`).

    With `learn_blend`, the hybrid's weights are then learned on a validation split of this frame (each
    shopper's latest 20 % held out of a second, inner fit: never on data a later test would use); with an
    `embedder` the text component takes part in that fit, else it gets no weight for shoppers with history
    (it still answers what they type). `validation`: "time" (default) or "random", see `blendfit.learn_blend`.
    """
    if frame.empty:
        raise InvalidInput("There are no interactions to learn from yet. Import an interaction log first.")
    full_catalog = complete_catalog(catalog, frame["item_id"].unique())
    user_ids = frame["user_id"].drop_duplicates().to_numpy()
    model = RecModel(
        catalog=full_catalog,
        user_ids=user_ids,
        user_items=sparse.csr_matrix((0, 0)),
        popularity=np.zeros(0),
        cooc=sparse.csr_matrix((0, 0)),
        als=ALSRecommender(device=device, **(als_params or {})),
        version=version,
        trained_at=datetime.now(UTC).isoformat(),
    )
    until = frame["ts"].max()
    model.data_until = str(until)
    started = time.perf_counter()
    model.user_items = model.history_matrix(frame, list(user_ids))
    model.popularity = recency_popularity(frame, model.item_index, len(full_catalog), until)
    model.train_s["popularity"] = time.perf_counter() - started
    started = time.perf_counter()
    model.cooc = cooccurrence(model.user_items)
    model.train_s["cooccurrence"] = time.perf_counter() - started
    confidence = model.user_items.copy()
    confidence.data = np.log1p(confidence.data).astype(np.float32)  # damp heavy repeat viewers
    model.als.model_version = version
    model.als.fit(confidence, progress)
    model.train_s["als"] = model.als.train_s
    started = time.perf_counter()
    model.ease = fit_ease(model.user_items)
    model.train_s["ease"] = time.perf_counter() - started
    if learn_blend:
        from suite.recommend.blendfit import learn_blend as fit_blend  # it trains an inner model with this module

        started = time.perf_counter()
        model.blend = fit_blend(
            frame, catalog, device=device, embedder=embedder, cache_dir=cache_dir, validation=validation
        )
        model.train_s["blend"] = time.perf_counter() - started
    return model
