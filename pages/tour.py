"""Pilot tour: one live step with each assistant on the demo data, then the learning loop in the browser.

Thin: every step is one `suite.tour` call; what the steps do and why the support question is the right one is
explained in suite/tour.py.
"""

import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import get_store, language, module_title, number, page_header, percent, plain, run, t, tn
from suite import tour
from suite.ops.display import version_label, versions_made
from suite.registry.versions import list_versions

page_header(t("staff.tour.title"), t("staff.tour.summary"))
lang = language()
STEPS = tour.steps(lang)  # titles and texts in this language
store = get_store()
who = signed_identity()
state = st.session_state
state.setdefault("tour", {})
results: dict = state["tour"]

KEYS = ("support", "recommend", "inspect", "transcribe", "risk", "learned", "heard")
steps_done = sum(key in results for key in KEYS)
st.progress(steps_done / len(KEYS), text=t("staff.tour.progress", done=number(steps_done), total=number(len(KEYS))))


def step(position: int, key: str, button: str, action) -> object | None:
    """A step's heading, its button, and its result (kept for this session)."""
    info = STEPS[position - 1]
    st.subheader(f"{position}. {info.title}")
    st.write(info.text)
    if st.button(button, key=f"tour_{key}"):
        with st.spinner(t("staff.tour.working")):
            value = run(action, what=info.title)
        if value is not None:
            results[key] = value
    return results.get(key)


def retrained_and_in_use(module: str, job_key: str, done_key: str, use_key: str) -> bool:
    """Follow the retraining job live, then show the gate's decision; True once the new version is in use."""
    if job_key in results and done_key not in results:

        @st.fragment(run_every=2)
        def follow_job() -> None:
            now = run(lambda: tour.retraining(store, results[job_key]), what=t("staff.tour.what.job"))
            if now is None:
                return
            if now.finished:
                results[done_key] = now
                st.rerun()
            label = plain(now.stage) if now.stage and lang == "en" else t(f"staff.job_state.{now.state}")
            st.progress(
                min(max(now.progress, 0.0), 1.0),
                text=t("staff.tour.retraining", module=module_title(module), stage=label),
            )
            if now.state == "queued" and now.waited_s > 20:
                st.warning(plain(now.headline) if lang == "en" else t("staff.models.job_sentence.queued"))

        follow_job()
    finished = results.get(done_key)
    if finished is None:
        return False
    if finished.state != "succeeded":
        st.error(
            t("staff.tour.retraining_ended", state=t(f"staff.job_state.{finished.state}"), error=plain(finished.error))
        )
        return False
    before = "—" if finished.before is None else number(finished.before, decimals=4)
    after = "—" if finished.after is None else number(finished.after, decimals=4)
    made = versions_made(run(lambda: list_versions(store, module), what=t("staff.models.what.versions")) or [])
    named = version_label(lang, finished.version, made)  # its number and when it was trained, never its hash
    st.markdown(
        t("staff.tour.new_version", module=module_title(module), version=named, metric=plain(finished.metric),
          before=before, after=after)
    )  # fmt: skip
    for reason in finished.gate_reasons:
        st.caption(plain(reason))
    if finished.promoted:
        results.setdefault(use_key, t("staff.tour.gate_passed", module=module_title(module), version=named))
    elif use_key not in results:
        st.info(t("staff.tour.gate_kept"))
        reason = st.text_input(t("staff.tour.reason"), t("staff.tour.override_reason"), key=f"tour_reason_{module}")
        if st.button(t("staff.tour.put_in_use"), key=f"tour_promote_{module}"):
            said = run(
                lambda: tour.put_in_use(store, finished.version, module, identity=who, reason=reason, language=lang),
                what=t("staff.models.what.promote"),
            )
            if said:
                results[use_key] = said
    if use_key in results:
        st.success(plain(results[use_key]))
        return True
    return False


def citations_caption(answer) -> str:
    return " · ".join(f"[{c.number}] {c.title} ({c.source})" for c in answer.citations) or t("staff.tour.no_sources")


with st.container(border=True):
    first = step(
        1, "support", t("staff.tour.ask"), lambda: tour.support_step(store, tour.SUPPORT_QUESTION, identity=who)
    )
    st.markdown(f"**{t('staff.tour.customer')}** {plain(tour.SUPPORT_QUESTION)}")
    if first is not None:
        st.markdown(f"**{t('staff.tour.assistant')}** {plain(first.answer)}")
        st.caption(
            t("staff.tour.sources", sources=plain(citations_caption(first)), confidence=percent(first.confidence))
        )

with st.container(border=True):
    shown = step(2, "recommend", t("staff.tour.recommend"), lambda: tour.recommend_step(store, identity=who))
    if shown is not None:
        st.markdown("\n".join(f"- **{plain(card.title)}** — {plain(card.reason)}" for card in shown.items[:5]))

with st.container(border=True):
    checked = step(3, "inspect", t("staff.tour.inspect"), lambda: tour.inspect_step(store, identity=who))
    if checked is not None:
        left, right = st.columns([1, 2])
        left.image(str(tour.SAMPLE_PHOTO), caption=t("staff.tour.sample_photo"), width=220)
        found = checked.shown_defects()
        right.markdown(f"**{t('staff.tour.verdict', verdict=t(f'staff.verdict.{checked.verdict}'))}**")
        listed = "\n".join(f"- {plain(d.class_name)} ({percent(d.confidence)})" for d in found)
        right.markdown(listed or t("staff.tour.no_defect"))

with st.container(border=True):
    heard = step(4, "transcribe", t("staff.tour.transcribe"), lambda: tour.transcribe_step(store, identity=who))
    st.audio(str(tour.SAMPLE_CLIP))
    if heard is not None:
        st.markdown(f"**{t('staff.tour.transcript')}** {plain(heard.text)}")

with st.container(border=True):
    headline = st.text_input(t("staff.tour.headline"), tour.SAMPLE_HEADLINE, key="tour_headline")
    tone = step(5, "risk", t("staff.tour.classify"), lambda: tour.risk_step(store, headline, identity=who))
    if tone is not None:
        said = t("staff.tour.tone", label=t(f"staff.tone.{tone.label}"), sure=percent(tone.confidence))
        st.markdown(said)

with st.container(border=True):
    st.subheader(f"6. {STEPS[5].title}")
    st.write(STEPS[5].text)
    if first is None:
        st.info(t("staff.tour.ask_first"))
    else:
        st.markdown(t("staff.tour.wrong"))
        correction = st.text_area(t("staff.tour.correction"), tour.SUPPORT_CORRECTION, key="tour_correction")
        if st.button(t("staff.tour.send_correction"), key="tour_correct"):
            ids = run(
                lambda: tour.correct_answer(store, first, correction, identity=who), what=t("staff.tour.what.save")
            )
            if ids:
                results["feedback_ids"] = ids
        if "feedback_ids" in results:
            st.success(t("staff.tour.saved"))
            if st.button(t("staff.tour.accept"), key="tour_accept"):
                accepted = run(
                    lambda: tour.accept_feedback(store, results["feedback_ids"], identity=who),
                    what=t("staff.tour.what.accept"),
                )
                if accepted is not None:
                    results["accepted"] = accepted
        if "accepted" in results:
            st.success(t("staff.tour.accepted"))
            if st.button(t("staff.models.retrain"), key="tour_retrain"):
                job_id = run(lambda: tour.start_retraining(store, identity=who), what=t("staff.models.what.queue"))
                if job_id:
                    results["job_id"] = job_id

        if retrained_and_in_use("support", "job_id", "retrained", "in_use"):
            if st.button(t("staff.tour.ask_again"), key="tour_ask_again"):
                again = run(lambda: tour.support_step(store, identity=who), what=t("staff.tour.what.answer"))
                if again is not None:
                    results["learned"] = run(lambda: tour.compare(first, again), what=t("staff.tour.what.compare"))
                    results["again"] = again

        learned = results.get("learned")
        if learned is not None:
            again = results["again"]
            st.markdown(f"**{t('staff.tour.before')}** {plain(learned.before)}")
            st.markdown(f"**{t('staff.tour.now')}** {plain(learned.after)}")
            st.caption(t("staff.tour.sources_only", sources=plain(citations_caption(again))))
            (st.success if learned.changed and learned.cites_correction else st.warning)(learned.sentence(lang))
            st.page_link("pages/models.py", label=t("staff.tour.see_models"), icon=":material/model_training:")

with st.container(border=True):
    st.subheader(f"7. {STEPS[6].title}")
    st.write(STEPS[6].text)
    if heard is None:
        st.info(t("staff.tour.transcribe_first"))
    else:
        st.markdown(t("staff.tour.heard_vs_said", heard=plain(heard.text), said=plain(tour.CLIP_TRANSCRIPT)))
        if st.button(t("staff.tour.send_transcript"), key="tour_speech_correct"):
            if run(lambda: tour.correct_transcript(store, heard, identity=who), what=t("staff.tour.what.save")):
                results["speech_corrected"] = True
        if results.get("speech_corrected"):
            st.success(t("staff.tour.speech_saved"))
            if st.button(t("staff.tour.accept_clip"), key="tour_speech_accept"):
                accepted = run(
                    lambda: tour.accept_clip_corrections(store, identity=who, language=lang),
                    what=t("staff.tour.what.accept"),
                )
                if accepted is not None:
                    results["speech_accepted"] = accepted
        if "speech_accepted" in results:
            st.success(tn("staff.tour.corrections_accepted", results["speech_accepted"]))
            if st.button(t("staff.tour.retrain_speech"), key="tour_speech_retrain"):
                job_id = run(
                    lambda: tour.start_retraining(store, "transcribe", identity=who), what=t("staff.models.what.queue")
                )
                if job_id:
                    results["speech_job"] = job_id
        if retrained_and_in_use("transcribe", "speech_job", "speech_retrained", "speech_in_use"):
            if st.button(t("staff.tour.transcribe_again"), key="tour_speech_again"):
                again = run(lambda: tour.transcribe_step(store, identity=who), what=t("staff.tour.what.transcribe"))
                if again is not None:
                    results["heard"] = tour.compare_transcripts(heard, again)
        now_heard = results.get("heard")
        if now_heard is not None:
            st.markdown(f"**{t('staff.tour.heard_now')}** {plain(now_heard.after)}")
            good = now_heard.name_after and not now_heard.name_before
            (st.success if good else st.warning)(now_heard.sentence(lang))

if results and st.button(t("staff.tour.restart"), key="tour_reset"):
    state.pop("tour", None)
    st.rerun()
