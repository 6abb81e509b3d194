"""Your account: who you are signed in as, and changing your password (required after an admin set it)."""

import streamlit as st

from pages import session
from pages.ui import done, get_store, page_header, plain
from suite.auth import change_password
from suite.auth.passwords import MIN_LENGTH

page_header("Your account", "Who you are signed in as, and your password.")
signed = session.current()
if signed is None:
    st.info("Please sign in.")
    st.stop()
identity = signed.identity
st.markdown(f"Signed in as **{plain(identity.user)}**, role **{identity.role}**.")
if identity.via == "sso":
    st.caption("You sign in with your company account, so there is no password to change here.")
    st.stop()
if signed.must_change_password:
    st.warning("Choose a new password before you continue: the one you have was set by an admin.")

with st.form("suite_change_password", clear_on_submit=True):
    current_password = st.text_input("Current password", type="password", autocomplete="current-password")
    new_password = st.text_input(
        "New password", type="password", autocomplete="new-password", help=f"At least {MIN_LENGTH} characters."
    )
    repeat = st.text_input("New password again", type="password", autocomplete="new-password")
    submitted = st.form_submit_button("Change password", type="primary")
if submitted:
    if new_password != repeat:
        st.error("The two new passwords differ; type the same one twice.")
    elif done(lambda: change_password(get_store(), identity, current_password, new_password), what="Changing"):
        if signed.must_change_password:  # the rest of the dashboard opens now
            st.session_state[session.NOTICE_KEY] = "Your password is changed."
            st.rerun()
        st.success("Your password is changed.")
