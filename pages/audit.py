"""Audit trail: who did what, when, on which object, from which session, with what outcome (admins)."""

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from pages import session
from pages.ui import get_store, page_header, run, t
from suite.auth import AuditFilter, export_audit_csv, list_audit
from suite.store import to_json

page_header(t("audit.title"), t("audit.summary"))
store = get_store()
identity = session.identity()
today = datetime.now(UTC).date()
a, b, c, d = st.columns(4)
picked = a.date_input("From / to (UTC)", value=(today - timedelta(days=7), today), max_value=today)
start, last = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (picked or today, picked or today)
actor = b.text_input("Who", placeholder="alice, cli:root, anonymous")
action = c.text_input("Action starts with", placeholder="auth., users., models.")
outcome = d.selectbox("Outcome", ["ok", "denied", "failed"], index=None, placeholder="any")
filters = AuditFilter(
    since=datetime.combine(start, time.min, UTC),
    until=datetime.combine(last, time.min, UTC) + timedelta(days=1),
    actor=actor.strip() or None,
    action=action.strip() or None,
    outcome=outcome,
)
entries = run(lambda: list_audit(store, identity, filters), what="Loading the audit trail")
if entries is None:
    st.stop()
st.caption(f"{len(entries)} entries, newest first.")
st.dataframe(
    pd.DataFrame(
        [{**e.as_dict(), "detail": "" if e.detail is None else to_json(e.detail)} for e in entries],
        columns=["ts", "actor", "role", "action", "target", "outcome", "session_id", "via", "detail"],
    ),
    hide_index=True,
    width="stretch",
)
st.download_button(
    "Export as CSV",
    data=lambda: export_audit_csv(store, identity, filters),
    file_name=f"audit-{start}-{last}.csv",
    mime="text/csv",
    icon=":material/download:",
    help="The export itself is recorded in the audit trail.",
)
