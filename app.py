"""Northstar Suite dashboard: this file only routes; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Northstar Suite", page_icon=":material/star:", layout="wide")

PAGES = {
    "Overview": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    ],
    "Modules": [
        st.Page("pages/support.py", title="Support answers", icon=":material/support_agent:"),
        st.Page("pages/recommend.py", title="Recommendations", icon=":material/shopping_bag:"),
        st.Page("pages/inspect.py", title="Defect inspection", icon=":material/frame_inspect:"),
        st.Page("pages/transcribe.py", title="Transcription", icon=":material/mic:"),
        st.Page("pages/risk.py", title="Market risk alerts", icon=":material/monitoring:"),
    ],
    "Admin": [
        st.Page("pages/operations.py", title="Operations", icon=":material/insights:"),
        st.Page("pages/review.py", title="Review feedback", icon=":material/rate_review:"),
        st.Page("pages/models.py", title="Models", icon=":material/model_training:"),
    ],
}

st.navigation(PAGES).run()
