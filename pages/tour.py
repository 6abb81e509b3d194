"""Pilot tour: one live step with each assistant on the demo data, then the learning loop in the browser.

Thin: every step is one `suite.tour` call; what the steps do and why the support question is the right one is
explained in suite/tour.py.
"""

import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import get_store, page_header, plain, run
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

KEYS = ("support", "recommend", "inspect", "transcribe", "risk", "learned", "heard")
steps_done = sum(key in results for key in KEYS)
st.progress(steps_done / len(KEYS), text=f"{steps_done} of {len(KEYS)} steps done")


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


def retrained_and_in_use(module: str, job_key: str, done_key: str, use_key: str) -> bool:
    """Follow the retraining job live, then show the gate's decision; True once the new version is in use."""
    if job_key in results and done_key not in results:

        @st.fragment(run_every=2)
        def follow_job() -> None:
            now = run(lambda: tour.retraining(store, results[job_key]), what="Reading the job")
            if now is None:
                return
            if now.finished:
                results[done_key] = now
                st.rerun()
            label = now.stage or now.state
            st.progress(min(max(now.progress, 0.0), 1.0), text=f"Retraining {module}: {plain(label)}")
            if now.state == "queued" and now.waited_s > 20:
                st.warning(plain(now.headline))

        follow_job()
    finished = results.get(done_key)
    if finished is None:
        return False
    if finished.state != "succeeded":
        st.error(f"The retraining {finished.state}: {plain(finished.error)}")
        return False
    before = "—" if finished.before is None else f"{finished.before:.4f}"
    after = "—" if finished.after is None else f"{finished.after:.4f}"
    st.markdown(
        f"New {module} version **{plain(finished.version)}**: {plain(finished.metric)} {before} → {after} "
        "on the frozen evaluation set."
    )
    for reason in finished.gate_reasons:
        st.caption(plain(reason))
    if finished.promoted:
        results.setdefault(use_key, f"The gate passed {module} {finished.version} and it is in use.")
    elif use_key not in results:
        st.info(
            "The gate kept the old model (its reasons are above). An admin can still put the new version in use "
            "with a reason, kept in the version's history."
        )
        reason = st.text_input("Reason", tour.OVERRIDE_REASON, key=f"tour_reason_{module}")
        if st.button("Put the new version in use", key=f"tour_promote_{module}"):
            said = run(
                lambda: tour.put_in_use(store, finished.version, module, identity=who, reason=reason),
                what="Promoting",
            )
            if said:
                results[use_key] = said
    if use_key in results:
        st.success(plain(results[use_key]))
        return True
    return False


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

        if retrained_and_in_use("support", "job_id", "retrained", "in_use"):
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

with st.container(border=True):
    st.subheader("7. The same for speech")
    st.write(tour.STEPS[6].text)
    if heard is None:
        st.info("Transcribe the sample clip first (step 4).")
    else:
        st.markdown(f"Step 4 heard **{plain(heard.text)}**; the clip says **{plain(tour.CLIP_TRANSCRIPT)}**")
        if st.button("Send the transcript correction", key="tour_speech_correct"):
            if run(lambda: tour.correct_transcript(store, heard, identity=who), what="Saving the correction"):
                results["speech_corrected"] = True
        if results.get("speech_corrected"):
            st.success("Correction saved; with the one the demo left, the same mistake now has two corrections.")
            if st.button("Accept the clip's corrections", key="tour_speech_accept"):
                accepted = run(lambda: tour.accept_clip_corrections(store, identity=who), what="Accepting")
                if accepted is not None:
                    results["speech_accepted"] = accepted
        if "speech_accepted" in results:
            st.success(f"{results['speech_accepted']} correction(s) accepted.")
            if st.button("Retrain speech", key="tour_speech_retrain"):
                job_id = run(lambda: tour.start_retraining(store, "transcribe", identity=who), what="Queueing")
                if job_id:
                    results["speech_job"] = job_id
        if retrained_and_in_use("transcribe", "speech_job", "speech_retrained", "speech_in_use"):
            if st.button("Transcribe the clip again", key="tour_speech_again"):
                again = run(lambda: tour.transcribe_step(store, identity=who), what="Transcribing")
                if again is not None:
                    results["heard"] = tour.compare_transcripts(heard, again)
        now_heard = results.get("heard")
        if now_heard is not None:
            st.markdown(f"**Heard now:** {plain(now_heard.after)}")
            (st.success if now_heard.name_after and not now_heard.name_before else st.warning)(now_heard.sentence())

if results and st.button("Start the tour again", key="tour_reset"):
    state.pop("tour", None)
    st.rerun()
