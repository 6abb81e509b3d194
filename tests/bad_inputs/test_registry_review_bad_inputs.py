"""Bad inputs for the model registry, the review queue and retraining, through `suite models|review|retrain ...`.

Each case ends with exit 2 and a one-line message, no traceback, in time, and leaves every table and file as
it was (the harness in conftest.py checks it). The registry holds stand-in versions (small files, no model is
trained), so none of these cases loads a model. A module's retrain that refuses ("nothing accepted to learn
from yet") keeps its failed job with the reason: that one row is the only change, checked below.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest

from suite.registry import champion_version
from suite.registry.versions import register_outcome
from suite.review import decide
from suite.training import TrainingOutcome
from tests.bad_inputs.conftest import store_snapshot


@dataclass
class World:
    champion: str  # risk: serving, passed the gate
    rejected: str  # risk: the gate said no, never served
    damaged: str  # risk: passed the gate, its model file changed since
    emptied: str  # risk: passed the gate, its folder emptied since
    gone: str  # risk: passed the gate, its folder deleted
    new: str  # feedback ids by state
    accepted: str
    rejected_item: str


def _version(store, tmp_path, name: str, score: float, champion: float, *, auto_promote: bool = True) -> str:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "model.txt").write_text(f"weights of {name}")
    outcome = TrainingOutcome(
        module="risk",
        artifact_dir=folder,
        primary_metric="macro_f1",
        higher_is_better=True,
        challenger_metrics={"macro_f1": score},
        champion_metrics={"macro_f1": champion},
        trained_on={"feedback_ids": [], "data_hash": name},
    )
    return register_outcome(store, outcome, job_id=f"job-{name}", auto_promote=auto_promote)["version"]


@pytest.fixture
def world(store, tmp_path) -> World:
    models = store.settings.models_dir / "risk"
    champion = _version(store, tmp_path, "champion", 0.80, 0.70)
    rejected = _version(store, tmp_path, "rejected", 0.60, 0.80)
    held = [_version(store, tmp_path, name, 0.95, 0.80, auto_promote=False) for name in ("damaged", "emptied", "gone")]
    damaged, emptied, gone = held
    (models / damaged / "model.txt").write_text("weights of damaged, cut sh")
    (models / emptied / "model.txt").unlink()
    shutil.rmtree(models / gone)

    new = store.log_feedback(module="risk", kind="label", value={"headline": "Acme slumps", "label": "negative"})
    accepted = store.log_feedback(module="risk", kind="false_alarm", value={"headline": "Beta beats"})
    rejected_item = store.log_feedback(module="support", kind="thumbs", value={"question": "refund?", "up": False})
    decide(store, [accepted], "accept", reviewer="alice")
    decide(store, [rejected_item], "reject", reviewer="alice")
    store.flush()
    assert champion_version(store.settings, "risk") == champion
    return World(champion, rejected, damaged, emptied, gone, new, accepted, rejected_item)


# Each case: the arguments (with {placeholders} filled from the world) and a phrase the one line must contain.
CASES = {
    # models
    "list-unknown-module": (["models", "list", "--module", "nope"], "There is no module 'nope'"),
    "show-unknown-module": (["models", "show", "nope", "{champion}"], "There is no module 'nope'"),
    "show-unknown-version": (["models", "show", "risk", "v-missing"], "no model version 'v-missing'"),
    "promote-unknown-version": (["models", "promote", "risk", "v-missing"], "no model version 'v-missing'"),
    "promote-rejected-without-override": (["models", "promote", "risk", "{rejected}"], "--override-reason"),
    "promote-rejected-empty-reason": (
        ["models", "promote", "risk", "{rejected}", "--override-reason", ""],
        "override reason is empty",
    ),
    "promote-rejected-blank-reason": (
        ["models", "promote", "risk", "{rejected}", "--override-reason", " \t "],
        "override reason is empty",
    ),
    "promote-rejected-reason-too-long": (
        ["models", "promote", "risk", "{rejected}", "--override-reason", "x" * 600],
        "keep it under 500",
    ),
    "promote-the-champion": (["models", "promote", "risk", "{champion}"], "already the model in use"),
    "promote-damaged-files": (["models", "promote", "risk", "{damaged}"], "model.txt changed since it was trained"),
    "promote-damaged-with-override": (
        ["models", "promote", "risk", "{damaged}", "--override-reason", "urgent"],
        "cannot serve",
    ),
    "promote-emptied-folder": (["models", "promote", "risk", "{emptied}"], "model.txt is missing"),
    "promote-deleted-folder": (["models", "promote", "risk", "{gone}"], "its folder is missing"),
    "rollback-no-previous-champion": (["models", "rollback", "support"], "already uses its default model"),
    "rollback-unknown-module": (["models", "rollback", "nope"], "There is no module 'nope'"),
    "rollback-to-unknown-version": (["models", "rollback", "risk", "--to", "v-missing"], "no model version"),
    "rollback-to-rejected": (["models", "rollback", "risk", "--to", "{rejected}"], "has never served"),
    "rollback-to-deleted": (["models", "rollback", "risk", "--to", "{gone}"], "cannot serve again"),
    "rollback-to-the-champion": (["models", "rollback", "risk", "--to", "{champion}"], "already the model in use"),
    # review
    "review-accept-unknown-id": (["review", "accept", "nope-id", "--reviewer", "ana"], "no feedback item 'nope-id'"),
    "review-accept-known-and-unknown": (
        ["review", "accept", "{new}", "nope-id", "--reviewer", "ana"],
        "no feedback item 'nope-id'",
    ),
    "review-accept-already-rejected": (
        ["review", "accept", "{rejected_item}", "--reviewer", "ana"],
        "already rejected",
    ),
    "review-reject-already-accepted": (["review", "reject", "{accepted}", "--reviewer", "ana"], "already accepted"),
    "review-accept-nothing-named": (["review", "accept", "--reviewer", "ana"], "Name the feedback ids"),
    "review-ids-and-all-matching": (["review", "accept", "{new}", "--all-matching", "--yes"], "not both"),
    "review-all-matching-without-yes": (
        ["review", "accept", "--all-matching", "--module", "risk", "--reviewer", "ana"],
        "would accept 1 feedback item(s); add --yes",
    ),
    "review-blank-reviewer": (["review", "accept", "{new}", "--reviewer", "  "], "--reviewer is empty"),
    "review-undo-undecided": (["review", "undo", "{new}", "--reviewer", "ana"], "no decision left to undo"),
    "review-undo-unknown-id": (["review", "undo", "nope-id", "--reviewer", "ana"], "no feedback item 'nope-id'"),
    "review-undo-decided-and-undecided": (
        ["review", "undo", "{accepted}", "{new}", "--reviewer", "ana"],
        "no decision left to undo",
    ),
    "review-since-not-a-date": (
        ["review", "list", "--since", "last tuesdayish"],
        "--since 'last tuesdayish' is not a date or time",
    ),
    "review-since-out-of-range": (["review", "list", "--since", "2300-01-01"], "is outside 1970-2199"),
    "review-limit-negative": (["review", "list", "--limit", "-1"], "--limit must be between 1"),
    "review-limit-zero": (["review", "list", "--limit", "0"], "--limit must be between 1"),
    "review-limit-huge": (["review", "list", "--limit", "99999999"], "--limit must be between 1"),
    "review-unknown-state": (["review", "list", "--state", "maybe"], "Unknown review state 'maybe'"),
    "review-unknown-module": (["review", "list", "--module", "nope"], "Unknown module 'nope'"),
    "review-unknown-kind": (["review", "accept", "--all-matching", "--kind", "hug", "--yes"], "Unknown feedback kind"),
    # retrain (refused before any job is queued)
    "retrain-unknown-module": (["retrain", "--module", "nope"], "There is no module 'nope'"),
    "retrain-queue-unknown-module": (["retrain", "--module", "nope", "--queue"], "There is no module 'nope'"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_with_one_line_and_nothing_changed(refused, world, case):
    args, phrase = CASES[case]
    values = vars(world)
    outcome = refused.cli(*[arg.format(**values) if "{" in arg else arg for arg in args])
    assert outcome.code == 2 and phrase in outcome.message, outcome.message
    assert champion_version(refused.store.settings, "risk") == world.champion


@pytest.mark.parametrize(
    ("module", "phrase"),
    [
        ("support", "There is no accepted support feedback to learn from yet"),
        ("recommend", "There are no interactions in the store yet"),
    ],
)
def test_retrain_with_nothing_to_learn_from_is_one_line_and_keeps_only_its_failed_job(refused, store, module, phrase):
    before = store_snapshot(store)
    outcome = refused.cli("retrain", "--module", module, changes=True, limit_s=300)
    assert outcome.code == 2 and outcome.message.startswith(f"error: {phrase}"), outcome.message
    after = store_snapshot(store)
    changed = {name for name in before["tables"] if before["tables"][name] != after["tables"].get(name)}
    assert changed == {"jobs"} and after["files"] == before["files"]  # no version, no model file
    [job] = store.query("SELECT state, outcome FROM jobs WHERE module = ?", [module])
    assert job["state"] == "failed" and phrase in job["outcome"] and '"refused"' in job["outcome"]
    assert job["outcome"].count("Traceback") == 0
    assert store.scalar("SELECT count(*) FROM model_versions") == 0
