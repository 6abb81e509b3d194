"""Recommendations page: a shopper's top 10 with reasons, new-visitor picks, similar products, insights.

Product titles, categories and shopper ids come from imported files: they are shown with `st.text` (or as
plain widget options), never as Markdown, so a title like `![x](http://evil/beacon.png)` stays text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import done, get_settings, get_store, page_header, progress_bar, run
from suite.modules import MODULES
from suite.recommend import service as rec
from suite.recommend.models import RecommendationList

info = next(m for m in MODULES if m.key == "recommend")
page_header(info.title, info.summary, module=info.key)
settings, store = get_settings(), get_store()

if not rec.model_status(settings).on_disk:
    st.warning("The recommender has not been built on this machine yet (about a minute, once).")
    if st.button("Build the recommender", type="primary"):
        with progress_bar("Building the recommender") as progress:
            done(lambda: rec.build_default_model(settings, progress), what="Building the recommender")
        st.rerun()
    st.stop()

shopper_rows = run(lambda: rec.shoppers(store), what="Loading shoppers") or []
if not shopper_rows:
    st.info("There is no shop data yet. Load the sample shop, or import your own with `suite recommend import`.")
    if st.button("Load the sample shop", type="primary"):
        with st.spinner("Importing 1,000 products and 50,000 interactions..."):
            done(lambda: rec.load_sample_shop(store, identity=signed_identity()), what="Loading the sample shop")
        st.rerun()


def show_cards(result: RecommendationList, *, feedback: bool) -> None:
    """Cards in two columns; with `feedback`, each has Interested / Not interested buttons."""
    columns = st.columns(2)
    for rank, item in enumerate(result.items, start=1):
        with columns[(rank - 1) % 2].container(border=True):
            price = f" · ${item.price:,.2f}" if item.price is not None else ""
            st.text(f"{rank}. {item.title}")  # imported text: never Markdown
            st.text(f"{item.category}{price}")
            st.text(f"{item.reason} · match {item.score:.2f}")
            if feedback:
                left, right = st.columns(2)
                left.button("Interested", key=f"like-{item.item_id}", on_click=give_feedback, args=(item.item_id, True))
                right.button(
                    "Not interested", key=f"dismiss-{item.item_id}", on_click=give_feedback, args=(item.item_id, False)
                )


def give_feedback(item_id: str, interested: bool) -> None:
    shown = st.session_state.get("rec_list")
    if shown is None:
        return
    if done(lambda: rec.record_feedback(store, shown, item_id, interested=interested, identity=signed_identity())):
        st.session_state["rec_notice"] = (
            "Thanks, noted: more like this." if interested else "Removed. It will not be suggested again."
        )
        if not interested:
            st.session_state.pop("rec_list")  # the fresh list honours the dismissal at once


shopper_tab, visitor_tab, similar_tab, insights_tab = st.tabs(
    ["For a shopper", "New visitor", "Similar products", "Insights"]
)

with shopper_tab:
    labels = {r.user_id: f"{r.user_id} ({r.interactions} interactions)" for r in shopper_rows}
    picked = st.selectbox("Shopper", list(labels), format_func=labels.get, index=0 if labels else None)
    typed = st.text_input("…or type any shopper id", placeholder="e.g. a new customer's id").strip()
    user_id = typed or picked
    if user_id:
        history = run(lambda: rec.recent_history(store, user_id), what="Loading history") or []
        with st.expander("Recent history of this shopper", expanded=False):
            if history:
                rows = [entry.as_dict() for entry in history]
                st.dataframe(pd.DataFrame(rows)[["ts", "event", "title", "category"]], hide_index=True)
            else:
                st.write("No history yet: this shopper gets popular picks until they interact.")
        shown = st.session_state.get("rec_list")
        if shown is None or shown.user_id != user_id:
            shown = run(lambda: rec.recommend_for_user(store, user_id, identity=signed_identity()), what="Recommending")
            st.session_state["rec_list"] = shown
        if notice := st.session_state.pop("rec_notice", None):
            st.success(notice)
        if shown is not None:
            if shown.note:
                st.text(shown.note)  # names the shopper id, which came from an import
            show_cards(shown, feedback=True)

with visitor_tab:
    st.write("A first-time visitor: pick a few interests and/or say what they are looking for.")
    all_categories = run(lambda: rec.categories(store), what="Loading categories") or []
    interests = st.multiselect("Interests", all_categories, key="rec_interests")  # plain-text options
    text = st.text_input("What are you looking for?", key="rec_visitor_text")
    if interests or text.strip():
        picks = run(
            lambda: rec.recommend_for_visitor(store, interests=list(interests), text=text, identity=signed_identity())
        )
        if picks is not None:
            show_cards(picks, feedback=False)

with similar_tab:
    products = (run(lambda: rec.products(store), what="Loading products") or []) if shopper_rows else []
    names = {p.item_id: f"{p.title} ({p.item_id})" for p in products}
    product = st.selectbox("Product", list(names), format_func=names.get, index=None, placeholder="Pick a product")
    if product:
        similar = run(
            lambda: rec.similar_items(store, product, identity=signed_identity()), what="Finding similar products"
        )
        if similar is not None:
            show_cards(similar, feedback=False)

with insights_tab:
    facts = run(lambda: rec.insights(store), what="Loading insights")
    if facts:
        a, b, c = st.columns(3)
        a.metric("Model in use", facts.model_version, help=f"Trained {facts.trained_at[:16]}")
        b.metric("Catalog coverage", f"{facts.catalog_coverage:.0%}", help="Share of products shown at least once")
        c.metric(
            "Shown from the top-10% most popular",
            f"{facts.popular_share:.0%}",
            help="High values mean recommendations concentrate on a few best-sellers.",
        )
        st.caption(
            f"{facts.lists_shown} lists shown, {facts.catalog_size} products in the catalog. "
            f"Feedback so far: {facts.feedback or 'none'}."
        )
        if facts.shown_by_category:
            st.bar_chart(pd.Series(facts.shown_by_category, name="products shown"), horizontal=True)
        st.markdown(f"**How the picks are made.** {rec.how_picks_are_made()}")
