"""The recommender's public functions (pages, the CLI and the API call these, nothing else in the module).

Each request reads the champion pointer (cheap), the shopper's current history and dismissals from the
store, recalculates their ALS vector from that history (so a changed history counts at once, no retrain)
and applies the business rules. Every list shown is logged as one `events` row whose request_id the
page's "interested" / "not interested" feedback points back to.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pandas as pd

from suite.auth.trail import audited
from suite.errors import InvalidInput, message
from suite.modules import DemoReport, ModelStatus
from suite.progress import Progress, no_progress
from suite.recommend import hybrid, ingest, queries, rules
from suite.recommend.models import (
    HistoryEntry,
    ImportReport,
    Insights,
    ModelScore,
    Product,
    RecommendationList,
    Shopper,
)
from suite.recommend.pictures import Picture, picture_for
from suite.recommend.serving import current_dir, get_serving, load_model, ranked
from suite.settings import Settings
from suite.store import Store
from suite.tracking import track

MODULE = "recommend"
MODEL_DESCRIPTION = "hybrid recommender (ALS + co-occurrence + content + popularity)"
_VISITOR_HISTORY = ["user_id", "item_id", "event", "value", "ts"]
MAX_K = 100  # the longest list one request may ask for
MAX_QUERY_CHARS = 1000  # a visitor's own words
MAX_INTERESTS = 50
MAX_ID_CHARS = ingest.MAX_ID_CHARS


# -- the model ----------------------------------------------------------------------------------------------
def model_status(settings: Settings) -> ModelStatus:
    """The model that serves now (the champion, else the default one), and whether it is built."""
    folder = current_dir(settings)
    version_file = folder / "VERSION"
    return ModelStatus(
        module=MODULE,
        model=MODEL_DESCRIPTION,
        version=version_file.read_text().strip() if version_file.exists() else None,
        path=str(folder),
        on_disk=(folder / "model.json").exists(),
    )


def build_default_model(settings: Settings, progress: Progress = no_progress) -> None:
    """Train the default model from the sample shop when none is built yet (about a minute, once)."""
    from suite.recommend.default_model import build_default

    build_default(settings, progress)


def how_picks_are_made() -> str:
    """The blending rule and the business rules in words, for merchandisers."""
    return f"{hybrid.describe_blend()} {rules.RULES_IN_WORDS}"


# -- data in --------------------------------------------------------------------------------------------
@audited("demo.load", target=lambda a: "recommend")
def load_sample_shop(store: Store, progress: Progress = no_progress) -> DemoReport:
    """The sample catalog and interaction log into the store (a second call adds nothing)."""
    from suite.recommend.demo import load_demo

    return load_demo(store, progress)


@audited("recommend.import", target=lambda a: a["catalog"] or a["interactions"])
def import_files(
    store: Store,
    *,
    catalog: str | Path | None = None,
    interactions: str | Path | None = None,
    source: str = "import",
    encoding: str | None = None,
    progress: Progress = no_progress,
) -> list[ImportReport]:
    """Check a catalog and/or an interaction log, then save them in one transaction (all good rows, or nothing).

    Files are CSV, plain or gzip, in UTF-8, UTF-16 or a legacy encoding that is detected (or named in
    `encoding`); bad rows are reported by line (and written to a rejects file), never stored.
    """
    return ingest.import_files(
        store, catalog=catalog, interactions=interactions, source=source, encoding=encoding, progress=progress
    )


@audited("recommend.import", target="path")
def import_catalog(
    store: Store, path: str | Path, *, encoding: str | None = None, progress: Progress = no_progress
) -> ImportReport:
    """Add or update products from a catalog CSV(.gz): item_id,title,category[,description][,price][,in_stock]."""
    return import_files(store, catalog=path, encoding=encoding, progress=progress)[0]


@audited("recommend.import", target="path")
def import_interactions(
    store: Store,
    path: str | Path,
    *,
    source: str = "import",
    encoding: str | None = None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Add an interaction log CSV(.gz): user_id,item_id,timestamp[,event][,value]; repeats are skipped."""
    return import_files(store, interactions=path, source=source, encoding=encoding, progress=progress)[0]


# -- recommendations --------------------------------------------------------------------------------------
def _check_k(k: int) -> None:
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"Ask for between 1 and {MAX_K} recommendations.")


def _checked_id(value: str, empty: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(empty)
    if len(text) > MAX_ID_CHARS:
        raise InvalidInput(f"{what} has at most {MAX_ID_CHARS} characters; this one has {len(text):,}.")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidInput(f"{what} cannot contain control characters.")
    return text


@audited("recommend.run", target="user_id")
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
    user_id = _checked_id(user_id, "Pick a shopper (their customer id) first.", "A shopper id")
    _check_k(k)
    with track(store, module=MODULE, action="for_user", user=user, input_summary=f"shopper {user_id}, k={k}") as call:
        history = queries.user_history(store, user_id)
        result = ranked(
            store,
            "rank",
            user_id,
            history,
            queries.dismissed_items(store, user_id),
            k=k,
            max_per_category=max_per_category,
            interests=interests or [],
            text=text,
        )
        if history.empty:
            result.cold_start = True
            matched = interests or text
            result.note = message("rec.note.new_shopper_matched" if matched else "rec.note.new_shopper", user=user_id)
        elif history["item_id"].nunique() == 1:
            result.note = message("rec.note.one_interaction")
        call.record(result)
        call.output = {"user_id": user_id, "items": [r.item_id for r in result.items], "cold_start": result.cold_start}
        result.request_id = call.request_id
    return result


@audited("recommend.run")
def recommend_for_visitor(
    store: Store, *, interests: list[str] | None = None, text: str = "", k: int = 10, user: str | None = None
) -> RecommendationList:
    """Picks for a brand-new visitor from stated interests (categories) and/or free text."""
    interests = interests or []
    _check_k(k)
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"Describe what the visitor wants in at most {MAX_QUERY_CHARS:,} characters.")
    if len(interests) > MAX_INTERESTS or any(len(str(i)) > ingest.MAX_TEXT_CHARS["category"] for i in interests):
        raise InvalidInput(f"Pick at most {MAX_INTERESTS} interests from the shop's categories.")
    summary = f"visitor interests={interests} text={text[:100]!r}"
    with track(store, module=MODULE, action="for_visitor", user=user, input_summary=summary) as call:
        known = categories(store) if store.settings.ray_address else get_serving(store).model.catalog["category"]
        unknown = sorted(set(interests) - set(known))
        if unknown:
            raise InvalidInput(f"Unknown interest(s): {', '.join(unknown)}. Pick from the shop's categories.")
        result = ranked(
            store,
            "rank",
            None,
            pd.DataFrame(columns=_VISITOR_HISTORY),
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


@audited("recommend.run", target="item_id")
def similar_items(store: Store, item_id: str, *, k: int = 10, user: str | None = None) -> RecommendationList:
    """Products like `item_id`: same description (content), bought by the same shoppers (co-occurrence, ALS)."""
    item_id = _checked_id(item_id, "Pick a product first.", "A product id")
    _check_k(k)
    with track(store, module=MODULE, action="similar", user=user, input_summary=f"item {item_id}") as call:
        result = ranked(store, "similar", item_id, k=k)
        call.record(result)
        call.output = {"item_id": item_id, "items": [r.item_id for r in result.items]}
        result.request_id = call.request_id
    return result


@audited("recommend.feedback", target="item_id")
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


# -- what the page lists ----------------------------------------------------------------------------------
def shoppers(store: Store, limit: int = 300) -> list[Shopper]:
    """The most active shoppers (for the picker), with how many interactions each has."""
    return [Shopper(r["user_id"], int(r["interactions"]), r["last_seen"]) for r in queries.shoppers(store, limit)]


def recent_history(store: Store, user_id: str, limit: int = 8) -> list[HistoryEntry]:
    """The shopper's latest interactions, newest first."""
    return [HistoryEntry(**row) for row in queries.recent_history(store, user_id, limit)]


def categories(store: Store) -> list[str]:
    """The shop's categories (from the store's catalog, else the serving model's)."""
    found = queries.categories(store)
    if found:
        return found
    return sorted(load_model(store.settings).catalog.query("in_catalog")["category"].unique())


def products(store: Store) -> list[Product]:
    """Every product in the store's catalog, by title (for the "similar products" picker)."""
    return [Product(r["item_id"], r["title"]) for r in queries.products(store)]


def insights(store: Store) -> Insights:
    """Coverage and popularity concentration of the lists actually shown, and the model in use."""
    from suite.recommend.insights import insights as _insights

    return _insights(store, load_model(store.settings))


# -- offline evaluation -----------------------------------------------------------------------------------
def evaluate_files(
    settings: Settings,
    interactions: str | Path,
    catalog: str | Path | None = None,
    *,
    progress: Progress = no_progress,
) -> list[ModelScore]:
    """Every model on a time split of an interaction log (each shopper's last 20 % held out).

    The files are validated exactly as an import would, in a scratch store: the suite's store is not touched.
    """
    from suite.recommend.content import text_embedder, vectors_dir
    from suite.recommend.evaluate import evaluate
    from suite.recommend.retrain import store_frames

    with tempfile.TemporaryDirectory(prefix="rec-eval-") as tmp:
        scratch = Store(settings.with_(home=Path(tmp)))
        try:
            ingest.import_files(scratch, catalog=catalog, interactions=interactions, progress=progress)
            frame, items, _, _ = store_frames(scratch)
        finally:
            scratch.close()
    return evaluate(
        frame,
        items,
        text_embedder(settings),
        cache_dir=vectors_dir(settings),
        device=settings.device,
        progress=progress,
    )


# -- warm-up (suite.warmup) ---------------------------------------------------------------------------------
def warm_up(settings: Settings, store: Store) -> None:
    """Load the serving model lined up with the store's catalog, and rank once for a visitor with text (loads
    the text embedder), so the first list after start comes at once; nothing is logged.

    Raises:
        RecommenderNotBuilt: no model is on disk yet (the page says how to build it).
    """
    empty = pd.DataFrame(columns=_VISITOR_HISTORY)  # through `ranked`: on Ray Serve this deploys the recommender
    ranked(store, "rank", None, empty, set(), k=1, max_per_category=None, interests=[], text="warm up")


# -- pictures of the cards -----------------------------------------------------------------------------------
def card_picture(item_id: str, category: str | None, *, settings: Settings, image: str | None = None) -> Picture:
    """The picture of one recommendation card, from local files only (`suite.recommend.pictures`): the product's
    own image when given (a data URL or a file in SUITE_HOME), a picture in SUITE_HOME/recommend/pictures/, the
    sample catalog's category picture, else a placeholder drawn for the category. Never fetched from the web."""
    return picture_for(item_id, category, home=settings.home, image=image)
