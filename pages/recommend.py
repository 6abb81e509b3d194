"""Recommendations page: a shopper's top 10 with reasons, new-visitor picks, similar products, insights.

Product titles, categories and shopper ids come from imported files: they are shown with `st.text` (or as
plain widget options), never as Markdown, so a title like `![x](http://evil/beacon.png)` stays text. Each card
has a picture (`rec.card_picture`: the product's own local one, else its category's, else a drawn placeholder).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import (
    done,
    get_settings,
    get_store,
    module_summary,
    module_title,
    number,
    page_header,
    percent,
    progress_bar,
    run,
    t,
    tn,
    when,
    words,
)
from suite.recommend import service as rec
from suite.recommend.models import RecommendationList

page_header(module_title("recommend"), module_summary("recommend"), module="recommend")
settings, store = get_settings(), get_store()

if not rec.model_status(settings).on_disk:
    st.warning(t("rec.not_built"))
    if st.button(t("rec.build"), type="primary"):
        with progress_bar(t("rec.what.build")) as progress:
            done(lambda: rec.build_default_model(settings, progress), what=t("rec.what.build"))
        st.rerun()
    st.stop()

shopper_rows = run(lambda: rec.shoppers(store), what=t("rec.what.shoppers")) or []
if not shopper_rows:
    st.info(t("rec.no_shop"))
    if st.button(t("rec.load_sample"), type="primary"):
        with st.spinner(t("rec.importing")):
            done(lambda: rec.load_sample_shop(store, identity=signed_identity()), what=t("rec.what.sample"))
        st.rerun()


def _trained(text: str) -> datetime | None:
    """The model's training time (stored as ISO text) for `when`; None when it cannot be read."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def show_cards(result: RecommendationList, *, feedback: bool) -> None:
    """Cards in two columns; with `feedback`, each has Interested / Not interested buttons."""
    columns = st.columns(2)
    for rank, item in enumerate(result.items, start=1):
        with columns[(rank - 1) % 2].container(border=True):
            picture = rec.card_picture(item.item_id, item.category, settings=settings)
            st.image(picture.data)  # its own 320 px, narrower on a phone; never fetched from the web
            price = f" · ${item.price:,.2f}" if item.price is not None else ""
            st.text(f"{rank}. {item.title}")  # imported text: never Markdown
            st.text(f"{item.category or ''}{price}")
            st.text(f"{words(item.reason)} · {t('rec.match', share=percent(item.score))}")
            if feedback:
                left, right = st.columns(2)
                left.button(
                    t("rec.interested"), key=f"like-{item.item_id}", on_click=give_feedback, args=(item.item_id, True)
                )
                right.button(
                    t("rec.not_interested"),
                    key=f"dismiss-{item.item_id}",
                    on_click=give_feedback,
                    args=(item.item_id, False),
                )


def give_feedback(item_id: str, interested: bool) -> None:
    shown = st.session_state.get("rec_list")
    if shown is None:
        return
    if done(
        lambda: rec.record_feedback(store, shown, item_id, interested=interested, identity=signed_identity()),
        what=t("rec.what.feedback"),
    ):
        st.session_state["rec_notice"] = t("rec.noted_more") if interested else t("rec.noted_removed")
        if not interested:
            st.session_state.pop("rec_list")  # the fresh list honours the dismissal at once


shopper_tab, visitor_tab, similar_tab, insights_tab = st.tabs(
    [t("rec.tab.shopper"), t("rec.tab.visitor"), t("rec.tab.similar"), t("rec.tab.insights")]
)

with shopper_tab:
    labels = {r.user_id: tn("rec.shopper_label", r.interactions, user=r.user_id) for r in shopper_rows}
    picked = st.selectbox(t("rec.shopper"), list(labels), format_func=labels.get, index=0 if labels else None)
    typed = st.text_input(t("rec.type_id"), placeholder=t("rec.type_id_placeholder")).strip()
    user_id = typed or picked
    if user_id:
        history = run(lambda: rec.recent_history(store, user_id), what=t("rec.what.history")) or []
        with st.expander(t("rec.history"), expanded=False):
            if history:
                rows = [
                    {
                        t("rec.col.when"): when(entry.ts),
                        t("rec.col.event"): entry.event,
                        t("rec.col.title"): entry.title,
                        t("rec.col.category"): entry.category or "",
                    }
                    for entry in history
                ]
                st.dataframe(pd.DataFrame(rows), hide_index=True)
            else:
                st.write(t("rec.no_history"))
        shown = st.session_state.get("rec_list")
        if shown is None or shown.user_id != user_id:
            shown = run(
                lambda: rec.recommend_for_user(store, user_id, identity=signed_identity()), what=t("rec.what.recommend")
            )
            st.session_state["rec_list"] = shown
        if notice := st.session_state.pop("rec_notice", None):
            st.success(notice)
        if shown is not None:
            if shown.note:
                st.text(words(shown.note))  # names the shopper id, which came from an import
            show_cards(shown, feedback=True)

with visitor_tab:
    st.write(t("rec.visitor_intro"))
    all_categories = run(lambda: rec.categories(store), what=t("rec.what.categories")) or []
    interests = st.multiselect(t("rec.interests"), all_categories, key="rec_interests")  # plain-text options
    text = st.text_input(t("rec.looking_for"), key="rec_visitor_text")
    if interests or text.strip():
        picks = run(
            lambda: rec.recommend_for_visitor(store, interests=list(interests), text=text, identity=signed_identity()),
            what=t("rec.what.recommend"),
        )
        if picks is not None:
            if picks.note:
                st.text(words(picks.note))  # "Nothing in Baby matches ...": why the cards are other picks
            show_cards(picks, feedback=False)

with similar_tab:
    products = (run(lambda: rec.products(store), what=t("rec.what.products")) or []) if shopper_rows else []
    names = {p.item_id: f"{p.title} ({p.item_id})" for p in products}
    product = st.selectbox(
        t("rec.product"), list(names), format_func=names.get, index=None, placeholder=t("rec.pick_product")
    )
    if product:
        similar = run(lambda: rec.similar_items(store, product, identity=signed_identity()), what=t("rec.what.similar"))
        if similar is not None:
            show_cards(similar, feedback=False)

with insights_tab:
    facts = run(lambda: rec.insights(store), what=t("rec.what.insights"))
    if facts:
        a, b, c = st.columns(3)
        a.metric(t("rec.model_trained"), when(_trained(facts.trained_at)) or "—")  # not the version's hash
        b.metric(t("rec.coverage"), percent(facts.catalog_coverage), help=t("rec.coverage_help"))
        c.metric(t("rec.popular"), percent(facts.popular_share), help=t("rec.popular_help"))
        said = [
            t(f"rec.feedback.{kind}", count=number(n)) if kind in ("click", "dismiss") else f"{kind}: {number(n)}"
            for kind, n in sorted(facts.feedback.items())
        ]
        st.caption(
            t(
                "rec.lists_shown",
                lists=number(facts.lists_shown),
                products=number(facts.catalog_size),
                feedback=", ".join(said) or t("rec.feedback.none"),
            )
        )
        if facts.shown_by_category:
            st.bar_chart(pd.Series(facts.shown_by_category, name=t("rec.products_shown")), horizontal=True)
        st.markdown(f"{t('rec.how')} {rec.how_picks_are_made()}")
