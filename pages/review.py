"""Review feedback: one card per item in the words of its module; accept, reject, next by keyboard; bulk with a
confirmation naming the count; undo of your latest decision.

Keyboard: `a` accept, `r` reject, `n` next, `p` previous, `u` undo (streamlit-shortcuts clicks the button of
the same name; the keys are ignored while typing in a text box, see `_KEY_LISTENER`).
"""

import json

import streamlit as st
import streamlit.components.v1 as components
from streamlit_shortcuts import add_shortcuts

from pages import session
from pages.session import identity as signed_identity
from pages.ui import (
    current_user,
    done,
    forget_attention_counts,
    get_store,
    language,
    module_title,
    number,
    page_header,
    plain,
    run,
    t,
    tn,
    words,
)
from suite.modules import MODULES
from suite.review import Filters, counts, decide, list_feedback
from suite.review.cards import Card, card_for, correct, kind_words, state_words
from suite.review.history import last_batch, undo_last
from suite.review.media import image_with_box
from suite.review.models import STATES
from suite.store import FEEDBACK_KINDS

page_header(t("review.title"), t("review.summary"))
store = get_store()
state = st.session_state
SHOWN = 500  # items loaded with these filters, and the most one bulk action decides on
PER_PAGE = 20  # cards listed under "Up next" at a time
lang = language()
titles = {info.key: module_title(info.key) for info in MODULES}
signed = session.current()
reviewer = signed.identity.user if signed else current_user()  # the signed-in name goes with every decision
KEYS = {"review_accept": "a", "review_reject": "r", "review_next": "n", "review_previous": "p", "review_undo": "u"}
# streamlit-shortcuts keeps the keys in `window.__streamlitShortcutsMap` and listens from inside its own frame; that
# listener dies when Streamlit re-creates the frame (a page visited again, a layout shift) and it also fires
# while someone types into a text box. So the page's own listener, created once in the page's window (it lives
# as long as the browser tab), reads the same map, leaves keys typed into boxes alone and takes the place of the
# frame's listener (the library then only updates the map). Plain keys only: no Ctrl, Alt, Cmd or Shift.
_KEY_LISTENER = """(() => {
  if (window.__suiteKeys) return;
  window.__suiteKeys = true;
  const typing = (t) => t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
  const listener = (e) => {
    if (typing(e.target) || e.ctrlKey || e.altKey || e.metaKey || e.shiftKey || e.repeat) return;
    for (const [key, wanted] of Object.entries(window.__streamlitShortcutsMap || {})) {
      if (![].concat(wanted).some((k) => k.toLowerCase() === e.key.toLowerCase())) continue;
      const button = document.querySelector(`.st-key-${key} button`);
      if (button && !button.disabled) { e.preventDefault(); button.click(); }
      return;
    }
  };
  if (window.__streamlitShortcutsListener) document.removeEventListener("keydown", window.__streamlitShortcutsListener);
  window.__streamlitShortcutsListener = listener;
  window.__streamlitShortcutsMap = window.__streamlitShortcutsMap || {};
  window.__streamlitShortcutsInitialized = true;
  document.addEventListener("keydown", listener);
})();"""
_KEYS_SCRIPT = f"<script>window.parent.eval({json.dumps(_KEY_LISTENER)});</script>"

flash = state.pop("review_flash", None)
if flash:
    st.success(words(flash))

waiting = run(lambda: counts(store), what=t("review.what.counts"))
if waiting is not None:
    per_module = [f"{titles[info.key]}: {number(waiting.of(info.key))}" for info in MODULES]
    st.caption(t("review.waiting", counts=" · ".join(per_module)))

a, b, c, d = st.columns(4)
module = a.selectbox(
    t("review.filter.module"),
    [None, *titles],
    format_func=lambda k: t("review.filter.all_modules") if k is None else titles[k],
)
kind = b.selectbox(
    t("review.filter.kind"),
    [None, *FEEDBACK_KINDS],
    format_func=lambda k: t("review.filter.all_kinds") if k is None else kind_words(k, lang),
)
status = c.selectbox(t("review.filter.state"), list(STATES), format_func=lambda s: state_words(s, lang))
text = d.text_input(t("review.filter.text"), placeholder=t("review.filter.text_hint"))
filters = Filters(module=module, kind=kind, state=status, text=text or None)
items = run(lambda: list_feedback(store, filters, limit=SHOWN), what=t("review.what.list")) or []
cards = [card_for(item, titles, home=store.settings.home, language=lang) for item in items]
ids = [card.feedback_id for card in cards]
by_id = {card.feedback_id: card for card in cards}


def _flash(message: str) -> None:
    """Say what happened at the top of the next run; the sidebar's Needs attention count is read anew."""
    state["review_flash"] = message
    forget_attention_counts()


def _undo_bar() -> None:
    batch = run(lambda: last_batch(store, reviewer), what=t("review.what.last"))
    if batch is None:
        return
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(t("review.last", done=batch.sentence(lang)))
    if right.button(t("review.undo"), key="review_undo", icon=":material/undo:", width="stretch"):
        undone = run(lambda: undo_last(store, reviewer, identity=signed_identity()), what=t("review.what.undo"))
        if undone is not None:
            _flash(t("review.undone", done=undone.sentence(lang)))
            st.rerun()


def _status_badge(card: Card) -> str:
    colour = {"new": "orange", "accepted": "green", "rejected": "gray"}.get(card.state, "gray")
    return f":{colour}-badge[{plain(card.status)}]"


def _card_header(card: Card) -> None:
    st.markdown(f"{card.icon} **{plain(card.module_title)} · {plain(card.kind_title)}** {_status_badge(card)}")
    st.caption(plain(card.given))


def _show(card: Card) -> None:
    """The whole card: what it is about, the photo or the recording, and the correction box."""
    _card_header(card)
    st.markdown(f"**{plain(card.headline)}**")
    media = card.image is not None or card.audio is not None
    left, right = st.columns(2) if media else (st.container(), None)
    with left:
        for fact in card.facts:
            if fact.text != card.headline:  # the question is the card's headline already
                st.markdown(t("review.fact_line", label=plain(fact.label), text=plain(fact.text)))
    if right is not None:
        with right:
            if card.image is not None:
                picture = image_with_box(card.image.path, card.image.box, card.box_label)
                st.image(picture, caption=card.image_name or None, width=min(480, max(320, picture.width)))
            if card.audio is not None:
                st.audio(str(card.audio.path), start_time=int(card.audio.start))
    fix = card.correction
    if fix is not None:
        key = f"review_fix_{card.feedback_id}"
        if fix.choices:
            index = fix.choices.index(fix.current) if fix.current in fix.choices else 0
            typed = st.selectbox(
                fix.label, fix.choices, index=index, key=key, format_func=lambda c: fix.choice_words.get(c, c)
            )
        else:
            typed = st.text_area(fix.label, fix.current, key=key, height=120)
        if st.button(t("review.save"), key=f"review_save_{card.feedback_id}"):

            def saving() -> None:
                correct(store, card.feedback_id, typed, reviewer=reviewer, identity=signed_identity())

            if done(saving, what=t("review.what.save")):
                _flash(t("review.saved"))
                st.rerun()


def _focus() -> str | None:
    """The card being worked on: kept across runs; a link from Needs attention (?item=...) opens its card."""
    wanted = st.query_params.get("item")
    if wanted and wanted != state.get("review_link_seen"):
        state["review_link_seen"] = wanted
        if wanted in by_id:
            state["review_cursor"] = wanted
        else:
            st.info(t("review.link_missing"))
    if state.get("review_cursor") not in by_id:
        state["review_cursor"] = ids[0] if ids else None
    return state["review_cursor"]


def _decide_focused(fid: str, decision: str) -> None:
    position = ids.index(fid)
    after = ids[position + 1] if position + 1 < len(ids) else (ids[position - 1] if position else None)
    changed = run(
        lambda: decide(store, [fid], decision, reviewer=reviewer, identity=signed_identity()),
        what=t(f"review.what.{decision}"),
    )
    if changed is not None:
        state["review_cursor"] = after
        _flash(t(f"review.decided.{decision}", headline=by_id[fid].headline[:80]))
        st.rerun()


def _focused(fid: str) -> None:
    position = ids.index(fid)
    st.subheader(t("review.item_of", n=number(position + 1), total=number(len(ids))))
    accept, reject, previous, following = st.columns(4)  # above the card: in the same place for every card
    if accept.button(t("review.accept"), key="review_accept", type="primary", icon=":material/check:", width="stretch"):
        _decide_focused(fid, "accept")
    if reject.button(t("review.reject"), key="review_reject", icon=":material/close:", width="stretch"):
        _decide_focused(fid, "reject")
    if previous.button(t("review.previous"), key="review_previous", disabled=position == 0, width="stretch"):
        state["review_cursor"] = ids[position - 1]
        st.rerun()
    last = position + 1 >= len(ids)
    if following.button(t("review.next"), key="review_next", disabled=last, width="stretch"):
        state["review_cursor"] = ids[position + 1]
        st.rerun()
    st.caption(t("review.keys_help"))
    with st.container(border=True):
        _show(by_id[fid])


def _ask_to_confirm(decision: str, chosen: list[str]) -> None:
    state["review_pending"] = {"decision": decision, "ids": list(chosen)}
    st.rerun()


def _confirmation() -> bool:
    """The pending bulk decision, named with its count; True while it waits (the rest of the page is hidden)."""
    pending = state.get("review_pending")
    if not pending:
        return False
    decision, chosen = pending["decision"], pending["ids"]
    n = len(chosen)
    with st.container(border=True):
        st.warning(tn(f"review.confirm.{decision}", n), icon=":material/help:")
        for fid in chosen[:5]:
            shown = by_id.get(fid)
            st.markdown(f"- {plain(shown.headline[:100]) if shown else t('review.confirm.gone')}")
        if n > 5:
            st.caption(tn("review.confirm.more", n - 5))
        yes, no = st.columns(2)
        if yes.button(tn(f"review.confirm.yes.{decision}", n), key="review_confirm", type="primary", width="stretch"):
            changed = run(
                lambda: decide(store, chosen, decision, reviewer=reviewer, identity=signed_identity()),
                what=t(f"review.what.{decision}"),
            )
            state.pop("review_pending", None)
            if changed is not None:
                state["review_picked"] = set()
                _flash(tn(f"review.bulk_done.{decision}", changed))
            st.rerun()
        if no.button(t("review.cancel"), key="review_cancel", width="stretch"):
            state.pop("review_pending", None)
            _flash(t("review.nothing_changed"))
            st.rerun()
    return True


def _toggle(fid: str) -> None:
    """Picks live in their own set: a page of cards not shown (or the confirmation) does not drop them."""
    picked = state.setdefault("review_picked", set())
    (picked.add if state.get(f"review_pick_{fid}") else picked.discard)(fid)


def _up_next(focus: str) -> list[str]:
    """Every listed item as a short card with a box to pick it; returns the picked ids."""
    picked = state.setdefault("review_picked", set())
    st.subheader(t("review.all_items"))
    pages = max(1, -(-len(ids) // PER_PAGE))
    page = st.number_input(t("review.page"), 1, pages, 1, key="review_page") if pages > 1 else 1
    for fid in ids[(page - 1) * PER_PAGE : page * PER_PAGE]:
        card = by_id[fid]
        with st.container(border=True):
            pick, body, open_ = st.columns([1, 8, 2], vertical_alignment="center")
            pick.checkbox(t("review.pick"), fid in picked, key=f"review_pick_{fid}", on_change=_toggle, args=(fid,),
                          label_visibility="collapsed", help=t("review.pick_help"))  # fmt: skip
            with body:
                _card_header(card)
                st.markdown(plain(card.headline[:160]))
            if open_.button(t("review.open"), key=f"review_open_{fid}", disabled=fid == focus, width="stretch"):
                state["review_cursor"] = fid
                st.rerun()
    return [fid for fid in ids if fid in picked]


def _bulk(picked: list[str]) -> None:
    st.markdown(t("review.bulk"))
    one, two, three, four = st.columns(4)
    n, listed = number(len(picked)), len(ids)
    if one.button(t("review.accept_picked", n=n), key="review_accept_picked", disabled=not picked, width="stretch"):
        _ask_to_confirm("accept", picked)
    if two.button(t("review.reject_picked", n=n), key="review_reject_picked", disabled=not picked, width="stretch"):
        _ask_to_confirm("reject", picked)
    if three.button(tn("review.accept_all", listed), key="review_accept_all", width="stretch"):
        _ask_to_confirm("accept", ids)
    if four.button(tn("review.reject_all", listed), key="review_reject_all", width="stretch"):
        _ask_to_confirm("reject", ids)


_undo_bar()
if not _confirmation():
    if not ids:
        st.info(t("review.empty"))
    else:
        focus = _focus()
        _focused(focus)
        picked = _up_next(focus)
        _bulk(picked)
st.caption(t("review.deciding_as", who=plain(reviewer)))
components.html(_KEYS_SCRIPT, height=0, width=0)  # before the library's map: see _KEY_LISTENER
add_shortcuts(**KEYS)
