"""Serving: top-10 for a shopper or a new visitor, similar products, feedback, and insights for the page.

Each request reads the champion pointer (cheap), the shopper's current history and dismissals from the
store, recalculates their ALS vector from that history (so a changed history counts at once, no retrain)
and applies the business rules. Every list shown is logged as one `events` row whose request_id the
page's "interested" / "not interested" feedback points back to.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from pipelines.loading import load_once
from suite.errors import InvalidInput, ModelUnavailable, NotFound
from suite.recommend import rules
from suite.recommend.hybrid import Scorer, top_k
from suite.recommend.models import RecModel, content_vectors
from suite.registry.champion import champion_dir
from suite.settings import Settings
from suite.store import Store
from suite.tracking import track

logger = logging.getLogger(__name__)

MODULE = "recommend"
MODEL_NAME = "hybrid-recommender"
VERBS = {
    "purchase": "bought",
    "cart": "put in your cart",
    "click": "clicked on",
    "view": "looked at",
    "rating": "rated",
}
EVENT_RANK = {"view": 0, "click": 1, "rating": 2, "cart": 3, "purchase": 4}


# -- which model, loaded once ----------------------------------------------------------------------------
def default_dir(settings: Settings) -> Path:
    return settings.models_dir / MODULE / "default"


def model_folder(settings: Settings) -> Path:
    """The champion's folder when one is promoted, else the default model built by `prepare`."""
    folder = champion_dir(settings, MODULE) or default_dir(settings)
    if not (folder / "model.json").exists():
        raise ModelUnavailable(
            "The recommender has not been built yet. Run `suite prepare` (or press “Build the recommender” on "
            "the Recommendations page); it takes about a minute."
        )
    return folder


def load_model(settings: Settings) -> RecModel:
    folder = model_folder(settings)
    version = (folder / "VERSION").read_text().strip()
    return load_once(("recommend", str(folder), version), lambda: RecModel.load(folder))


def _embedder(settings: Settings):
    from pipelines.embedder import load_embedder

    return load_embedder(settings.embedder_model or None, settings.device)


@dataclass
class Serving:
    """A model aligned with the store's current catalog (new products appended with no history)."""

    model: RecModel
    scorer: Scorer
    device: str
    embedder: Any


def _store_catalog(store: Store) -> pd.DataFrame:
    return store.query_df(
        "SELECT item_id, title, category, description, price, in_stock, consumable FROM rec_items ORDER BY item_id"
    )


def _align(model: RecModel, catalog: pd.DataFrame) -> RecModel:
    """Model arrays re-indexed to model items + the store catalog's new items; store values win."""
    if catalog.empty:
        return model
    old = model.catalog.set_index("item_id")
    fresh = catalog.set_index("item_id")
    new_ids = fresh.index.difference(old.index)
    merged = pd.concat([old, fresh.loc[new_ids]])
    merged.update(fresh)
    merged["in_catalog"] = merged.index.isin(fresh.index) | merged["in_catalog"].fillna(False).astype(bool)
    merged = merged.reset_index()
    merged["description"] = merged["description"].fillna("")
    merged["in_stock"] = merged["in_stock"].fillna(True).astype(bool)
    merged["consumable"] = merged["consumable"].fillna(False).astype(bool)
    n, extra = len(merged), len(new_ids)
    als = dataclasses.replace(model.als)
    als.item_factors = np.vstack([model.als.item_factors, np.zeros((extra, als.item_factors.shape[1]), np.float32)])
    cooc = model.cooc.copy()
    cooc.resize((n, n))
    user_items = model.user_items.copy()
    user_items.resize((user_items.shape[0], n))
    return dataclasses.replace(
        model,
        catalog=merged,
        popularity=np.concatenate([model.popularity, np.zeros(extra, np.float32)]),
        cooc=cooc.tocsr(),
        user_items=user_items.tocsr(),
        als=als,
        _item_index=None,
        _item_pos=None,
    )


def get_serving(store: Store) -> Serving:
    settings = store.settings
    model = load_model(settings)
    stamp = store.query("SELECT count(*) AS n, max(updated_at) AS t FROM rec_items")[0]
    embedder = _embedder(settings)

    def build() -> Serving:
        aligned = _align(model, _store_catalog(store))
        vectors = content_vectors(aligned.catalog, embedder, settings.module_dir(MODULE) / "vectors")
        return Serving(aligned, Scorer(aligned, vectors), embedder.device, embedder)

    return load_once(("recommend-serving", model.version, id(model), stamp["n"], str(stamp["t"])), build)


# -- results --------------------------------------------------------------------------------------------
@dataclass
class Recommendation:
    item_id: str
    title: str
    category: str
    price: float | None
    score: float
    reason: str
    source: str


@dataclass
class RecommendationList:
    user_id: str | None
    items: list[Recommendation]
    cold_start: bool = False
    note: str = ""
    request_id: str = ""
    model_name: str = MODEL_NAME
    model_version: str = ""
    device: str = "cpu"
    weights: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "items": [{"item_id": r.item_id, "score": round(r.score, 4), "reason": r.reason} for r in self.items],
            "cold_start": self.cold_start,
            "note": self.note,
            "request_id": self.request_id,
            "model_version": self.model_version,
        }


# -- the shopper's state in the store ---------------------------------------------------------------------
def user_history(store: Store, user_id: str) -> pd.DataFrame:
    """Interactions plus live "interested" clicks (not yet reviewed ones too: they are the shopper's own)."""
    frame = store.query_df(
        "SELECT item_id, event, value, ts FROM rec_interactions WHERE user_id = ? "
        "UNION ALL SELECT json_extract_string(value, '$.item_id'), 'click', NULL, ts FROM feedback "
        "WHERE module = ? AND kind = 'click' AND json_extract_string(value, '$.user_id') = ? "
        "AND review_state <> 'rejected' ORDER BY ts",
        [user_id, MODULE, user_id],
    )
    return frame.assign(user_id=user_id)


def dismissed_items(store: Store, user_id: str) -> set[str]:
    rows = store.query(
        "SELECT json_extract_string(value, '$.item_id') AS item_id FROM feedback WHERE module = ? "
        "AND kind = 'dismiss' AND json_extract_string(value, '$.user_id') = ? AND review_state <> 'rejected'",
        [MODULE, user_id],
    )
    return {row["item_id"] for row in rows}


# -- explanations ----------------------------------------------------------------------------------------
def _explain(
    serving: Serving, item: int, source: str, history_idx: np.ndarray, events: dict[int, str], query_text: str
) -> str:
    model, catalog = serving.model, serving.model.catalog
    if source == "popularity" or (source != "content" and history_idx.size == 0):
        return f"Popular in {catalog['category'].iat[item]} right now"
    if source == "content" and history_idx.size == 0:
        return f"Matches what you are looking for: “{query_text}”" if query_text else "Matches your interests"
    if source == "content":
        sims = serving.scorer.vectors[history_idx] @ serving.scorer.vectors[item]
    else:
        sims = model.cooc[item].toarray().ravel()[history_idx]  # co-occurrence is symmetric: one row
        if sims.max(initial=0) <= 0:
            factors = model.als.item_factors
            sims = factors[history_idx] @ factors[item]
    anchor = int(history_idx[int(np.argmax(sims))])
    verb = VERBS.get(events.get(anchor, "view"), "looked at")
    title = catalog["title"].iat[anchor]
    if source == "content":
        return f"Similar to the {title} you {verb}"
    return f"Because you {verb} the {title}"


def _recommend(
    serving: Serving,
    user_id: str | None,
    history: pd.DataFrame,
    dismissed: set[str],
    *,
    k: int,
    max_per_category: int | None,
    interests: list[str],
    text: str,
) -> RecommendationList:
    model, scorer = serving.model, serving.scorer
    catalog = model.catalog
    hist = model.history_matrix(history, [user_id or "_visitor"]) if not history.empty else None
    if hist is None:
        hist = sparse.csr_matrix((1, len(catalog)), dtype=np.float32)
    query_text = ". ".join(filter(None, [("Interested in " + ", ".join(interests)) if interests else "", text]))
    queries = None
    if query_text:
        queries = serving.embedder.embed([query_text])
    parts = scorer.components(hist, queries=queries)
    if interests:
        in_interest = catalog["category"].isin(interests).to_numpy()
        parts["popularity"] = np.where(in_interest[None, :], parts["popularity"], 0.0)
    length = np.array([hist.indptr[1] - hist.indptr[0]])
    scores, contributions = scorer.blend(parts, length, np.array([bool(query_text)]))
    blocked = rules.blocked_items(catalog, history, model.item_index, dismissed)
    chosen = top_k(
        scores, blocked[None, :], k, categories=catalog["category"].to_numpy(), max_per_category=max_per_category
    )[0]
    events: dict[int, str] = {}
    for item, event in zip(model.positions(history["item_id"]), history["event"], strict=True):
        if item >= 0 and EVENT_RANK.get(event, 0) >= EVENT_RANK.get(events.get(int(item), "view"), 0):
            events[int(item)] = event
    history_idx = np.array(sorted(events), dtype=np.int64)
    items = []
    rows = catalog.iloc[chosen]
    for index, (_, row) in zip(chosen, rows.iterrows(), strict=True):
        source = max(contributions, key=lambda name: contributions[name][0, index])
        price = row["price"]
        items.append(
            Recommendation(
                item_id=str(row["item_id"]),
                title=str(row["title"]),
                category=str(row["category"]),
                price=None if pd.isna(price) else float(price),
                score=float(scores[0, index]),
                reason=_explain(serving, int(index), source, history_idx, events, text or ", ".join(interests)),
                source=source,
            )
        )
    return RecommendationList(
        user_id=user_id,
        items=items,
        model_version=model.version,
        device=serving.device,
        weights={name: float(np.max(contributions[name])) for name in contributions},
    )


# -- public verbs -----------------------------------------------------------------------------------------
def recommend_for_user(
    store: Store,
    user_id: str,
    *,
    k: int = 10,
    max_per_category: int | None = rules.DEFAULT_MAX_PER_CATEGORY,
    interests: list[str] | None = None,
    text: str = "",
    user: str | None = None,
) -> RecommendationList:
    """The top-k for a shopper (cold-start picks, with a note, when we know nothing about them)."""
    user_id = (user_id or "").strip()
    if not user_id:
        raise InvalidInput("Pick a shopper (their customer id) first.")
    if not 1 <= k <= 100:
        raise InvalidInput("Ask for between 1 and 100 recommendations.")
    with track(store, module=MODULE, action="for_user", user=user, input_summary=f"shopper {user_id}, k={k}") as call:
        serving = get_serving(store)
        history = user_history(store, user_id)
        result = _recommend(
            serving,
            user_id,
            history,
            dismissed_items(store, user_id),
            k=k,
            max_per_category=max_per_category,
            interests=interests or [],
            text=text,
        )
        if history.empty:
            result.cold_start = True
            result.note = f"We have no history for shopper {user_id} yet, so these are popular picks" + (
                " matched to the stated interests." if interests or text else "; add interests for better ones."
            )
        elif history["item_id"].nunique() == 1:
            result.note = "This shopper has a single interaction so far; picks lean on popularity and similar products."
        call.record(result)
        call.output = {"user_id": user_id, "items": [r.item_id for r in result.items], "cold_start": result.cold_start}
        result.request_id = call.request_id
    return result


def recommend_for_visitor(
    store: Store, *, interests: list[str] | None = None, text: str = "", k: int = 10, user: str | None = None
) -> RecommendationList:
    """Picks for a brand-new visitor from stated interests (categories) and/or free text."""
    interests = interests or []
    summary = f"visitor interests={interests} text={text[:100]!r}"
    with track(store, module=MODULE, action="for_visitor", user=user, input_summary=summary) as call:
        serving = get_serving(store)
        unknown = sorted(set(interests) - set(serving.model.catalog["category"]))
        if unknown:
            raise InvalidInput(f"Unknown interest(s): {', '.join(unknown)}. Pick from the shop's categories.")
        result = _recommend(
            serving,
            None,
            pd.DataFrame(columns=["user_id", "item_id", "event", "value", "ts"]),
            set(),
            k=k,
            max_per_category=rules.DEFAULT_MAX_PER_CATEGORY if not interests else None,
            interests=interests,
            text=text.strip(),
        )
        result.cold_start = True
        call.record(result)
        call.output = {"user_id": None, "items": [r.item_id for r in result.items], "interests": interests}
        result.request_id = call.request_id
    return result


def similar_items(store: Store, item_id: str, *, k: int = 10, user: str | None = None) -> RecommendationList:
    """Products like `item_id`: same description (content), bought by the same shoppers (co-occurrence, ALS)."""
    with track(store, module=MODULE, action="similar", user=user, input_summary=f"item {item_id}") as call:
        serving = get_serving(store)
        model, vectors = serving.model, serving.scorer.vectors
        index = model.item_index.get(item_id)
        if index is None:
            raise NotFound(f"No product with id {item_id!r} in the catalog. Check the id or import the catalog.")
        content = vectors @ vectors[index]
        together = np.asarray(model.cooc[index].todense()).ravel()
        factors = model.als.item_factors
        norms = np.linalg.norm(factors, axis=1) + 1e-9
        taste = (factors @ factors[index]) / (norms * norms[index]) if norms[index] > 1e-6 else np.zeros_like(content)
        parts = {"content": 0.5 * content, "cooc": 0.3 * together / max(together.max(), 1e-9), "als": 0.2 * taste}
        scores = sum(parts.values())
        blocked = ~model.catalog["in_stock"].to_numpy(dtype=bool) | ~model.catalog["in_catalog"].to_numpy(dtype=bool)
        blocked[index] = True
        chosen = top_k(scores[None, :], blocked[None, :], k)[0]
        reasons = {
            "content": "Similar description",
            "cooc": "Often chosen by the same shoppers",
            "als": "Liked by shoppers with similar taste",
        }
        items = []
        for i in chosen:
            source = max(parts, key=lambda name: parts[name][i])
            row = model.catalog.iloc[int(i)]
            price = None if pd.isna(row["price"]) else float(row["price"])
            items.append(
                Recommendation(
                    str(row["item_id"]), row["title"], row["category"], price, float(scores[i]), reasons[source], source
                )
            )
        result = RecommendationList(user_id=None, items=items, model_version=model.version, device=serving.device)
        call.record(result)
        call.output = {"item_id": item_id, "items": [r.item_id for r in items]}
        result.request_id = call.request_id
    return result


def record_feedback(
    store: Store,
    shown: RecommendationList,
    item_id: str,
    *,
    interested: bool,
    user: str | None = None,
) -> str:
    """Log "interested" (click) or "not interested" (dismiss) on one card; a dismissal applies at once."""
    position = next((i for i, r in enumerate(shown.items) if r.item_id == item_id), None)
    if position is None:
        raise InvalidInput(f"Product {item_id} was not in the list shown; refresh the recommendations.")
    card = shown.items[position]
    value = {
        "user_id": shown.user_id,
        "item_id": card.item_id,
        "title": card.title,
        "category": card.category,
        "answer": "interested" if interested else "not interested",
        "reason_shown": card.reason,
        "score": round(card.score, 4),
        "position": position + 1,
        "list_shown": [r.item_id for r in shown.items],
        "model_version": shown.model_version,
        "context": f"Shown to shopper {shown.user_id or '(new visitor)'} as pick #{position + 1}: "
        f"{card.title} ({card.category}), because “{card.reason}”.",
    }
    return store.log_feedback(
        module=MODULE, kind="click" if interested else "dismiss", value=value, request_id=shown.request_id, user=user
    )


# -- page helpers -----------------------------------------------------------------------------------------
def shoppers(store: Store, limit: int = 300) -> list[dict[str, Any]]:
    """The most active shoppers (for the picker), with how many interactions each has."""
    return store.query(
        "SELECT user_id, count(*) AS interactions, max(ts) AS last_seen FROM rec_interactions "
        "GROUP BY user_id ORDER BY interactions DESC, user_id LIMIT ?",
        [limit],
    )


def recent_history(store: Store, user_id: str, limit: int = 8) -> list[dict[str, Any]]:
    return store.query(
        "SELECT i.ts, i.event, i.item_id, coalesce(c.title, i.item_id) AS title, c.category "
        "FROM rec_interactions i LEFT JOIN rec_items c USING (item_id) WHERE i.user_id = ? "
        "ORDER BY i.ts DESC LIMIT ?",
        [user_id, limit],
    )


def categories(store: Store) -> list[str]:
    rows = store.query("SELECT DISTINCT category FROM rec_items ORDER BY category")
    if rows:
        return [r["category"] for r in rows]
    return sorted(load_model(store.settings).catalog.query("in_catalog")["category"].unique())


def insights(store: Store) -> dict[str, Any]:
    """Coverage and popularity concentration of the lists actually shown, and the model in use."""
    model = load_model(store.settings)
    rows = store.query(
        "SELECT output_summary FROM events WHERE module = ? AND action IN ('for_user', 'for_visitor') "
        "AND status = 'ok' ORDER BY ts DESC LIMIT 5000",
        [MODULE],
    )
    shown = [item for row in rows for item in json.loads(row["output_summary"] or "{}").get("items", [])]
    in_catalog = model.catalog[model.catalog["in_catalog"]]
    order = np.argsort(-model.popularity)
    top_share = max(1, len(order) // 10)
    popular = set(model.catalog["item_id"].to_numpy()[order[:top_share]])
    feedback = store.query(
        "SELECT kind, count(*) AS n FROM feedback WHERE module = ? GROUP BY kind ORDER BY kind", [MODULE]
    )
    by_category = pd.Series(
        model.catalog.set_index("item_id")["category"].reindex(shown).fillna("Unknown").to_numpy()
    ).value_counts()
    return {
        "model_version": model.version,
        "trained_at": model.trained_at,
        "data_until": model.data_until,
        "lists_shown": len(rows),
        "items_shown": len(shown),
        "catalog_size": len(in_catalog),
        "catalog_coverage": len(set(shown)) / max(len(in_catalog), 1),
        "popular_share": (sum(i in popular for i in shown) / len(shown)) if shown else 0.0,
        "shown_by_category": by_category.to_dict(),
        "feedback": {r["kind"]: int(r["n"]) for r in feedback},
    }
