"""Audit trail: who did what, when, on which object, from which session, with what outcome (admins)."""

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from pages import session
from pages.ui import get_store, page_header, run, t, tn
from suite.auth import AuditFilter, export_audit_csv, list_audit
from suite.store import to_json

page_header(t("audit.title"), t("audit.summary"))
store = get_store()
COLUMNS = ["ts", "actor", "role", "action", "target", "outcome", "session_id", "via", "detail"]
identity = session.identity()
today = datetime.now(UTC).date()
a, b, c, d = st.columns(4)
picked = a.date_input(t("audit.range"), value=(today - timedelta(days=7), today), max_value=today)
start, last = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (picked or today, picked or today)
actor = b.text_input(t("audit.who"), placeholder="alice, cli:root, anonymous")
action = c.text_input(t("audit.action"), placeholder="auth., users., models.")
outcome = d.selectbox(
    t("audit.outcome"),
    ["ok", "denied", "failed"],
    index=None,
    placeholder=t("audit.any"),
    format_func=lambda o: t(f"audit.outcome.{o}"),
)
filters = AuditFilter(
    since=datetime.combine(start, time.min, UTC),
    until=datetime.combine(last, time.min, UTC) + timedelta(days=1),
    actor=actor.strip() or None,
    action=action.strip() or None,
    outcome=outcome,
)
entries = run(lambda: list_audit(store, identity, filters), what=t("audit.what"))
if entries is None:
    st.stop()
st.caption(tn("audit.count", len(entries)))
st.dataframe(
    pd.DataFrame(
        [
            {
                **e.as_dict(),
                "ts": f"{e.ts.astimezone(UTC):%Y-%m-%d %H:%M:%S}",  # to the second, in UTC as the column says
                "outcome": t(f"audit.outcome.{e.outcome}") if e.outcome in ("ok", "denied", "failed") else e.outcome,
                "detail": "" if e.detail is None else to_json(e.detail),
            }
            for e in entries
        ],
        columns=COLUMNS,
    ).rename(columns={c: t(f"audit.col.{c}") for c in COLUMNS}),
    hide_index=True,
    width="stretch",
)
st.download_button(
    t("audit.export"),
    data=lambda: export_audit_csv(store, identity, filters),
    file_name=f"audit-{start}-{last}.csv",
    mime="text/csv",
    icon=":material/download:",
    help=t("audit.export_help"),
)
