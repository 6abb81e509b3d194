"""Users: the dashboard's accounts and their roles; add, change role, reset a password, disable, erase (admins)."""

import pandas as pd
import streamlit as st

from pages import session
from pages.ui import get_store, page_header, plain, run, t, when
from suite.auth import (
    ROLES,
    add_user,
    disable_user,
    enable_user,
    list_users,
    reset_password,
    set_role,
)
from suite.privacy import erase_user

page_header(t("users.title"), t("users.summary"))
store = get_store()
identity = session.identity()
accounts = run(lambda: list_users(store, identity), what="Loading accounts")
if accounts is None:
    st.stop()


def show_password(name: str, password: str | None) -> None:
    if password:
        st.success(f"Give {plain(name)} this password; it is shown only now and must be changed at first sign-in:")
        st.code(password, language=None)


st.dataframe(
    pd.DataFrame(
        [
            {
                "user": a.user_name,
                "role": a.role,
                "e-mail (single sign-on)": a.email or "",
                "sign-in": "company account only" if not a.has_password else "password",
                "state": "disabled" if a.disabled else "locked" if a.locked else "active",
                "last sign-in": when(a.last_sign_in_at),  # the language's way, never +00:00
            }
            for a in accounts
        ]
    ),
    hide_index=True,
    width="stretch",
)

add, change = st.columns(2)
with add, st.form("suite_add_user", clear_on_submit=True):
    st.markdown("**Add an account**")
    name = st.text_input("User name", help="Letters, digits or . _ @ + -; an e-mail address is fine.")
    role = st.selectbox("Role", ROLES, index=ROLES.index("staff"))
    email = st.text_input("E-mail for single sign-on (optional)")
    sso_only = st.checkbox("Company account only (no password)")
    if st.form_submit_button("Add", type="primary"):
        created = run(lambda: add_user(store, identity, name, role, email=email or None, sso_only=sso_only))
        if created is not None:
            st.session_state["suite_new_password"] = (created.account.user_name, created.password)
            st.rerun()

with change:
    st.markdown("**Change an account**")
    names = [a.user_name for a in accounts]
    chosen = st.selectbox("Account", names, index=None, placeholder="Pick an account")
    account = next((a for a in accounts if a.user_name == chosen), None)
    if account is not None:
        new_role = st.selectbox(
            "Role", ROLES, index=ROLES.index(account.role), key="suite_role_of_" + account.user_name
        )
        if new_role != account.role and st.button("Save role"):
            if run(lambda: set_role(store, identity, account.user_name, new_role), what="Changing the role"):
                st.rerun()
        left, right = st.columns(2)
        if left.button("Reset password", help="Makes a new password to hand over; also unlocks the account."):
            reset = run(lambda: reset_password(store, identity, account.user_name), what="Resetting")
            if reset is not None:
                st.session_state["suite_new_password"] = (account.user_name, reset.password)
                st.rerun()
        if account.disabled:
            if right.button("Enable"):
                if run(lambda: enable_user(store, identity, account.user_name), what="Enabling"):
                    st.rerun()
        elif right.button("Disable", help="Stops sign-in at once and ends the account's sessions."):
            if run(lambda: disable_user(store, identity, account.user_name), what="Disabling"):
                st.rerun()
        with st.expander("Erase everything stored for this person"):
            st.caption(
                "Deletes the account, its sessions and tokens, and every question, feedback item, transcript and "
                "recording, inspection and photo, and ticket of theirs. It cannot be undone; the audit trail keeps "
                "its records."
            )
            typed = st.text_input("Type the user name to confirm", key="suite_erase_" + account.user_name)
            if st.button("Erase", type="primary", disabled=typed.strip() != account.user_name):
                erased = run(lambda: erase_user(store, identity, account.user_name), what="Erasing")
                if erased is not None:
                    st.session_state["suite_erased"] = erased.user
                    st.rerun()

if "suite_erased" in st.session_state:
    st.success(f"Everything stored for {plain(st.session_state.pop('suite_erased'))} was erased.")

if "suite_new_password" in st.session_state:
    show_password(*st.session_state.pop("suite_new_password"))
