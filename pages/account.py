"""Your account: who you are signed in as, and changing your password (required after an admin set it)."""

import streamlit as st

from pages import session
from pages.ui import done, get_store, page_header, plain, role_name, t
from suite.auth import change_password
from suite.auth.passwords import MIN_LENGTH

page_header(t("account.title"), t("account.summary"))
signed = session.current()
if signed is None:
    st.info(t("account.please_sign_in"))
    st.stop()
identity = signed.identity
st.markdown(t("account.signed_in_as", user=plain(identity.user), role=role_name(identity.role)))
st.caption(t("account.language_note"))
if identity.via == "sso":
    st.caption(t("account.sso"))
    st.stop()
if signed.must_change_password:
    st.warning(t("account.must_change"))

with st.form("suite_change_password", clear_on_submit=True):
    current_password = st.text_input(t("account.current"), type="password", autocomplete="current-password")
    new_password = st.text_input(
        t("account.new"), type="password", autocomplete="new-password", help=t("account.new_help", count=MIN_LENGTH)
    )
    repeat = st.text_input(t("account.repeat"), type="password", autocomplete="new-password")
    submitted = st.form_submit_button(t("account.change"), type="primary")
if submitted:
    if new_password != repeat:
        st.error(t("account.differ"))
    elif done(lambda: change_password(get_store(), identity, current_password, new_password), what=t("account.what")):
        if signed.must_change_password:  # the rest of the dashboard opens now
            st.session_state[session.NOTICE_KEY] = t("account.changed")
            st.rerun()
        st.success(t("account.changed"))
