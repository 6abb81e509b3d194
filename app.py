"""Northstar Suite dashboard: this file only routes; each page lives in pages/, sign-in in pages/session.py.

Nobody sees a page before signing in (every URL shows the sign-in form); then each person sees the pages
their role may see. The role next to each page is the lowest that sees it.
"""

import streamlit as st

from pages import session
from pages.signin import show as sign_in_form
from pages.ui import attention_sidebar, language_switch, t

st.set_page_config(page_title="Northstar Suite", page_icon=":material/star:", layout="wide")
language_switch()  # English or 中文, in the sidebar: the titles below follow it

ACCOUNT = st.Page("pages/account.py", title=t("nav.account"), icon=":material/person:")
PAGES = {
    t("nav.section.overview"): [
        (st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True), "viewer"),
        (st.Page("pages/tour.py", title=t("nav.tour"), icon=":material/tour:"), "viewer"),
        (st.Page("pages/attention.py", title=t("nav.attention"), icon=":material/notifications:"), "reviewer"),
    ],
    t("nav.section.modules"): [
        (st.Page("pages/support.py", title=t("nav.support"), icon=":material/support_agent:"), "viewer"),
        (st.Page("pages/recommend.py", title=t("nav.recommend"), icon=":material/shopping_bag:"), "viewer"),
        (st.Page("pages/inspect.py", title=t("nav.inspect"), icon=":material/frame_inspect:"), "viewer"),
        (st.Page("pages/transcribe.py", title=t("nav.transcribe"), icon=":material/mic:"), "viewer"),
        (st.Page("pages/risk.py", title=t("nav.risk"), icon=":material/monitoring:"), "viewer"),
    ],
    t("nav.section.admin"): [
        (st.Page("pages/operations.py", title=t("nav.operations"), icon=":material/insights:"), "reviewer"),
        (st.Page("pages/review.py", title=t("nav.review"), icon=":material/rate_review:"), "reviewer"),
        (st.Page("pages/models.py", title=t("nav.models"), icon=":material/model_training:"), "admin"),
        (st.Page("pages/admin_users.py", title=t("nav.users"), icon=":material/group:"), "admin"),
        (st.Page("pages/audit.py", title=t("nav.audit"), icon=":material/policy:"), "admin"),
    ],
    t("nav.section.account"): [(ACCOUNT, "viewer")],
}

page = session.navigation(PAGES, sign_in_form, ACCOUNT)
attention_sidebar()  # reviewers: how much waits in Needs attention
page.run()
