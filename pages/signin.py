"""Sign in: the only page anyone sees before signing in (app.py shows it under every URL of the app)."""

from __future__ import annotations

import streamlit as st

from pages import session
from pages.ui import get_settings, get_store, run, t
from suite.auth import initial_password_file, sign_in


def show() -> None:
    """The sign-in form, the company-account button when single sign-on is set up, and first-start help."""
    st.title(t("signin.title"))
    notice = st.session_state.pop(session.NOTICE_KEY, None)
    if notice:
        st.info(notice)
    if session.sso_configured() and not session.sso_installed():
        st.warning(t("signin.sso_missing"))
    elif session.sso_configured():
        st.button(t("signin.sso"), type="primary", icon=":material/badge:", on_click=st.login)
        if st.user.get("is_logged_in"):
            st.button(t("signin.sso_other"), on_click=st.logout)
        st.caption(t("signin.or_local"))
    with st.form("suite_sign_in"):
        name = st.text_input(t("signin.user"), autocomplete="username")
        password = st.text_input(t("signin.password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(
            t("signin.submit"), type="secondary" if session.sso_configured() else "primary"
        )
    if submitted:
        store = get_store()
        signed = run(lambda: sign_in(store, name, password, client=session.client_address()), what=t("signin.what"))
        if signed is not None:
            session.remember(signed)
            st.rerun()
    first_start = initial_password_file(get_settings())
    if first_start.exists():
        st.caption(t("signin.first_start", file=first_start.name))
