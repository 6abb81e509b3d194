"""Who is signed in to this browser session, the session cookie, and which pages they see (used by app.py).

A sign-in puts the signed token from `suite.auth.sign_in` in `st.session_state[TOKEN_KEY]` and in a cookie
(SameSite=Strict, set by a tiny inline script: Streamlit's own cookies are read-only, and `st.login` is for
OpenID Connect only). A refresh opens a new Streamlit session; it reads the cookie from `st.context.cookies`
and resumes. Every run re-checks the session in the store, so sign-out, idle time-out, a disabled account
or a role change take effect at the next click.

Tests sign in the way the form does: `signed = suite.auth.sign_in(store, name, password)`, then
`at.session_state[TOKEN_KEY] = signed.token` before `at.run()` (see tests/auth/helpers.py).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from pages.ui import get_settings, get_store, plain, role_name, t, words
from suite.auth import (
    Identity,
    SessionEnded,
    SignedIn,
    SignInFailed,
    at_least,
    ensure_initial_admin,
    resume,
    sign_in_sso,
    sign_out,
)
from suite.auth.sessions import MAX_SESSION_HOURS

COOKIE = "suite_session"
TOKEN_KEY = "suite_session_token"
NOTICE_KEY = "suite_sign_in_notice"
_SSO_REFUSED_KEY = "suite_sso_refused"
_USER_KEY = "suite_user"  # what pages.ui.current_user() records with events and feedback

_COOKIE_JS = """
export default function ({ data }) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const value = data && data.value ? data.value : "";
  const age = value ? data.max_age : 0;
  document.cookie = `${data.name}=${value}; Path=/; Max-Age=${age}; SameSite=Strict${secure}`;
}
"""
_cookie_writer = st.components.v2.component("suite_session_cookie", js=_COOKIE_JS)


@st.cache_resource
def _first_admin() -> None:
    """A dashboard started without `suite serve` still gets its first admin (password in SUITE_HOME only)."""
    ensure_initial_admin(get_settings(), get_store())


def client_address() -> str | None:
    """The browser's IP address as the server saw it (None on localhost), recorded with sign-ins."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None  # AppTest has no real client


def sso_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` section for `st.login` (OpenID Connect)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sso_installed() -> bool:
    """`st.login` needs Authlib (`pip install -e '.[sso]'`); local accounts work without it."""
    return importlib.util.find_spec("authlib") is not None


def current() -> SignedIn | None:
    """The live session of this browser, resumed from session state, the cookie or the identity provider."""
    _first_admin()
    store = get_store()
    token = st.session_state.get(TOKEN_KEY) or st.context.cookies.get(COOKIE)
    if token:
        try:
            signed = resume(store, token)
        except SessionEnded as err:
            if st.session_state.pop(TOKEN_KEY, None) is not None or err.reason in ("idle", "disabled", "expired"):
                st.session_state[NOTICE_KEY] = words(err)
            if err.reason == "idle" and _sso_user():
                st.logout()  # the provider's cookie would sign them straight back in
        else:
            return remember(signed)
    email = _sso_user()
    if email and st.session_state.get(_SSO_REFUSED_KEY) != email:
        try:
            return remember(sign_in_sso(store, email, client=client_address()))
        except SignInFailed as err:
            st.session_state[_SSO_REFUSED_KEY] = email  # once per browser session, not at every click
            st.session_state[NOTICE_KEY] = words(err)
    return None


def identity() -> Identity | None:
    """Who is acting in this run of a page: pass it to every suite function that changes state."""
    signed = current()
    return signed.identity if signed else None


def _sso_user() -> str | None:
    """The e-mail address the identity provider signed in, if single sign-on is set up and used."""
    if not sso_configured() or not st.user.get("is_logged_in"):
        return None
    return str(st.user.get("email") or "").strip() or None


def remember(signed: SignedIn) -> SignedIn:
    """Keep a new or resumed session for the next runs of this browser session."""
    st.session_state[TOKEN_KEY] = signed.token
    st.session_state[_USER_KEY] = signed.identity.user
    return signed


def end(signed: SignedIn) -> None:
    """Sign out: end the session in the store, forget it here, and clear the cookie on the next run."""
    sign_out(get_store(), signed.identity)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(_USER_KEY, None)
    st.session_state[NOTICE_KEY] = t("ui.signed_out")
    if signed.identity.via == "sso" and _sso_user():
        st.logout()


def sync_cookie(signed: SignedIn | None) -> None:
    """Make the browser's cookie hold this session's token (or nothing), when it does not already."""
    wanted = signed.token if signed else ""
    if st.context.cookies.get(COOKIE, "") == wanted and not st.session_state.get("_suite_cookie_written"):
        return
    st.session_state["_suite_cookie_written"] = True
    _cookie_writer(
        data={"name": COOKIE, "value": wanted, "max_age": MAX_SESSION_HOURS * 3600},
        key="suite_session_cookie",
    )


def sidebar(signed: SignedIn) -> None:
    """Who is signed in, and the sign-out button."""
    identity = signed.identity
    with st.sidebar:
        st.divider()
        how = "ui.signed_in_as_sso" if identity.via == "sso" else "ui.signed_in_as"
        st.caption(t(how, user=plain(identity.user), role=role_name(identity.role)))
        if st.button(t("ui.sign_out"), icon=":material/logout:", key="suite_sign_out"):
            end(signed)
            st.rerun()


PageList = Mapping[str, Sequence[tuple[Any, str]]]


def navigation(pages: PageList, sign_in_page: Callable[[], None], account_page: Any) -> Any:
    """The `st.navigation` this browser may have: sign-in only, the account page only, or the role's pages.

    Before sign-in every URL of the app (deep links too) shows the sign-in form, under the same URL, so the
    page asked for opens once signed in. A page above the person's role is not in their navigation at all.
    """
    signed = current()
    if signed is None:
        stand_ins = [
            st.Page(
                sign_in_page, title=t("nav.sign_in"), url_path=page.url_path or "sign-in", default=not page.url_path
            )
            for items in pages.values()
            for page, _ in items
        ]
        chosen = st.navigation(stand_ins, position="hidden")
    elif signed.must_change_password:
        chosen = st.navigation([account_page], position="hidden")
    else:
        visible = {
            section: [page for page, role in items if at_least(signed.identity, role)]
            for section, items in pages.items()
        }
        chosen = st.navigation({section: items for section, items in visible.items() if items})
        sidebar(signed)
        notice = st.session_state.pop(NOTICE_KEY, None)
        if notice:
            st.toast(notice, icon=":material/check_circle:")
    sync_cookie(signed)
    return chosen
