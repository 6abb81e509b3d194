"""The Pilot tour: one live step with each assistant on the demo data, then the learning loop end to end.

The learning moment is real, not staged: in the sample help center, "Can I return an opened item?" gets the
passage about devices bought from other stores (the articles never say whether an opened device can go back).
A staff member writes the right answer as a correction, a reviewer accepts it (`suite.review`), a retraining job
runs through the job queue (`suite.jobs`, picked up by the worker), and the new version ships the correction as
a curated answer (see suite/support/retrain.py): asked again, the same question is answered from the correction
and cites it. The promotion gate decides (suite/registry/gate.py): the frozen evaluation set does not ask this
question, so its MRR ties (0.9752 -> 0.9752 when tried here), and the gate's secondary metric, accepted feedback
solved (0 of 1 -> 1 of 1), makes the new version win on its own; the Models page shows both with its reasons.
Only when the gate still keeps the old model can an admin put the new version in use by hand, with a reason,
and the tour says why the gate said no.

The same story for speech: the bundled tiny.en model hears the sample clip's "Northstar Suite" as "North star
suite". With the demo's correction of that clip and the tour's, the transcription retraining (see
suite/transcribe/retrain.py) learns the name as vocabulary and a replacement; its WER on the sample clips drops
(0.25 -> 0.19 when tried here), so the gate passes it on its own, and the clip is transcribed right.

Only the modules' `service` functions and the shared packages are used (this is not a module). What the tour
says is in the catalogue of suite/i18n: the functions that return words take the `language` to say them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suite import i18n
from suite.auth.models import Identity
from suite.errors import InvalidInput
from suite.inspect.models import Inspection
from suite.inspect.service import inspect_image
from suite.jobs import queue
from suite.jobs.live import live_job
from suite.ops.display import version_label, versions_made
from suite.recommend.models import RecommendationList
from suite.recommend.service import recommend_for_user
from suite.registry.versions import gate_rejected, get_version, list_versions, promote
from suite.review.models import Filters
from suite.review.queue import decide, list_feedback
from suite.risk.models import HeadlineTone
from suite.risk.service import classify
from suite.store import Store
from suite.support.models import Answer
from suite.support.service import ask, record_feedback
from suite.transcribe.models import Transcript
from suite.transcribe.service import save_correction, transcribe_file

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
SUPPORT_QUESTION = "Can I return an opened item?"
SUPPORT_CORRECTION = (
    "Yes. Opened devices bought from brightwave.example can be returned within 30 days of delivery for a full "
    "refund, as long as all parts are in the box. Start the return under Orders > Return an item."
)
CORRECTED_SOURCE = "curated-answers"  # where retraining puts accepted corrections (suite/support/retrain.py)
DEMO_SHOPPER = "U0001"
SAMPLE_PHOTO = SAMPLE_DATA / "inspect" / "defects" / "images" / "test" / "test_000.jpg"
SAMPLE_CLIP = SAMPLE_DATA / "transcribe" / "northstar_slow.m4a"
PRODUCT_NAME = "Northstar Suite"  # what the sample clip says and the bundled tiny.en model hears as "North star suite"
CLIP_TRANSCRIPT = "Northstar Suite helps our support team answer customer questions faster."  # references.json
SAMPLE_HEADLINE = "Fennwick Motors recalls 80,000 cars over a steering defect"
OVERRIDE_REASON = "Pilot tour: ships a staff correction accepted in review, which the gate did not count as solved."


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str


STEP_KEYS = ("support", "recommend", "inspect", "transcribe", "risk", "learn", "speech")


def steps(language: str = i18n.DEFAULT) -> tuple[Step, ...]:
    """The seven steps, titled and explained in `language` (the first five are named after their module)."""
    return tuple(
        Step(
            key,
            i18n.t(language, f"module.{key}.title" if key in _MODULE_STEPS else f"staff.tour.step.{key}"),
            i18n.t(language, f"staff.tour.step.{key}.text", shopper=DEMO_SHOPPER),
        )
        for key in STEP_KEYS
    )


_MODULE_STEPS = ("support", "recommend", "inspect", "transcribe", "risk")
STEPS: tuple[Step, ...] = steps()  # in English


# Each step passes on the signed-in person (`identity`): the services check their role and name them in the log.
def _as(identity: Identity | None) -> dict[str, Any]:
    return {} if identity is None else {"identity": identity}


def _name(identity: Identity | None) -> str:
    return identity.user if identity is not None else "pilot-tour"


def support_step(store: Store, question: str = SUPPORT_QUESTION, *, identity: Identity | None = None) -> Answer:
    return ask(store, question, **_as(identity))


def recommend_step(store: Store, *, identity: Identity | None = None) -> RecommendationList:
    return recommend_for_user(store, DEMO_SHOPPER, **_as(identity))


def inspect_step(store: Store, *, identity: Identity | None = None) -> Inspection:
    return inspect_image(store, SAMPLE_PHOTO, **_as(identity))


def transcribe_step(store: Store, *, identity: Identity | None = None) -> Transcript:
    return transcribe_file(store, SAMPLE_CLIP, **_as(identity))


def risk_step(store: Store, headline: str = SAMPLE_HEADLINE, *, identity: Identity | None = None) -> HeadlineTone:
    return classify(store, [headline], **_as(identity))[0]


# -- the learning moment ------------------------------------------------------------------------------------
def correct_answer(
    store: Store, answer: Answer, correction: str = SUPPORT_CORRECTION, *, identity: Identity | None = None
) -> list[str]:
    """A thumbs-down and the right answer, as staff leave them on the Support page; returns the feedback ids."""
    return record_feedback(store, answer, thumbs_up=False, correction=correction, **_as(identity))


def accept_feedback(store: Store, feedback_ids: list[str], *, identity: Identity | None = None) -> int:
    """What a reviewer does on the Review page: accept the items (only accepted feedback reaches training)."""
    return decide(
        store, feedback_ids, "accept", reviewer=_name(identity), note="accepted during the Pilot tour", **_as(identity)
    )


def start_retraining(store: Store, module: str = "support", *, identity: Identity | None = None) -> str:
    """Queue a retraining of `module` for the worker (an existing queued or running one is reused); returns its id."""
    job_id, _ = queue.enqueue(store, module, requested_by=_name(identity), reason="Pilot tour", **_as(identity))
    return job_id


def correct_transcript(
    store: Store, transcript: Transcript, text: str = CLIP_TRANSCRIPT, *, identity: Identity | None = None
) -> str:
    """What staff type on the Transcription page: the right text of the clip; returns the feedback id."""
    return save_correction(store, transcript.transcript_id, text, **_as(identity))


def accept_clip_corrections(store: Store, *, identity: Identity | None = None, language: str = i18n.DEFAULT) -> int:
    """Accept the waiting corrections of the sample clip (the demo load left one; the tour adds another).

    The transcription retraining learns a replacement only from a mistake corrected at least twice.
    """
    waiting = list_feedback(store, Filters(module="transcribe", kind="correction", state="new"))
    ids = [item.feedback_id for item in waiting if (item.value or {}).get("file") == SAMPLE_CLIP.name]
    if not ids:
        raise InvalidInput(i18n.t(language, "staff.tour.no_clip_correction"))
    return accept_feedback(store, ids, identity=identity)


@dataclass(frozen=True)
class Retraining:
    """Where the tour's retraining job is, and what the gate said when it is over."""

    job_id: str
    state: str  # queued / running / succeeded / failed / cancelled
    progress: float = 0.0
    stage: str = ""
    waited_s: float = 0.0  # how long it has been queued (no worker picked it up yet)
    headline: str = ""  # the job in a sentence (suite.jobs.live): while queued, why it waits and what to do
    version: str = ""
    promoted: bool = False
    gate_passed: bool | None = None
    gate_reasons: list[str] = field(default_factory=list)
    before: float | None = None  # the champion's primary metric
    after: float | None = None  # the new version's
    metric: str = ""
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed", "cancelled")


def retraining(store: Store, job_id: str) -> Retraining:
    """The job's state now, and its outcome once it is over."""
    job = queue.get_job(store, job_id)
    live = live_job(store, job["module"], job_id)
    outcome: dict[str, Any] = job.get("outcome") or {}
    metric = outcome.get("primary_metric") or ""
    gate = outcome.get("gate") or {}
    created = job.get("created_at")
    waited = 0.0
    if job["state"] == "queued" and created is not None:
        from suite.store import now

        waited = max((now() - created).total_seconds(), 0.0)
    return Retraining(
        job_id=job_id,
        state=job["state"],
        progress=float(job.get("progress") or 0.0),
        stage=str(job.get("stage") or ""),
        waited_s=waited,
        headline=live.headline if live is not None else "",
        version=outcome.get("version") or "",
        promoted=bool(outcome.get("promoted")),
        gate_passed=gate.get("passed"),
        gate_reasons=list(gate.get("reasons") or []),
        before=(outcome.get("champion") or {}).get(metric),
        after=(outcome.get("challenger") or {}).get(metric),
        metric=metric,
        error=str(outcome.get("refused") or outcome.get("error") or ""),
    )


def put_in_use(
    store: Store,
    version: str,
    module: str = "support",
    *,
    identity: Identity | None = None,
    reason: str = OVERRIDE_REASON,
    language: str = i18n.DEFAULT,
) -> str:
    """The fallback when the gate kept the old model: serve the tour's new version by hand, with a reason.

    Normally the gate passes the new version and the worker puts it in use (see the module's docstring).
    Returns what happened in a sentence, with the gate's reason when it was overridden.
    """
    v = get_version(store, module, version)
    named = version_label(language, version, versions_made(list_versions(store, module)))  # never its hash
    said = {"module": i18n.t(language, f"module.{module}.title"), "version": named}
    if v.status == "champion":
        return i18n.t(language, "staff.tour.already_in_use", **said)
    if gate_rejected(v):
        why = "; ".join(v.scores.gate_reasons) or i18n.t(language, "staff.tour.did_not_pass")
        promote(store, module, version, by=_name(identity), override_reason=reason, **_as(identity))
        return i18n.t(language, "staff.tour.in_use_override", why=why, **said)
    promote(store, module, version, by=_name(identity), reason="promoted during the Pilot tour", **_as(identity))
    return i18n.t(language, "staff.tour.in_use_by_hand", **said)


@dataclass(frozen=True)
class Learned:
    """The same question before and after retraining."""

    before: str
    after: str
    changed: bool
    cites_correction: bool
    version: str

    def sentence(self, language: str = i18n.DEFAULT) -> str:
        if self.changed and self.cites_correction:
            return i18n.t(language, "staff.tour.learned.cites")
        if self.changed:
            return i18n.t(language, "staff.tour.learned.changed")
        return i18n.t(language, "staff.tour.learned.same")


def compare(before: Answer, after: Answer) -> Learned:
    # Duck-typed: a page session may keep an Answer made before the server reloaded the class.
    if before is None or after is None:
        raise InvalidInput(i18n.t(i18n.DEFAULT, "staff.tour.ask_twice"))
    return Learned(
        before=before.answer,
        after=after.answer,
        changed=before.answer.strip() != after.answer.strip(),
        cites_correction=any(c.source == CORRECTED_SOURCE for c in after.citations),
        version=after.model_version or "",
    )


@dataclass(frozen=True)
class Heard:
    """The sample clip's transcript before and after the transcription retraining."""

    before: str
    after: str
    name_before: bool  # the product name written right
    name_after: bool

    def sentence(self, language: str = i18n.DEFAULT) -> str:
        if self.name_after and not self.name_before:
            return i18n.t(language, "staff.tour.heard.learned", name=PRODUCT_NAME)
        if self.name_after:
            return i18n.t(language, "staff.tour.heard.already", name=PRODUCT_NAME)
        return i18n.t(language, "staff.tour.heard.still", name=PRODUCT_NAME)


def compare_transcripts(before: Transcript, after: Transcript) -> Heard:
    return Heard(before.text, after.text, PRODUCT_NAME in before.text, PRODUCT_NAME in after.text)
