"""Support answers: chat with the help center, manage its articles, and see questions handed to staff.

Everything shown here that came from an article, the language model or a user is untrusted: it is rendered
with `md()`, so its links and images show as text and never load or open anything.
"""

import re

import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import done, get_store, page_header, plain, progress_bar, run
from suite.modules import MODULES
from suite.support.models import Answer
from suite.support.service import (
    MAX_FILE_MB,
    MAX_QUESTION_CHARS,
    OUTCOME_DAYS,
    STATUSES,
    SUPPORTED,
    add_articles,
    ask,
    create_ticket,
    daily_outcomes,
    list_documents,
    list_tickets,
    record_feedback,
    remove_document,
    set_ticket_status,
)

info = next(m for m in MODULES if m.key == "support")
page_header(info.title, info.summary, module=info.key)
store = get_store()
who = signed_identity()  # the signed-in person: suite functions check their role
state = st.session_state
state.setdefault("support_chat", [])  # the Answers of this session, oldest first
state.setdefault("support_rated", {})
state.setdefault("support_tickets", {})

chat_tab, kb_tab, tickets_tab = st.tabs(["Ask", "Knowledge base", "Handed to staff"])
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
        f"Confidence {turn.confidence:.0%}" + (" · written by the language model" if turn.written_by == "llm" else "")
    )
    if turn.citations:
        with st.expander(f"Sources ({len(turn.citations)})"):
            for c in turn.citations:
                st.markdown(f"**[{c.number}] {md(c.title)}** — {md(c.link)} (match {c.score:.0%})")
                st.text(c.passage)
    if not turn.answered:
        if rid in state.support_tickets:
            st.success("A colleague will look at this question (ticket opened).")
        elif st.button("Pass this question to a colleague", key=f"handoff-{rid}"):
            ticket = run(lambda: create_ticket(store, turn, identity=who), what="Opening a ticket")
            if ticket:
                state.support_tickets[rid] = ticket
                st.success("A colleague will look at this question (ticket opened).")
    rating = st.feedback("thumbs", key=f"thumbs-{rid}")
    if rating is not None and state.support_rated.get(rid) != rating:
        if done(lambda: record_feedback(store, turn, thumbs_up=rating == 1, identity=who), what="Saving your rating"):
            state.support_rated[rid] = rating
            st.toast("Thanks for the feedback.")
    if rating == 0:
        with st.form(f"correction-{rid}", clear_on_submit=True):
            correction = st.text_area("What should the answer have been? (optional)")
            if st.form_submit_button("Send correction") and correction.strip():
                if done(
                    lambda: record_feedback(store, turn, correction=correction, identity=who), what="Saving correction"
                ):
                    st.success("Thanks — a reviewer will check your correction.")


with chat_tab:
    st.write("Ask in English or Chinese. Answers quote the help articles; when unsure, the assistant says so.")
    if not state.support_chat and not (run(lambda: list_documents(store), what="Listing articles") or []):
        st.info(
            "There are no help articles yet, so every question would be handed to staff. Add articles in the "
            "Knowledge base tab, or load the demo data from the Home page."
        )
    for turn in state.support_chat:
        with st.chat_message("user"):
            st.text(turn.question)
        with st.chat_message("assistant"):
            show_answer(turn)
    question = st.chat_input("Ask a question about our products", max_chars=MAX_QUESTION_CHARS)
    if question:
        with st.chat_message("user"):
            st.text(question)
        with st.chat_message("assistant"), st.spinner("Looking through the help articles..."):
            answer = run(lambda: ask(store, question, identity=who), what="Answering")
        if answer is not None:
            state.support_chat.append(answer)
            st.rerun()

with kb_tab:
    uploads = st.file_uploader(
        "Add help articles",
        type=[s.lstrip(".") for s in SUPPORTED],
        accept_multiple_files=True,
        help=f"Up to {MAX_FILE_MB} MB a file. All usable files of one upload are added together, or none is.",
    )
    if uploads and st.button("Add to the knowledge base", type="primary"):
        with progress_bar("Reading files") as progress:
            report = run(
                lambda: add_articles(store, [(f.name, f.getvalue()) for f in uploads], identity=who, progress=progress),
                what="Adding articles",
            )
        if report is not None:
            if report.added or report.replaced:
                st.success(f"Added {len(report.added)}, updated {len(report.replaced)} article(s).")
            for skipped in report.skipped:
                st.warning(f"Skipped {md(skipped.source)}: {md(skipped.reason)}")
            for part in report.left_out:
                st.warning(f"Left out of {md(part.source)}: {md(part.reason)}")
    documents = run(lambda: list_documents(store), what="Listing articles") or []
    st.metric("Articles", len(documents))
    if documents:
        st.dataframe(
            [{"file": d.source, "title": d.title, "type": d.kind, "passages": d.n_chunks} for d in documents],
            hide_index=True,
        )
        with st.form("remove-doc"):
            doomed = st.selectbox("Remove an article", [d.source for d in documents])
            if st.form_submit_button("Remove"):
                if done(lambda: remove_document(store, doomed, identity=who), what="Removing"):
                    st.success(f"Removed {md(doomed)}.")
                    st.rerun()
    else:
        st.info("No articles yet. Upload some above, or load the demo data from the Home page.")

with tickets_tab:
    tickets = run(lambda: list_tickets(store), what="Listing tickets") or []
    st.metric("Open questions for staff", sum(t.status == "open" for t in tickets))
    outcomes = run(lambda: daily_outcomes(store), what="Counting questions") or []
    if outcomes:
        st.caption(f"Questions per day: answered by the assistant vs. not sure (last {OUTCOME_DAYS} days)")
        st.bar_chart(
            {
                "day": [str(r.day) for r in outcomes],
                "answered": [r.answered for r in outcomes],
                "not sure": [r.declined for r in outcomes],
            },
            x="day",
            y=["answered", "not sure"],
            color=["#2e7d32", "#f9a825"],
        )
    if tickets:
        st.dataframe(
            [
                {
                    "when": t.ts,
                    "who": t.user,
                    "question": t.question,
                    "confidence": t.confidence,
                    "closest article": t.candidates[0].title if t.candidates else "",
                    "status": t.status,
                }
                for t in tickets
            ],
            hide_index=True,
        )
        with st.form("ticket-status"):
            by_id = {t.ticket_id: t for t in tickets}
            chosen = st.selectbox("Ticket", list(by_id), format_func=lambda i: by_id[i].question[:80])
            status = st.radio("Mark as", STATUSES, horizontal=True)
            if st.form_submit_button("Update"):
                if done(lambda: set_ticket_status(store, chosen, status, identity=who), what="Updating the ticket"):
                    st.rerun()
    else:
        st.info("Nothing has been handed to staff yet.")
