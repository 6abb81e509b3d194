"""Market risk alerts: alert feed, one headline checked, watchlist, company drill-down, uploads, how alerts work.

Every word is in the page's language (`risk_recommend.po`); headlines, company names and messages quoting them
are untrusted text and shown with `as_text` (escaped Markdown). A link `?alert=<id>` (from Needs attention)
opens that alert first, highlighted, with its headlines showing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pages.links import close_link, linked_item
from pages.session import identity as signed_identity
from pages.ui import (
    done,
    get_settings,
    get_store,
    module_summary,
    module_title,
    number,
    page_header,
    percent,
    plain,
    progress_bar,
    run,
    t,
    tn,
    when,
)
from suite.modules import MODULES
from suite.risk import service
from suite.uploads import MAX_UPLOAD_MB

info = next(m for m in MODULES if m.key == "risk")
page_header(module_title(info.key), module_summary(info.key), module=info.key)
store = get_store()
SEVERITY = {"high": ":red[**{}**]", "medium": ":orange[**{}**]", "low": ":blue[**{}**]"}  # filled in the language
LABEL_COLOUR = {"negative": "red", "neutral": "gray", "positive": "green", "unsure": "violet"}
# the drill-down's colours, each mark its own shape and colour so the legend under it tells them apart
DAILY, AVERAGE, ALERT, VOLUME, PRICE = "#ff8700", "#1c4e80", "#d62728", "#9ecae9", "#555555"


def severity(level: str) -> str:
    """A severity in its colour and the page's language."""
    return SEVERITY[level].format(t(f"risk.sev.{level}")) if level in SEVERITY else as_text(level)


def label_words(label: object) -> str:
    """A tone label (negative / neutral / positive / unsure) in words of the page's language."""
    key = service.LABEL_WORDS.get(str(label))
    return t(key) if key else as_text(label)


def signed(value: float | None) -> str:
    """A tone (-1..1) with its sign and two decimals, '' for none."""
    if value is None or pd.isna(value):
        return ""
    return ("+" if value > 0 else "−" if value < 0 else "") + number(abs(value), decimals=2)


def as_text(value: object) -> str:
    """Untrusted text (headlines, company names, messages quoting them) on one line, shown as written."""
    return plain(" ".join(str(value or "").split()))


def story(alert) -> list[str]:
    """What happened, in sentences: the burst or the turn of tone, how far the tone fell, why this severity."""
    facts = service.alert_facts(alert)
    who = as_text(alert.company or alert.ticker)
    usual = number(facts.usual_volume, decimals=1) if facts.usual_volume is not None else None
    if facts.burst and usual is not None:
        first = t("risk.story.burst", company=who, count=number(facts.volume), usual=usual, bad=number(facts.bad))
    else:
        first = t("risk.story.tone", company=who, count=number(facts.volume), bad=number(facts.bad))
    lines = [first]
    if facts.tone is not None and facts.usual_tone is not None and facts.times is not None:
        lines.append(
            t(
                "risk.story.fall",
                tone=signed(facts.tone),
                usual=signed(facts.usual_tone),
                times=number(facts.times, decimals=1),
            )
        )
    level = alert.severity if alert.severity in SEVERITY else "low"  # as stored, the attention inbox says the same
    rule = t(
        f"risk.story.severity.{level}",
        bad=number(facts.bad),
        high=service.HIGH_BAD_HEADLINES,
        medium=service.MEDIUM_BAD_HEADLINES,
    )
    lines.append(rule)
    return lines


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


def _find_alert(alert_id: str):
    found = service.list_alerts(store, alert_ids=[alert_id], states=None, limit=1)
    return found[0] if found else None


def alert_card(alert, delivery, *, opened: bool = False) -> None:
    """One alert: severity, company, day, what happened in words, its headlines, and the three actions."""
    with st.container(border=True):
        if opened:
            st.markdown(f":blue-badge[{t('links.opened')}]")
        st.markdown(
            f"{severity(alert.severity)} · **{as_text(alert.company or alert.ticker)}** "
            f"({as_text(alert.ticker)}) · {when(alert.day)}"
        )
        for line in story(alert):
            st.markdown(line)
        if alert.status != "open":
            st.caption(t("risk.link.state", state=t(f"risk.state.{alert.status}"), who=as_text(alert.state_by or "")))
        if delivery is not None:
            status = t(f"risk.delivery.{delivery.status}")
            detail = f": {delivery.last_error}" if delivery.last_error and delivery.status != "delivered" else ""
            st.caption(t("risk.webhook_state", host=as_text(delivery.host), status=status, detail=as_text(detail)))
        with st.expander(tn("risk.behind", len(alert.headlines)), expanded=opened):
            for headline in alert.headlines:
                st.markdown(f"- {as_text(headline)}")
        if alert.status == "open":
            cols = st.columns(3)
            for column, action, label in (
                (cols[0], "acknowledge", t("risk.act.acknowledge")),
                (cols[1], "snooze", t("risk.act.snooze", days=service.SNOOZE_DAYS)),
                (cols[2], "false_alarm", t("risk.act.false_alarm")),
            ):
                key = {"acknowledge": "ack", "snooze": "snooze", "false_alarm": "false"}[action]
                column.button(label, key=f"{key}-{alert.alert_id}", on_click=_act, args=(alert.alert_id, action))
        if opened:
            st.button(t("links.close"), key="risk_link_close", on_click=close_link, args=("alert",))


overview = run(lambda: service.watchlist_overview(store), what=t("risk.what.watchlist"))
if overview is None:
    st.stop()
if notice := st.session_state.pop("risk_notice", None):
    st.success(notice)
if not overview.companies:
    st.info(t("risk.no_companies"))
    st.button(t("risk.load_demo"), on_click=_load_demo, type="primary")
    st.stop()

TABS = ("alerts", "check", "watch", "company", "upload", "rules")
tab_alerts, tab_check, tab_watch, tab_company, tab_upload, tab_rules = st.tabs([t(f"risk.tab.{tab}") for tab in TABS])

with tab_alerts:
    if problem := service.webhook_problem(get_settings()):
        st.warning(problem)  # our own words (the URL is never repeated), not untrusted text
    opened = linked_item("alert", _find_alert, what=t("risk.what.alerts"))
    open_alerts = run(lambda: service.list_alerts(store, states=("open",), limit=50), what=t("risk.what.alerts")) or []
    sent = run(lambda: service.deliveries(store, limit=200), what=t("risk.what.deliveries")) or []
    latest_delivery = {a: d for d in reversed(sent) for a in d.alert_ids}  # newest message per alert wins
    if opened is not None:
        alert_card(opened, latest_delivery.get(opened.alert_id), opened=True)
    st.subheader(t("risk.open_alerts", count=number(len(open_alerts))))
    if not open_alerts:
        st.write(t("risk.nothing_open"))
    for alert in open_alerts:
        if opened is None or alert.alert_id != opened.alert_id:
            alert_card(alert, latest_delivery.get(alert.alert_id))

    if sent:
        st.subheader(t("risk.deliveries"))
        st.caption(t("risk.deliveries_note", attempts=service.MAX_ATTEMPTS))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("risk.col.created"): when(d.created_at),
                        t("risk.col.alerts"): ", ".join(d.alert_ids),
                        t("risk.col.status"): t(f"risk.delivery.{d.status}"),
                        t("risk.col.attempts"): number(d.attempts),
                        t("risk.col.detail"): d.last_error
                        or (
                            t("risk.delivered_at", when=when(d.delivered_at)) if d.delivered_at else t("risk.not_tried")
                        ),
                        t("risk.col.next_try"): when(d.next_attempt_at) if d.status in ("retrying", "waiting") else "",
                    }
                    for d in sent[:50]
                ]
            ),
            hide_index=True,
            use_container_width=True,
        )

with tab_check:
    st.write(t("risk.check.intro"))
    with st.form("risk_check", clear_on_submit=False, border=False):
        typed = st.text_input(t("risk.check.label"), key="risk_check_text", placeholder=t("risk.check.placeholder"))
        asked = st.form_submit_button(t("risk.check.button"), type="primary")
    if asked and not typed.strip():
        st.warning(t("risk.check.empty"))
    elif asked:
        with st.spinner(t("risk.check.reading")):
            check = run(
                lambda: service.check_headline(store, typed, identity=signed_identity()), what=t("risk.check.what")
            )
        if check is not None:
            tone = check.tone
            shown = "unsure" if tone.low_confidence else tone.label
            with st.container(border=True):
                st.markdown(f":{LABEL_COLOUR.get(shown, 'gray')}[**{label_words(shown)}**]")
                st.text(typed.strip())  # the typed text, as written
                if tone.low_confidence:
                    st.caption(t("risk.check.unsure"))
                else:
                    st.caption(t("risk.check.sure", share=percent(tone.confidence), tone=signed(tone.score)))
                if check.companies:
                    names = ", ".join(f"{as_text(c.name)} ({as_text(c.ticker)})" for c in check.companies)
                    st.markdown(t("risk.check.companies", names=names))
                else:
                    st.caption(t("risk.check.no_company"))

with tab_watch:
    st.caption(t("risk.watch.note", recent=service.RECENT_DAYS, before=service.BEFORE_DAYS))
    table = overview.frame()
    for column in ("tone_now", "change"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    table["sector"] = table["sector"].fillna("")
    st.dataframe(
        table,
        hide_index=True,
        use_container_width=True,
        height=(len(table) + 1) * 35 + 3,
        column_order=["ticker", "company", "open_alerts", "tone_now", "change", "headlines_7d", "trend", "sector"],
        column_config={
            "ticker": t("risk.col.ticker"),
            "company": t("risk.col.company"),
            "sector": t("risk.col.sector"),
            "tone_now": st.column_config.NumberColumn(t("risk.col.tone_now", days=service.RECENT_DAYS), format="%+.2f"),
            "change": st.column_config.NumberColumn(t("risk.col.change"), format="%+.2f"),
            "headlines_7d": st.column_config.NumberColumn(t("risk.col.headlines", days=service.RECENT_DAYS)),
            "trend": st.column_config.LineChartColumn(
                t("risk.col.trend", days=service.TREND_DAYS), y_min=-1.0, y_max=1.0
            ),
            "open_alerts": st.column_config.NumberColumn(t("risk.col.open_alerts")),
        },
    )

with tab_company:
    names = {c.ticker: c.company for c in overview.companies}
    tickers = list(names)
    default = next((tickers.index(a.ticker) for a in open_alerts if a.ticker in names), 0)
    ticker = st.selectbox(
        t("risk.col.company"), tickers, index=default, format_func=lambda k: f"{k} · {names[k]}", key="risk_company"
    )
    view = run(lambda: service.company_view(store, ticker), what=t("risk.what.company"))
    if view is not None:
        signals = view.signals.assign(day=lambda f: pd.to_datetime(f["day"]))
        days = [d for d in signals["day"].dropna()]
        # one x range for the three charts, drawn one under the other: each fits its column (a phone included)
        months = alt.Axis(format=t("risk.chart.month_format"), labelOverlap=True)  # months in the page's language
        x = alt.X(
            "day:T",
            title=None,
            axis=months,
            scale=alt.Scale(domain=[min(days), max(days)]) if days else alt.Undefined,
        )
        lined_up = alt.Axis(minExtent=48)  # the same room for every y axis: the three x axes line up
        day_tip = alt.Tooltip("day:T", title=t("risk.chart.day"))
        scale = alt.Scale(domain=[-1, 1])
        base = alt.Chart(signals).encode(x=x)
        tone = base.mark_line(color=AVERAGE, strokeWidth=2).encode(
            y=alt.Y("tone_7d:Q", title=t("risk.chart.tone", days=service.SMOOTH_DAYS), scale=scale, axis=lined_up),
            tooltip=[
                day_tip,
                alt.Tooltip("tone_7d:Q", title=t("risk.chart.average"), format="+.2f"),
                alt.Tooltip("volume:Q", title=t("risk.chart.headlines")),
            ],
        )
        daily = base.mark_circle(color=DAILY, opacity=0.6, size=22).encode(
            y=alt.Y("tone:Q", scale=scale),
            tooltip=[day_tip, alt.Tooltip("tone:Q", title=t("risk.chart.daily"), format="+.2f")],
        )
        alert_frame = pd.DataFrame(
            [{"day": pd.Timestamp(a.day), "severity": t(f"risk.sev.{a.severity}")} for a in view.alerts]
        )
        layers = [tone, daily]
        if not alert_frame.empty:
            layers.append(
                alt.Chart(alert_frame)
                .mark_rule(color=ALERT, strokeDash=[4, 2], strokeWidth=2)
                .encode(x=x, tooltip=[day_tip, alt.Tooltip("severity:N", title=t("risk.chart.severity"))])
            )
        st.altair_chart(alt.layer(*layers).properties(height=180), use_container_width=True)
        st.markdown(
            f"<span style='color:{DAILY}'>●</span> {t('risk.legend.daily')} &nbsp; "
            f"<span style='color:{AVERAGE}'>━━</span> {t('risk.legend.average', days=service.SMOOTH_DAYS)} &nbsp; "
            f"<span style='color:{ALERT}'>┆</span> {t('risk.legend.alert')}",
            unsafe_allow_html=True,  # our own words and colours only: no untrusted text in this line
        )
        volume = base.mark_bar(color=VOLUME).encode(
            y=alt.Y("volume:Q", title=t("risk.chart.headlines"), axis=lined_up),
            tooltip=[day_tip, alt.Tooltip("volume:Q", title=t("risk.chart.headlines"))],
        )
        st.altair_chart(volume.properties(height=110), use_container_width=True)
        if not view.prices.empty:
            price = alt.Chart(view.prices.assign(day=lambda f: pd.to_datetime(f["day"])))
            st.altair_chart(
                price.mark_line(color=PRICE)
                .encode(
                    x=x,
                    y=alt.Y("close:Q", title=t("risk.chart.price"), scale=alt.Scale(zero=False), axis=lined_up),
                    tooltip=[day_tip, alt.Tooltip("close:Q", title=t("risk.chart.price"), format=",.2f")],
                )
                .properties(height=120),
                use_container_width=True,
            )

        headlines = view.headlines
        if headlines.empty:
            st.write(t("risk.no_headlines"))
        else:
            st.markdown(t("risk.headlines_intro"))
            table = headlines.head(200)[["headline_id", "ts", "source", "headline", "shown_label", "confidence"]]
            table = table.assign(shown_label=table["shown_label"].map(label_words), correct_to=None)
            fixed = ["headline_id", "ts", "source", "headline", "shown_label", "confidence"]
            edited = st.data_editor(
                table,
                hide_index=True,
                use_container_width=True,
                disabled=fixed,
                column_config={
                    "headline_id": None,
                    "ts": st.column_config.DatetimeColumn(t("risk.col.when"), format="D MMM YYYY, HH:mm"),
                    "source": t("risk.col.source"),
                    "headline": st.column_config.TextColumn(t("risk.col.headline"), width="medium"),
                    "shown_label": t("risk.col.reads_as"),
                    "confidence": st.column_config.ProgressColumn(
                        t("risk.col.confidence"), min_value=0.0, max_value=1.0, format="percent"
                    ),
                    "correct_to": st.column_config.SelectboxColumn(
                        t("risk.col.correct_to"), options=list(service.LABELS), format_func=label_words
                    ),
                },
                key=f"risk_editor_{ticker}",
            )
            changes = edited[edited["correct_to"].notna()]
            corrections = dict(zip(changes["headline_id"], changes["correct_to"], strict=True))
            if st.button(
                tn("risk.save_corrections", len(changes)), disabled=changes.empty, key="risk_save_corrections"
            ):
                saving = lambda: service.correct_labels(store, corrections, identity=signed_identity())  # noqa: E731
                if done(saving, what=t("risk.what.save")):
                    st.success(tn("risk.saved_corrections", len(changes)))

with tab_upload:
    st.write(t("risk.upload.intro"))
    types = [suffix.lstrip(".") for suffix in service.UPLOAD_TYPES]
    upload = st.file_uploader(
        t("risk.upload.label"), type=types, key="risk_upload", help=t("risk.upload.help", mb=MAX_UPLOAD_MB)
    )
    if upload is not None and st.button(t("risk.upload.read"), type="primary"):
        with st.spinner(t("risk.upload.scoring")):
            report = run(
                lambda: service.ingest_upload(store, upload.name, upload.getvalue(), identity=signed_identity()),
                what=t("risk.upload.what"),
            )
        if report is not None:
            said = [
                tn("risk.upload.read_rows", report.rows_read, file=as_text(report.file_name)),
                tn("risk.upload.added", report.added),
            ]
            if report.duplicates:
                said.append(tn("risk.upload.duplicates", report.duplicates))
            if report.rejected:
                lines = "; ".join(
                    t("risk.upload.line", line=r.line, reason=as_text(r.reason)) for r in report.rejected[:5]
                )
                said.append(tn("risk.upload.rejected", len(report.rejected), lines=lines))
            if report.unknown_tickers:
                said.append(t("risk.upload.unknown", tickers=as_text(", ".join(sorted(report.unknown_tickers)[:10]))))
            if report.unlinked:
                said.append(tn("risk.upload.unlinked", report.unlinked))
            if report.low_confidence:
                said.append(tn("risk.upload.unsure", report.low_confidence))
            if report.assumed_utc:
                said.append(tn("risk.upload.assumed_utc", report.assumed_utc))
            if report.new_alerts:
                said.append(tn("risk.upload.new_alerts", len(report.new_alerts)))
            if report.alerts_note:
                said.append(as_text(report.alerts_note))
            st.success(" ".join(said))
            stored = run(lambda: service.upload_headlines(store, report.batch_id), what=t("risk.upload.what")) or []
            if stored:
                st.markdown(t("risk.upload.labels"))
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                t("risk.col.headline"): row["headline"],
                                t("risk.col.reads_as"): label_words(row["shown_label"]),
                                t("risk.col.confidence"): percent(row["confidence"] or 0.0),
                                t("risk.col.companies"): ", ".join(row["tickers"] or []),
                            }
                            for row in stored
                        ]
                    ),
                    hide_index=True,
                    use_container_width=True,
                )
            if report.rejected:
                st.dataframe(
                    pd.DataFrame(
                        [
                            {t("risk.col.line"): r.line, t("risk.col.why"): r.reason, t("risk.col.raw"): r.raw}
                            for r in report.rejected
                        ]
                    ),
                    hide_index=True,
                )
    imports = run(lambda: service.recent_imports(store, limit=20), what=t("risk.what.imports")) or []
    if imports:
        st.markdown(t("risk.imports"))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("risk.col.when"): when(i.imported_at),
                        t("risk.col.file"): i.file_name,
                        t("risk.col.rows_read"): i.rows_read,
                        t("risk.col.added"): i.added,
                        t("risk.col.duplicates"): i.duplicates,
                        t("risk.col.rejected"): i.rejected,
                        t("risk.col.problem"): i.error or "",
                    }
                    for i in imports
                ]
            ),
            hide_index=True,
            use_container_width=True,
        )

with tab_rules:
    rules = service.current_thresholds(get_settings())
    st.markdown(
        t(
            "risk.rules",
            min_headlines=rules.min_headlines,
            z=number(rules.z, decimals=1),
            window=rules.window_days,
            volume_min=rules.volume_min,
            ratio=number(rules.volume_ratio),
            volume_tone=signed(rules.volume_tone),
            cooldown=rules.cooldown_days,
            high=service.HIGH_BAD_HEADLINES,
            medium=service.MEDIUM_BAD_HEADLINES,
            step=number(service.Z_STEP),
            most=number(service.Z_MAX_EXTRA),
        )
    )
    if rules.per_company_z:
        st.dataframe(
            pd.DataFrame(rules.per_company_z, columns=[t("risk.col.ticker"), t("risk.col.tone_limit")]),
            hide_index=True,
        )
