"""Streamlit helpers every page shares: one Settings and one Store per process, friendly errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from suite import i18n, warmup
from suite.errors import SuiteError, localized
from suite.progress import Progress
from suite.settings import Settings
from suite.store import Store

T = TypeVar("T")
logger = logging.getLogger("suite.pages")


LANGUAGE_KEY = "suite_language"  # this browser session's language (the switch's widget state)
_PREFERENCE_READ_KEY = "suite_language_read_for"  # whose account preference was read into it


def language() -> str:
    """The language of this browser session: the sidebar switch, else the signed-in account's preference."""
    return i18n.check_language(st.session_state.get(LANGUAGE_KEY))


def t(key: str, /, **params: object) -> str:
    """The message `key` of suite/i18n's catalogue in this session's language (see `suite.i18n.t`)."""
    return i18n.t(language(), key, **params)


def tn(key: str, count: int, /, **params: object) -> str:
    """The form of `key` that fits `count` in this session's language (`1 piece` / `2 pieces`)."""
    return i18n.tn(language(), key, count, **params)


def words(text: object) -> str:
    """A sentence from suite/ (a `suite.errors.Message`, or an error raised with one) in this session's language;
    any other text as it is."""
    return localized(text, language())


def number(value: float, *, decimals: int | None = None) -> str:
    """A number formatted for this session's language."""
    return i18n.number(language(), value, decimals=decimals)


def percent(share: float) -> str:
    """A share (0.67) as a whole percentage for this session's language."""
    return i18n.percent(language(), share)


def when(moment: object) -> str:
    """A time or date as people write it in this session's language ('' for None): never `+00:00`."""
    return i18n.when(language(), moment)  # type: ignore[arg-type]


def module_title(key: str) -> str:
    """A module's title in this session's language."""
    return t(f"module.{key}.title")


def module_summary(key: str) -> str:
    """A module's one-line summary in this session's language."""
    return t(f"module.{key}.summary")


def role_name(role: str) -> str:
    """A role (viewer, staff, reviewer, admin) in this session's language."""
    return t(f"role.{role}")


def language_switch() -> str:
    """The English/中文 switch in the sidebar (app.py calls it first, so the navigation is in the chosen language).

    The choice is remembered per account in the store (`suite.auth.set_language`) and, before sign-in, for
    this browser session. Returns the language code.
    """
    from pages.session import current

    signed = current()
    user = signed.identity.user if signed else None
    if user and st.session_state.get(_PREFERENCE_READ_KEY) != user:
        from suite.auth import language_of

        chosen = run(lambda: language_of(get_store(), user), what="Reading your language")
        if chosen in i18n.LANGUAGES:
            st.session_state[LANGUAGE_KEY] = chosen
        st.session_state[_PREFERENCE_READ_KEY] = user
    st.session_state.setdefault(LANGUAGE_KEY, i18n.DEFAULT)
    st.sidebar.radio(
        "Language · 语言",
        list(i18n.LANGUAGES),
        format_func=i18n.LANGUAGES.__getitem__,
        horizontal=True,
        key=LANGUAGE_KEY,
        on_change=_remember_language,
    )
    return language()


def _remember_language() -> None:
    from pages.session import identity
    from suite.auth import set_language

    who = identity()
    if who is not None:
        done(lambda: set_language(get_store(), who, language()), what="Saving your language")


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
        st.error(plain(words(err)))
    except Exception:
        logger.exception("unexpected error in %s", what)
        st.error(t("ui.failed", what=what))
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
        shown = f"{label} {words(message)}".strip()
        bar.progress(min(max(done / total, 0.0), 1.0) if total else 0.0, text=shown)

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
        doing = t("ui.warming.loading", seconds=f"{so_far:.0f}") if so_far is not None else t("ui.warming.next")
        st.info(t("ui.warming", module=module_title(module), doing=doing), icon=":material/hourglass_top:")

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
    from suite.attention import KINDS
    from suite.auth import at_least

    signed = current()
    if signed is None or signed.must_change_password or not at_least(signed.identity, "reviewer"):
        return  # the page is not in this person's navigation
    found = run(lambda: _attention_counts(str(get_settings().home)), what=t("ui.what.attention"))
    if found is None:
        return
    total = sum(found.values())
    with st.sidebar:
        st.page_link(
            "pages/attention.py", label=t("ui.attention_link", count=number(total)), icon=":material/notifications:"
        )
        st.caption(" · ".join(f"{t('ui.attention.' + k)}: {number(found[k])}" for k in KINDS if found.get(k)))
