"""Links that open one item on a page: `?ticket=<id>`, `?alert=<id>`, `?result=<id>` (Needs attention builds them).

A page asks for the item its link names; the parameter is read once and taken off the address (so a later
refresh or a shared address does not keep reopening it), and the item stays open for this browser session
until the person closes it:

    alert = linked_item("alert", lambda i: find_alert(store, i), what=t("risk.what.alerts"))
    if alert is not None:
        ...show it first, highlighted...
        st.button(t("links.close"), on_click=close_link, args=("alert",))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from pages.ui import run, t

T = TypeVar("T")
MAX_ID_CHARS = 200  # ids are short; a longer value is not one of ours


def _key(param: str) -> str:
    return f"link.{param}"


def linked_id(param: str) -> str | None:
    """The id a link opened on this page (`?param=<id>`), read once from the address and kept until closed."""
    wanted = st.query_params.get(param)
    if wanted is not None:
        del st.query_params[param]
        wanted = wanted.strip()
        if wanted and len(wanted) <= MAX_ID_CHARS:
            st.session_state[_key(param)] = wanted
    return st.session_state.get(_key(param))


def close_link(param: str) -> None:
    """Forget the item the link opened (a button's `on_click`): the page shows its usual list again."""
    st.session_state.pop(_key(param), None)


def linked_item(param: str, fetch: Callable[[str], T | None], *, what: str) -> T | None:
    """The item a link opened, fetched with `fetch(id)`; None when there is no link.

    When the item cannot be found (removed, or already dealt with and gone from the list), the page says so once
    in words and the link is forgotten.
    """
    item_id = linked_id(param)
    if item_id is None:
        return None
    item = run(lambda: fetch(item_id), what=what)
    if item is None:
        st.info(t("links.not_found"))
        close_link(param)
    return item
