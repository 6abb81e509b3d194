"""Support answers: chat with the help center, manage its articles, and see questions handed to staff.

Everything shown here that came from an article, the language model or a user is untrusted: it is rendered
with `md()`, so its links and images show as text and never load or open anything.
"""

import re

import streamlit as st

from pages.links import close_link, linked_item
from pages.session import identity as signed_identity
from pages.ui import (
    done,
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
    when,
    words,
)
from suite.support.models import Answer
from suite.support.service import (
    MAX_FILE_MB,
    MAX_QUESTION_CHARS,
    OUTCOME_DAYS,
    STATUSES,
    SUPPORTED,
    add_articles,
    ask,
    ask_streaming,
    create_ticket,
    daily_outcomes,
    list_documents,
    list_tickets,
    record_feedback,
    remove_document,
    set_ticket_status,
)

page_header(module_title("support"), module_summary("support"), module="support")
store = get_store()
who = signed_identity()  # the signed-in person: suite functions check their role
state = st.session_state
state.setdefault("support_chat", [])  # the Answers of this session, oldest first
state.setdefault("support_rated", {})
state.setdefault("support_tickets", {})

# a link from Needs attention (?ticket=<id>) opens the handed-over questions with that ticket's card first
opened = linked_item(
    "ticket",
    lambda i: next((k for k in list_tickets(store) if k.ticket_id == i), None),
    what=t("support.what.tickets"),
)
tab_labels = [t("support.tab.ask"), t("support.tab.kb"), t("support.tab.tickets")]
chat_tab, kb_tab, tickets_tab = st.tabs(tab_labels, default=tab_labels[2] if opened is not None else None)
ASKER, ASSISTANT = ":material/person:", ":material/support_agent:"  # two avatars nobody confuses
_MARKER = re.compile(r"\\\[(\d{1,3})\\\](?!\\:)")  # an escaped citation marker [n] (not a link label "[n]:")


def md(text: str) -> str:
    """Untrusted text as Markdown that shows it literally: no link, image, HTML or formatting comes alive.

    The answer's citation markers `[n]` stay as they are: with every other bracket escaped they cannot
    become links.
    """
    return _MARKER.sub(r"[\1]", plain(text))


def show_answer(turn: Answer) -> None:
    rid = turn.request_id
    st.markdown(md(turn.answer))
    if turn.note:
        st.warning(turn.note)
    st.caption(
        t("support.confidence", share=percent(turn.confidence))
        + (t("support.by_llm") if turn.written_by == "llm" else "")
    )
    if turn.citations:
        with st.expander(t("support.sources", count=len(turn.citations))):
            for c in turn.citations:
                # One confidence per answer (the calibrated one above): no per-source "match %" beside it.
                st.markdown(f"**[{c.number}] {md(c.title)}** — {md(c.link)}")
                st.text(c.passage)
    if not turn.answered:
        if rid in state.support_tickets:
            st.success(t("support.ticket_opened"))
        elif st.button(t("support.handoff"), key=f"handoff-{rid}"):
            ticket = run(lambda: create_ticket(store, turn, identity=who), what=t("support.what.ticket"))
            if ticket:
                state.support_tickets[rid] = ticket
                st.success(t("support.ticket_opened"))
    rating = st.feedback("thumbs", key=f"thumbs-{rid}")
    if rating is not None and state.support_rated.get(rid) != rating:
        if done(
            lambda: record_feedback(store, turn, thumbs_up=rating == 1, identity=who), what=t("support.what.rating")
        ):
            state.support_rated[rid] = rating
            st.toast(t("support.thanks"))
    if rating == 0:
        with st.form(f"correction-{rid}", clear_on_submit=True):
            correction = st.text_area(t("support.correction"))
            if st.form_submit_button(t("support.send_correction")) and correction.strip():
                if done(
                    lambda: record_feedback(store, turn, correction=correction, identity=who),
                    what=t("support.what.correction"),
                ):
                    st.success(t("support.correction_thanks"))


with chat_tab:
    st.write(t("support.intro"))
    if not state.support_chat and not (run(lambda: list_documents(store), what=t("support.what.articles")) or []):
        st.info(t("support.no_articles_chat"))
    for turn in state.support_chat:
        with st.chat_message("user", avatar=ASKER):
            st.text(turn.question)
        with st.chat_message("assistant", avatar=ASSISTANT):
            show_answer(turn)
    question = st.chat_input(t("support.ask_placeholder"), max_chars=MAX_QUESTION_CHARS)
    if question:
        with st.chat_message("user", avatar=ASKER):
            st.text(question)
        with st.chat_message("assistant", avatar=ASSISTANT):
            if store.settings.llm == "local":  # the local model's words appear as it writes them
                with st.spinner(t("local_llm.writing")):
                    stream = ask_streaming(store, question, identity=who)
                    st.write_stream(md(piece) for piece in stream)
                answer = run(stream.result, what=t("support.what.answer"))
            else:
                with st.spinner(t("support.looking")):
                    answer = run(lambda: ask(store, question, identity=who), what=t("support.what.answer"))
        if answer is not None:
            state.support_chat.append(answer)
            st.rerun()

with kb_tab:
    uploads = st.file_uploader(
        t("support.upload"),
        type=[s.lstrip(".") for s in SUPPORTED],
        accept_multiple_files=True,
        help=t("support.upload_help", mb=MAX_FILE_MB),
    )
    if uploads and st.button(t("support.add"), type="primary"):
        with progress_bar(t("support.reading")) as progress:
            report = run(
                lambda: add_articles(store, [(f.name, f.getvalue()) for f in uploads], identity=who, progress=progress),
                what=t("support.what.add"),
            )
        if report is not None:
            if report.added or report.replaced:
                st.success(t("support.added", added=len(report.added), replaced=len(report.replaced)))
            for skipped in report.skipped:
                st.warning(t("support.skipped", source=md(skipped.source), reason=md(words(skipped.reason))))
            for part in report.left_out:
                st.warning(t("support.left_out", source=md(part.source), reason=md(part.reason)))
    documents = run(lambda: list_documents(store), what=t("support.what.articles")) or []
    st.metric(t("support.articles"), number(len(documents)))
    if documents:
        st.dataframe(
            [
                {
                    t("support.col.file"): d.source,
                    t("support.col.title"): d.title,
                    t("support.col.type"): d.kind,
                    t("support.col.passages"): d.n_chunks,
                }
                for d in documents
            ],
            hide_index=True,
        )
        with st.form("remove-doc"):
            doomed = st.selectbox(t("support.remove_pick"), [d.source for d in documents])
            if st.form_submit_button(t("support.remove")):
                if done(lambda: remove_document(store, doomed, identity=who), what=t("support.what.remove")):
                    st.success(t("support.removed", source=md(doomed)))
                    st.rerun()
    else:
        st.info(t("support.no_articles"))


def ticket_card(ticket) -> None:
    """The ticket a link opened: the question, who asked and when, what the assistant found, its status."""
    with st.container(border=True):
        st.markdown(f":blue-badge[{t('links.opened')}] :gray-badge[{t(f'support.status.{ticket.status}')}]")
        st.markdown(f"**{md(ticket.question)}**")
        st.caption(t("support.link.asked", who=md(ticket.user or t("support.link.visitor")), when=when(ticket.ts)))
        if ticket.candidates:
            st.markdown(t("support.link.closest", title=md(ticket.candidates[0].title)))
            st.text(ticket.candidates[0].passage)
        st.button(t("links.close"), key="support_link_close", on_click=close_link, args=("ticket",))


with tickets_tab:
    if opened is not None:
        ticket_card(opened)
    tickets = run(lambda: list_tickets(store), what=t("support.what.tickets")) or []
    st.metric(t("support.open_tickets"), number(sum(k.status == "open" for k in tickets)))
    outcomes = run(lambda: daily_outcomes(store), what=t("support.what.outcomes")) or []
    if outcomes:
        st.caption(t("support.per_day", days=OUTCOME_DAYS))
        st.bar_chart(
            {
                t("support.chart.day"): [str(r.day) for r in outcomes],
                t("support.chart.answered"): [r.answered for r in outcomes],
                t("support.chart.not_sure"): [r.declined for r in outcomes],
            },
            x=t("support.chart.day"),
            y=[t("support.chart.answered"), t("support.chart.not_sure")],
            color=["#2e7d32", "#f9a825"],
        )
    if tickets:
        st.dataframe(
            [
                {
                    t("support.col.when"): when(k.ts),
                    t("support.col.who"): k.user,
                    t("support.col.question"): k.question,
                    t("support.col.confidence"): percent(k.confidence),
                    t("support.col.closest"): k.candidates[0].title if k.candidates else "",
                    t("support.col.status"): t(f"support.status.{k.status}"),
                }
                for k in tickets
            ],
            hide_index=True,
        )
        with st.form("ticket-status"):
            by_id = {k.ticket_id: k for k in tickets}
            order = list(by_id)
            chosen = st.selectbox(
                t("support.ticket"),
                order,
                index=order.index(opened.ticket_id) if opened is not None and opened.ticket_id in by_id else 0,
                format_func=lambda i: by_id[i].question[:80],
            )
            status = st.radio(
                t("support.mark_as"), STATUSES, format_func=lambda s: t(f"support.status.{s}"), horizontal=True
            )
            if st.form_submit_button(t("support.update")):
                if done(lambda: set_ticket_status(store, chosen, status, identity=who), what=t("support.what.update")):
                    st.rerun()
    else:
        st.info(t("support.no_tickets"))
