"""Streamlit helpers every page shares: one Settings and one Store per process, friendly errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from suite import warmup
from suite.errors import SuiteError
from suite.modules import title as module_title
from suite.progress import Progress
from suite.settings import Settings
from suite.store import Store

T = TypeVar("T")
logger = logging.getLogger("suite.pages")


@st.cache_resource
def get_settings() -> Settings:
    return Settings.from_env()


@st.cache_resource
def get_store() -> Store:
    return Store(get_settings())


def current_user() -> str:
    """Who is using the page (no login yet: the name typed in the sidebar, else the default user)."""
    return st.session_state.get("suite_user") or get_settings().user


def run(action: Callable[[], T], *, what: str = "That") -> T | None:
    """Run a suite call for its result; show expected problems in plain words, log anything else as a bug.

    Returns None when the call failed (the problem is shown); use `done` for calls that return nothing.
    """
    ok, value = _attempt(action, what)
    return value if ok else None


def done(action: Callable[[], object], *, what: str = "That") -> bool:
    """Run a suite call for its effect; True when it succeeded (a problem is shown when it did not)."""
    return _attempt(action, what)[0]


def _attempt(action: Callable[[], T], what: str) -> tuple[bool, T | None]:
    try:
        return True, action()
    except SuiteError as err:
        st.error(plain(str(err)))
    except Exception:
        logger.exception("unexpected error in %s", what)
        st.error(f"{what} failed because of a problem on our side. It has been logged; please try again.")
    return False, None


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark can be escaped in Markdown


def plain(text: object) -> str:
    """Untrusted text (from users, files, models) escaped so that Streamlit's Markdown shows it as written:
    no link, image, HTML, colour directive or formatting comes alive."""
    return _PUNCTUATION.sub(r"\\\1", str(text if text is not None else ""))


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A st.progress bar that suite functions can drive through their `progress` argument."""
    bar = st.progress(0.0, text=label)

    def update(done: float, total: float, message: str = "") -> None:
        bar.progress(min(max(done / total, 0.0), 1.0) if total else 0.0, text=f"{label} {message}".strip())

    yield update
    bar.empty()


def page_header(title: str, summary: str, *, module: str | None = None) -> None:
    """The page's title and summary; a module page names its module to get the `warming_banner`."""
    st.title(title)
    st.caption(summary)
    if module is not None:
        warming_banner(module)


def warming_banner(module: str) -> None:
    """While this server is still loading the module's model (its warm-up at start), say so in a banner that
    updates itself and makes way for the page once the model is ready, instead of a frozen spinner.

    Shows nothing when the model is ready, failed to load (the page's own call then says why) or when this
    process started no warm-up (models load on first use).
    """
    if not warmup.warming(module):
        return

    @st.fragment(run_every=2)
    def banner() -> None:
        warmth = warmup.module_state(module)
        if warmth is None or warmth.state in warmup.DONE:
            st.rerun()  # the whole page again, now without the banner
        so_far = warmth.elapsed()
        doing = f"loading its model, {so_far:.0f} s so far" if so_far is not None else "next in line to load"
        st.info(
            f"{module_title(module)} is warming up — ready in a moment ({doing}). You can look around; anything "
            "you ask now waits for it.",
            icon=":material/hourglass_top:",
        )

    banner()


@st.cache_data(ttl=15, show_spinner=False)
def _attention_counts(home: str) -> dict[str, int]:
    from suite.attention import counts

    return counts(get_store())


def forget_attention_counts() -> None:
    """After a decision: the sidebar counts what waits anew at the next run instead of up to 15 s later."""
    _attention_counts.clear()


def attention_sidebar() -> None:
    """Reviewers see in the sidebar how much waits on the Needs attention page, by kind (refreshed every 15 s)."""
    from pages.session import current
    from suite.attention import KIND_TITLES, KINDS
    from suite.auth import at_least

    signed = current()
    if signed is None or signed.must_change_password or not at_least(signed.identity, "reviewer"):
        return  # the page is not in this person's navigation
    found = run(lambda: _attention_counts(str(get_settings().home)), what="Counting what needs attention")
    if found is None:
        return
    total = sum(found.values())
    with st.sidebar:
        st.page_link("pages/attention.py", label=f"Needs attention: {total:,}", icon=":material/notifications:")
        st.caption(" · ".join(f"{KIND_TITLES[k]}: {found[k]:,}" for k in KINDS if found.get(k)))
