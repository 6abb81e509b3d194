"""Pilot tour: one live step with each assistant on the demo data, then the learning loop in the browser.

Thin: every step is one `suite.tour` call; what the steps do and why the support question is the right one is
explained in suite/tour.py.
"""

import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import get_settings, get_store, page_header, plain, run
from suite import tour

page_header(
    "Pilot tour",
    "A guided walk through the five assistants on the demo data (load it on Home first), one live step each, "
    "ending on how they learn: a wrong answer, a staff correction, a review, a retraining, and the same "
    "question answered again.",
)
store = get_store()
who = signed_identity()
state = st.session_state
state.setdefault("tour", {})
results: dict = state["tour"]

steps_done = sum(key in results for key in ("support", "recommend", "inspect", "transcribe", "risk", "learned"))
st.progress(steps_done / 6, text=f"{steps_done} of 6 steps done")


def step(number: int, key: str, button: str, action) -> object | None:
    """A step's heading, its button, and its result (kept for this session)."""
    info = tour.STEPS[number - 1]
    st.subheader(f"{number}. {info.title}")
    st.write(info.text)
    if st.button(button, key=f"tour_{key}"):
        with st.spinner("Working…"):
            value = run(action, what=info.title)
        if value is not None:
            results[key] = value
    return results.get(key)


def citations_caption(answer) -> str:
    return " · ".join(f"[{c.number}] {c.title} ({c.source})" for c in answer.citations) or "no sources"


with st.container(border=True):
    first = step(
        1, "support", "Ask the support assistant", lambda: tour.support_step(store, tour.SUPPORT_QUESTION, identity=who)
    )
    st.markdown(f"**Customer:** {plain(tour.SUPPORT_QUESTION)}")
    if first is not None:
        st.markdown(f"**Assistant:** {plain(first.answer)}")
        st.caption(f"Sources: {plain(citations_caption(first))} · confidence {first.confidence:.0%}")

with st.container(border=True):
    shown = step(2, "recommend", "Get recommendations", lambda: tour.recommend_step(store, identity=who))
    if shown is not None:
        st.markdown("\n".join(f"- **{plain(card.title)}** — {plain(card.reason)}" for card in shown.items[:5]))

with st.container(border=True):
    checked = step(3, "inspect", "Inspect the sample photo", lambda: tour.inspect_step(store, identity=who))
    if checked is not None:
        left, right = st.columns([1, 2])
        left.image(str(tour.SAMPLE_PHOTO), caption="sample photo", width=220)
        found = checked.shown_defects()
        right.markdown(f"**Verdict: {checked.verdict}**")
        right.markdown("\n".join(f"- {plain(d.class_name)} ({d.confidence:.0%})" for d in found) or "No defect found.")

with st.container(border=True):
    heard = step(4, "transcribe", "Transcribe the sample clip", lambda: tour.transcribe_step(store, identity=who))
    st.audio(str(tour.SAMPLE_CLIP))
    if heard is not None:
        st.markdown(f"**Transcript:** {plain(heard.text)}")

with st.container(border=True):
    headline = st.text_input("Headline", tour.SAMPLE_HEADLINE, key="tour_headline")
    tone = step(5, "risk", "Classify the headline", lambda: tour.risk_step(store, headline, identity=who))
    if tone is not None:
        st.markdown(f"**Tone: {tone.label}** ({tone.confidence:.0%} sure)")

with st.container(border=True):
    st.subheader("6. The learning moment")
    st.write(tour.STEPS[5].text)
    if first is None:
        st.info("Ask the support assistant first (step 1).")
    else:
        st.markdown(
            "The answer to step 1 is **wrong**: it quotes the passage about devices bought from other stores. "
            "Staff know the right answer:"
        )
        correction = st.text_area("Correction", tour.SUPPORT_CORRECTION, key="tour_correction")
        if st.button("Send the correction", key="tour_correct"):
            ids = run(lambda: tour.correct_answer(store, first, correction, identity=who), what="Saving the correction")
            if ids:
                results["feedback_ids"] = ids
        if "feedback_ids" in results:
            st.success("Correction saved; it waits in the review queue.")
            if st.button("Accept it as a reviewer", key="tour_accept"):
                accepted = run(
                    lambda: tour.accept_feedback(store, results["feedback_ids"], identity=who), what="Accepting"
                )
                if accepted is not None:
                    results["accepted"] = accepted
        if "accepted" in results:
            st.success("Accepted: only accepted feedback reaches training.")
            if st.button("Retrain now", key="tour_retrain"):
                job_id = run(lambda: tour.start_retraining(store, identity=who), what="Queueing the retraining")
                if job_id:
                    results["job_id"] = job_id

        if "job_id" in results and "retrained" not in results:

            @st.fragment(run_every=2)
            def follow_job() -> None:
                now = run(lambda: tour.retraining(store, results["job_id"]), what="Reading the job")
                if now is None:
                    return
                if now.finished:
                    results["retrained"] = now
                    st.rerun()
                label = now.stage or now.state
                st.progress(min(max(now.progress, 0.0), 1.0), text=f"Retraining support: {plain(label)}")
                if now.state == "queued" and now.waited_s > 20:
                    st.warning(tour.worker_hint(get_settings()))

            follow_job()

        done_job = results.get("retrained")
        if done_job is not None:
            if done_job.state != "succeeded":
                st.error(f"The retraining {done_job.state}: {plain(done_job.error)}")
            else:
                before = "—" if done_job.before is None else f"{done_job.before:.4f}"
                after = "—" if done_job.after is None else f"{done_job.after:.4f}"
                st.markdown(
                    f"New version **{plain(done_job.version)}**: {plain(done_job.metric)} {before} → {after} "
                    "on the frozen evaluation set."
                )
                for reason in done_job.gate_reasons:
                    st.caption(plain(reason))
                if done_job.promoted:
                    st.success("The gate passed it and it is in use.")
                    results.setdefault("in_use", "promoted by the gate")
                elif "in_use" not in results:
                    st.info(
                        "The gate kept the old model: the evaluation set does not ask this question, so the score "
                        "did not move. An admin can put the new version in use with a reason."
                    )
                    reason = st.text_input("Reason", tour.OVERRIDE_REASON, key="tour_reason")
                    if st.button("Put the new version in use", key="tour_promote"):
                        said = run(
                            lambda: tour.put_in_use(store, done_job.version, identity=who, reason=reason),
                            what="Promoting",
                        )
                        if said:
                            results["in_use"] = said
                if "in_use" in results:
                    st.success(plain(results["in_use"]))
                    if st.button("Ask the same question again", key="tour_ask_again"):
                        again = run(lambda: tour.support_step(store, identity=who), what="Answering")
                        if again is not None:
                            results["learned"] = run(lambda: tour.compare(first, again), what="Comparing")
                            results["again"] = again

        learned = results.get("learned")
        if learned is not None:
            again = results["again"]
            st.markdown(f"**Before:** {plain(learned.before)}")
            st.markdown(f"**Now:** {plain(learned.after)}")
            st.caption(f"Sources: {plain(citations_caption(again))}")
            (st.success if learned.changed and learned.cites_correction else st.warning)(learned.sentence())
            st.page_link(
                "pages/models.py", label="See the new version on the Models page", icon=":material/model_training:"
            )

if results and st.button("Start the tour again", key="tour_reset"):
    state.pop("tour", None)
    st.rerun()
