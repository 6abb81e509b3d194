"""Users: the dashboard's accounts and their roles; add, change role, reset a password, disable, erase (admins)."""

import pandas as pd
import streamlit as st

from pages import session
from pages.ui import get_store, page_header, plain, role_name, run, t, when
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
accounts = run(lambda: list_users(store, identity), what=t("staff.users.what.load"))
if accounts is None:
    st.stop()


def show_password(name: str, password: str | None) -> None:
    if password:
        st.success(t("staff.users.give_password", name=plain(name)))
        st.code(password, language=None)


st.dataframe(
    pd.DataFrame(
        [
            {
                t("staff.users.col.user"): a.user_name,
                t("staff.users.col.role"): role_name(a.role),
                t("staff.users.col.email"): a.email or "",
                t("staff.users.col.sign_in"): t(
                    "staff.users.sso_only" if not a.has_password else "staff.users.password"
                ),
                t("staff.users.col.state"): t(
                    "staff.users.state.disabled"
                    if a.disabled
                    else "staff.users.state.locked"
                    if a.locked
                    else "staff.users.state.active"
                ),
                t("staff.users.col.last_sign_in"): when(a.last_sign_in_at) or t("staff.users.never"),
            }
            for a in accounts
        ]
    ),
    hide_index=True,
    width="stretch",
)

add, change = st.columns(2)
with add, st.form("suite_add_user", clear_on_submit=True):
    st.markdown(f"**{t('staff.users.add_heading')}**")
    name = st.text_input(t("staff.users.name"), help=t("staff.users.name_help"))
    role = st.selectbox(t("staff.users.col.role"), ROLES, index=ROLES.index("staff"), format_func=role_name)
    email = st.text_input(t("staff.users.email"))
    sso_only = st.checkbox(t("staff.users.sso_checkbox"))
    if st.form_submit_button(t("staff.users.add"), type="primary"):
        created = run(
            lambda: add_user(store, identity, name, role, email=email or None, sso_only=sso_only),
            what=t("staff.users.what.add"),
        )
        if created is not None:
            st.session_state["suite_new_password"] = (created.account.user_name, created.password)
            st.rerun()

with change:
    st.markdown(f"**{t('staff.users.change_heading')}**")
    names = [a.user_name for a in accounts]
    chosen = st.selectbox(t("staff.users.account"), names, index=None, placeholder=t("staff.users.pick"))
    account = next((a for a in accounts if a.user_name == chosen), None)
    if account is not None:
        new_role = st.selectbox(
            t("staff.users.col.role"),
            ROLES,
            index=ROLES.index(account.role),
            key="suite_role_of_" + account.user_name,
            format_func=role_name,
        )
        if new_role != account.role and st.button(t("staff.users.save_role")):
            if run(lambda: set_role(store, identity, account.user_name, new_role), what=t("staff.users.what.role")):
                st.rerun()
        left, right = st.columns(2)
        if left.button(t("staff.users.reset"), help=t("staff.users.reset_help")):
            reset = run(lambda: reset_password(store, identity, account.user_name), what=t("staff.users.what.reset"))
            if reset is not None:
                st.session_state["suite_new_password"] = (account.user_name, reset.password)
                st.rerun()
        if account.disabled:
            if right.button(t("staff.users.enable")):
                if run(lambda: enable_user(store, identity, account.user_name), what=t("staff.users.what.enable")):
                    st.rerun()
        elif right.button(t("staff.users.disable"), help=t("staff.users.disable_help")):
            if run(lambda: disable_user(store, identity, account.user_name), what=t("staff.users.what.disable")):
                st.rerun()
        with st.expander(t("staff.users.erase_heading")):
            st.caption(t("staff.users.erase_note"))
            typed = st.text_input(t("staff.users.erase_confirm"), key="suite_erase_" + account.user_name)
            if st.button(t("staff.users.erase"), type="primary", disabled=typed.strip() != account.user_name):
                erased = run(lambda: erase_user(store, identity, account.user_name), what=t("staff.users.what.erase"))
                if erased is not None:
                    st.session_state["suite_erased"] = erased.user
                    st.rerun()

if "suite_erased" in st.session_state:
    st.success(t("staff.users.erased", name=plain(st.session_state.pop("suite_erased"))))

if "suite_new_password" in st.session_state:
    show_password(*st.session_state.pop("suite_new_password"))
