"""Market risk alerts: alert feed, watchlist, company drill-down with label corrections, uploads, thresholds."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import (
    done,
    get_settings,
    get_store,
    module_summary,
    module_title,
    number,
    page_header,
    plain,
    progress_bar,
    run,
    t,
    when,
)
from suite.modules import MODULES
from suite.risk import service
from suite.uploads import MAX_UPLOAD_MB

info = next(m for m in MODULES if m.key == "risk")
page_header(module_title(info.key), module_summary(info.key), module=info.key)
store = get_store()
SEVERITY = {"high": ":red[**{}**]", "medium": ":orange[**{}**]", "low": ":blue[**{}**]"}  # filled in the language


def severity(level: str) -> str:
    """A severity in its colour and the page's language."""
    return SEVERITY[level].format(t(f"risk.sev.{level}")) if level in SEVERITY else as_text(level)


def as_text(value: object) -> str:
    """Untrusted text (headlines, company names, messages quoting them) on one line, shown as written."""
    return plain(" ".join(str(value or "").split()))


def _act(alert_id: str, action: str) -> None:
    if done(
        lambda: service.act_on_alert(store, alert_id, action, identity=signed_identity()), what=t("risk.what.update")
    ):
        st.session_state["risk_notice"] = t(f"risk.did.{action}", alert=alert_id, days=service.SNOOZE_DAYS)


def _load_demo() -> None:
    with progress_bar(t("risk.loading_demo")) as progress:
        loaded = run(lambda: service.load_demo(store, progress, identity=signed_identity()), what=t("risk.what.demo"))
    if loaded is not None:
        st.session_state["risk_notice"] = t(
            "risk.loaded",
            companies=number(loaded.counts["companies"]),
            headlines=number(loaded.counts["headlines_added"]),
            alerts=number(loaded.counts["new_alerts"]),
        )


overview = run(lambda: service.watchlist_overview(store), what=t("risk.what.watchlist"))
if overview is None:
    st.stop()
if notice := st.session_state.pop("risk_notice", None):
    st.success(notice)
if not overview.companies:
    st.info(t("risk.no_companies"))
    st.button(t("risk.load_demo"), on_click=_load_demo, type="primary")
    st.stop()

tab_alerts, tab_watch, tab_company, tab_upload, tab_rules = st.tabs(
    [t(f"risk.tab.{tab}") for tab in ("alerts", "watch", "company", "upload", "rules")]
)

with tab_alerts:
    if problem := service.webhook_problem(get_settings()):
        st.warning(problem)  # our own words (the URL is never repeated), not untrusted text
    open_alerts = run(lambda: service.list_alerts(store, states=("open",), limit=50), what=t("risk.what.alerts")) or []
    sent = run(lambda: service.deliveries(store, limit=200), what=t("risk.what.deliveries")) or []
    latest_delivery = {a: d for d in reversed(sent) for a in d.alert_ids}  # newest message per alert wins
    st.subheader(t("risk.open_alerts", count=number(len(open_alerts))))
    if not open_alerts:
        st.write(t("risk.nothing_open"))
    for alert in open_alerts:
        with st.container(border=True):
            st.markdown(
                f"{severity(alert.severity)} · **{as_text(alert.company or alert.ticker)}** "
                f"({as_text(alert.ticker)}) · {when(alert.day)}"
            )
            st.markdown(as_text(alert.reason))
            if (delivery := latest_delivery.get(alert.alert_id)) is not None:
                detail = f": {delivery.last_error}" if delivery.last_error and delivery.status != "delivered" else ""
                st.caption(as_text(f"Webhook {delivery.host}: {delivery.status}{detail}"))
            with st.expander(f"The {len(alert.headlines)} headlines behind this alert"):
                for headline in alert.headlines:
                    st.markdown(f"- {as_text(headline)}")
            cols = st.columns(3)
            cols[0].button(
                "Acknowledge", key=f"ack-{alert.alert_id}", on_click=_act, args=(alert.alert_id, "acknowledge")
            )
            cols[1].button(
                f"Snooze {service.SNOOZE_DAYS} days",
                key=f"snooze-{alert.alert_id}",
                on_click=_act,
                args=(alert.alert_id, "snooze"),
            )
            cols[2].button(
                "False alarm", key=f"false-{alert.alert_id}", on_click=_act, args=(alert.alert_id, "false_alarm")
            )

    if sent:
        st.subheader("Webhook deliveries")
        st.caption(
            f"New alerts are sent to the webhook once; a failed send is tried again up to {service.MAX_ATTEMPTS} "
            "times over about two hours, then marked failed with its reason."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "created": d.created_at,
                        "alerts": ", ".join(d.alert_ids),
                        "status": d.status,
                        "attempts": d.attempts,
                        "detail": d.last_error
                        or (f"delivered {d.delivered_at:%Y-%m-%d %H:%M}" if d.delivered_at else "not tried yet"),
                        "next try": d.next_attempt_at if d.status in ("retrying", "waiting") else None,
                    }
                    for d in sent[:50]
                ]
            ),
            hide_index=True,
            use_container_width=True,
        )

with tab_watch:
    st.caption(
        "Tone runs from −1 (all bad news) to +1 (all good news). "
        f"'Change' compares the last {service.RECENT_DAYS} days with the {service.BEFORE_DAYS} days before."
    )
    table = overview.frame()
    st.dataframe(
        table,
        hide_index=True,
        use_container_width=True,
        height=(len(table) + 1) * 35 + 3,
        column_order=["ticker", "company", "open_alerts", "tone_now", "change", "headlines_7d", "trend", "sector"],
        column_config={
            "ticker": "Ticker",
            "company": "Company",
            "sector": "Sector",
            "tone_now": st.column_config.NumberColumn(f"Tone ({service.RECENT_DAYS} days)", format="%+.2f"),
            "change": st.column_config.NumberColumn("Change", format="%+.2f"),
            "headlines_7d": st.column_config.NumberColumn(f"Headlines ({service.RECENT_DAYS} days)"),
            "trend": st.column_config.LineChartColumn(f"Tone, last {service.TREND_DAYS} days", y_min=-1.0, y_max=1.0),
            "open_alerts": st.column_config.NumberColumn("Open alerts"),
        },
    )

with tab_company:
    names = {c.ticker: c.company for c in overview.companies}
    tickers = list(names)
    default = next((tickers.index(a.ticker) for a in open_alerts if a.ticker in names), 0)
    ticker = st.selectbox(
        "Company", tickers, index=default, format_func=lambda t: f"{t} · {names[t]}", key="risk_company"
    )
    view = run(lambda: service.company_view(store, ticker), what="Loading the company")
    if view is not None:
        signals = view.signals.assign(day=lambda f: pd.to_datetime(f["day"]))
        base = alt.Chart(signals).encode(x=alt.X("day:T", title=None))
        scale = alt.Scale(domain=[-1, 1])
        tone = base.mark_line(color="#4c78a8").encode(
            y=alt.Y("tone_7d:Q", title=f"Tone ({service.SMOOTH_DAYS}-day average)", scale=scale),
            tooltip=["day:T", alt.Tooltip("tone_7d:Q", format="+.2f"), "volume:Q"],
        )
        daily = base.mark_circle(color="#4c78a8", opacity=0.35, size=18).encode(y=alt.Y("tone:Q", scale=scale))
        alert_frame = pd.DataFrame(
            [{"day": pd.Timestamp(a.day), "severity": a.severity, "reason": a.reason} for a in view.alerts]
        )
        layers = [tone, daily]
        if not alert_frame.empty:
            layers.append(
                alt.Chart(alert_frame)
                .mark_rule(color="#d62728", strokeDash=[4, 2])
                .encode(x="day:T", tooltip=["day:T", "severity:N", "reason:N"])
            )
        volume = base.mark_bar(color="#9ecae9").encode(y=alt.Y("volume:Q", title="Headlines"))
        charts = [alt.layer(*layers).properties(height=180), volume.properties(height=90)]
        if not view.prices.empty:
            price = alt.Chart(view.prices.assign(day=lambda f: pd.to_datetime(f["day"])))
            charts.append(
                price.mark_line(color="#555")
                .encode(x=alt.X("day:T", title=None), y=alt.Y("close:Q", title="Price"))
                .properties(height=120)
            )
        st.altair_chart(alt.vconcat(*charts).resolve_scale(x="shared"), use_container_width=True)
        st.caption(
            "Dots: each day's tone (confidence-weighted average of its headlines); "
            f"line: {service.SMOOTH_DAYS}-day average; "
            "red dashed lines: alerts."
        )

        headlines = view.headlines
        if headlines.empty:
            st.write("No headlines about this company yet.")
        else:
            st.markdown("**Headlines** — if the model read one wrong, pick the right label and save.")
            table = headlines.head(200)[["headline_id", "ts", "source", "headline", "shown_label", "confidence"]]
            table = table.assign(correct_to=None)
            edited = st.data_editor(
                table,
                hide_index=True,
                use_container_width=True,
                disabled=["headline_id", "ts", "source", "headline", "shown_label", "confidence"],
                column_config={
                    "headline_id": None,
                    "ts": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
                    "source": "Source",
                    "headline": st.column_config.TextColumn("Headline", width="medium"),
                    "shown_label": "Tone label",
                    "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0),
                    "correct_to": st.column_config.SelectboxColumn("Correct to", options=list(service.LABELS)),
                },
                key=f"risk_editor_{ticker}",
            )
            changes = edited[edited["correct_to"].notna()]
            corrections = dict(zip(changes["headline_id"], changes["correct_to"], strict=True))
            if st.button(f"Save {len(changes)} correction(s)", disabled=changes.empty, key="risk_save_corrections"):
                if done(lambda: service.correct_labels(store, corrections, identity=signed_identity()), what="Saving"):
                    st.success(f"Saved {len(changes)} correction(s). They count at once and go to the review queue.")

with tab_upload:
    st.write(
        "Upload a CSV or JSON file (or one gzipped) with the columns **timestamp, source, headline**, and optionally "
        "**url** and **ticker**. Times may use any common format and time zone; text may be UTF-8, UTF-16 or "
        "Windows-1252. Repeats of the same story are merged, and any row that cannot be used is kept and listed "
        "with its line number. A file is stored whole or not at all."
    )
    types = [t.lstrip(".") for t in service.UPLOAD_TYPES]
    upload = st.file_uploader(
        "Headlines file", type=types, key="risk_upload", help=f"One file of up to {MAX_UPLOAD_MB} MB."
    )
    if upload is not None and st.button("Read headlines", type="primary"):
        with st.spinner("Scoring headlines…"):
            report = run(
                lambda: service.ingest_upload(store, upload.name, upload.getvalue(), identity=signed_identity()),
                what="Upload",
            )
        if report is not None:
            st.success(as_text(report.summary()))
            if report.rejected:
                st.dataframe(pd.DataFrame([r.as_dict() for r in report.rejected]), hide_index=True)
    imports = run(lambda: service.recent_imports(store, limit=20), what="Loading recent imports") or []
    if imports:
        st.markdown("**Recent imports** (uploads, the command line and the watched folder)")
        st.dataframe(
            pd.DataFrame([i.as_dict() for i in imports]),
            hide_index=True,
            use_container_width=True,
            column_order=["imported_at", "file_name", "rows_read", "added", "duplicates", "rejected", "error"],
            column_config={"imported_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm")},
        )

with tab_rules:
    rules = service.current_thresholds(get_settings())
    st.markdown(
        f"""
An alert is raised for a company when, on one day:
- **its news turns unusually negative**: at least {rules.min_headlines} headlines, and their average tone is
  {rules.z} times the company's normal day-to-day spread below its average of the previous {rules.window_days} days; or
- **there is a burst of bad news**: at least {rules.volume_min} headlines, {rules.volume_ratio:g} times as many as
  usual, with an average tone below {rules.volume_tone:+.1f}.

After an alert, the same company gets no new alert for {rules.cooldown_days} days, so one story raises one alert.
**Severity** is high when the drop is far past the limit (or a burst is mostly bad news), medium when clearly past it.
Headlines the model is unsure about (for example, not in English) are shown as *unsure* and do not move the tone.
When you mark false alarms and a reviewer accepts them, the next retraining raises that company's limit by
{service.Z_STEP:g} (at most {service.Z_MAX_EXTRA:g} more), and says so in its notes.
"""
    )
    if rules.per_company_z:
        st.dataframe(pd.DataFrame(rules.per_company_z, columns=["Ticker", "Tone limit"]), hide_index=True)
