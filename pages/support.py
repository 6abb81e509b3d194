"""Support answers page (filled in by the support module issue)."""

import streamlit as st

from pages.ui import page_header
from suite.modules import MODULES

info = next(m for m in MODULES if m.key == "support")
page_header(info.title, info.summary)
st.info("This assistant is being set up and will appear here soon.")
