"""Audit trail: who did what, when, on which object, from which session, with what outcome (admins)."""

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from pages import session
from pages.ui import get_store, language, page_header, role_name, run, t, tn
from suite.auth import ROLES, AuditFilter, export_audit_csv, list_audit
from suite.ops.display import detail_words, word

page_header(t("audit.title"), t("audit.summary"))
store = get_store()
COLUMNS = ["ts", "actor", "role", "action", "target", "outcome", "session_id", "via", "detail"]
identity = session.identity()
today = datetime.now(UTC).date()
a, b, c, d = st.columns(4)
picked = a.date_input(t("audit.range"), value=(today - timedelta(days=7), today), max_value=today)
start, last = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (picked or today, picked or today)
actor = b.text_input(t("audit.who"), placeholder=t("staff.audit.who_example"))
action = c.text_input(t("audit.action"), placeholder=t("staff.audit.action_example"))
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
                "role": role_name(e.role) if e.role in ROLES else e.role or "",
                "target": e.target or "",
                "via": word(language(), "via", e.via),
                "session_id": (e.session_id or "")[:8],  # enough to tell sessions apart
                "detail": detail_words(e.detail),  # words, never a dict
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
