"""Sign in: the only page anyone sees before signing in (app.py shows it under every URL of the app)."""

from __future__ import annotations

import streamlit as st

from pages import session
from pages.ui import get_settings, get_store, run
from suite.auth import initial_password_file, sign_in


def show() -> None:
    """The sign-in form, the company-account button when single sign-on is set up, and first-start help."""
    st.title("Sign in to Northstar Suite")
    notice = st.session_state.pop(session.NOTICE_KEY, None)
    if notice:
        st.info(notice)
    if session.sso_configured() and not session.sso_installed():
        st.warning("Single sign-on is set up in secrets.toml, but Authlib is missing: pip install -e '.[sso]'.")
    elif session.sso_configured():
        st.button("Sign in with your company account", type="primary", icon=":material/badge:", on_click=st.login)
        if st.user.get("is_logged_in"):
            st.button("Use another company account", on_click=st.logout)
        st.caption("Or with a local account:")
    with st.form("suite_sign_in"):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="secondary" if session.sso_configured() else "primary")
    if submitted:
        store = get_store()
        signed = run(lambda: sign_in(store, name, password, client=session.client_address()), what="Signing in")
        if signed is not None:
            session.remember(signed)
            st.rerun()
    first_start = initial_password_file(get_settings())
    if first_start.exists():
        st.caption(
            "First start? Sign in as **admin** with the password `suite serve` printed; it is also in the file "
            f"`{first_start.name}` in the suite's home folder on the server. You will choose a new one right away."
        )
