"""Northstar Suite dashboard: this file only routes; each page lives in pages/, sign-in in pages/session.py.

Nobody sees a page before signing in (every URL shows the sign-in form); then each person sees the pages
their role may see. The role next to each page is the lowest that sees it.
"""

import streamlit as st

from pages import session
from pages.signin import show as sign_in_form
from pages.ui import attention_sidebar

st.set_page_config(page_title="Northstar Suite", page_icon=":material/star:", layout="wide")

ACCOUNT = st.Page("pages/account.py", title="Your account", icon=":material/person:")
PAGES = {
    "Overview": [
        (st.Page("pages/home.py", title="Home", icon=":material/home:", default=True), "viewer"),
        (st.Page("pages/tour.py", title="Pilot tour", icon=":material/tour:"), "viewer"),
        (st.Page("pages/attention.py", title="Needs attention", icon=":material/notifications:"), "reviewer"),
    ],
    "Modules": [
        (st.Page("pages/support.py", title="Support answers", icon=":material/support_agent:"), "viewer"),
        (st.Page("pages/recommend.py", title="Recommendations", icon=":material/shopping_bag:"), "viewer"),
        (st.Page("pages/inspect.py", title="Defect inspection", icon=":material/frame_inspect:"), "viewer"),
        (st.Page("pages/transcribe.py", title="Transcription", icon=":material/mic:"), "viewer"),
        (st.Page("pages/risk.py", title="Market risk alerts", icon=":material/monitoring:"), "viewer"),
    ],
    "Admin": [
        (st.Page("pages/operations.py", title="Operations", icon=":material/insights:"), "reviewer"),
        (st.Page("pages/review.py", title="Review feedback", icon=":material/rate_review:"), "reviewer"),
        (st.Page("pages/models.py", title="Models", icon=":material/model_training:"), "admin"),
        (st.Page("pages/admin_users.py", title="Users", icon=":material/group:"), "admin"),
        (st.Page("pages/audit.py", title="Audit trail", icon=":material/policy:"), "admin"),
    ],
    "Account": [(ACCOUNT, "viewer")],
}

page = session.navigation(PAGES, sign_in_form, ACCOUNT)
attention_sidebar()  # reviewers: how much waits in Needs attention
page.run()
