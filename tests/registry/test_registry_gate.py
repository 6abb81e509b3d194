from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from suite.errors import InvalidInput, ModelUnavailable, NotFound
from suite.modules import MODULE_KEYS
from suite.registry import champion_dir, champion_version
from suite.registry.gate import FEEDBACK_CASES, FEEDBACK_SOLVED, FLOORS, Floor, gate
from suite.registry.versions import (
    get_version,
    history,
    list_versions,
    promote,
    reconcile,
    register_outcome,
    rollback,
)
from suite.training import TrainingOutcome


def _outcome(tmp_path, name, new, old, feedback=None, higher=True):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "model.txt").write_text(name)
    return TrainingOutcome(
        module="risk",
        artifact_dir=folder,
        primary_metric="macro_f1" if higher else "wer",
        higher_is_better=higher,
        challenger_metrics={"macro_f1" if higher else "wer": new},
        champion_metrics={} if old is None else {"macro_f1" if higher else "wer": old},
        feedback_metrics=feedback or {},
        trained_on={"feedback_ids": ["a", "b"], "data_hash": "h"},
    )


def test_gate_needs_margin_and_no_loss_on_feedback(tmp_path):
    assert gate(_outcome(tmp_path, "a", 0.80, 0.70), 0.01).passed
    assert not gate(_outcome(tmp_path, "b", 0.705, 0.70), 0.01).passed
    assert not gate(_outcome(tmp_path, "c", 0.60, 0.70), 0.0).passed
    worse_on_feedback = gate(_outcome(tmp_path, "d", 0.80, 0.70, {"challenger": 0.5, "champion": 0.6}), 0.01)
    assert not worse_on_feedback.passed and "feedback" in worse_on_feedback.reasons[-1]
    assert gate(_outcome(tmp_path, "e", 0.20, 0.30, higher=False), 0.05).passed  # lower WER is better
    assert not gate(_outcome(tmp_path, "f", 0.30, 0.20, higher=False), 0.0).passed
    assert gate(_outcome(tmp_path, "g", 0.5, None), 0.01).passed  # no champion yet


def _solving(tmp_path, name, new, old, solved_new, solved_old, cases=2, feedback=None):
    outcome = _outcome(tmp_path, name, new, old, feedback)
    outcome.challenger_metrics.update({FEEDBACK_SOLVED: solved_new, FEEDBACK_CASES: cases})
    outcome.champion_metrics.update({FEEDBACK_SOLVED: solved_old, FEEDBACK_CASES: cases})
    return outcome


def test_a_tie_on_the_frozen_set_wins_when_it_solves_more_accepted_corrections(tmp_path):
    """Secondary metric: a challenger within the margin of the champion that answers the accepted corrections the
    champion gets wrong passes, and says so; one that solves none more, or is worse by more than the margin, or
    does worse on the feedback cases, or misses the floor, does not."""
    tie = gate(_solving(tmp_path, "a", 0.9752, 0.9752, 1.0, 0.0), 0.005)
    assert tie.passed, tie.reasons
    assert "0 of 2 -> 2 of 2" in tie.reasons[-1] and "secondary metric: accepted feedback solved" in tie.reasons[-1]
    assert gate(_solving(tmp_path, "b", 0.971, 0.9752, 0.5, 0.0), 0.005).passed  # -0.0042: within the margin
    same = gate(_solving(tmp_path, "c", 0.9752, 0.9752, 1.0, 1.0), 0.005)
    assert not same.passed and "2 of 2 -> 2 of 2" in same.reasons[-1]  # the champion answers them already
    assert not gate(_solving(tmp_path, "d", 0.96, 0.9752, 1.0, 0.0), 0.005).passed  # worse than the margin
    worse = gate(
        _solving(tmp_path, "e", 0.9752, 0.9752, 1.0, 0.0, feedback={"challenger": 0.4, "champion": 0.6}), 0.005
    )
    assert not worse.passed and "worse on the accepted feedback" in worse.reasons[-1]
    weak = _solving(tmp_path, "f", 0.30, 0.30, 1.0, 0.0)  # risk's floor is macro-F1 0.50
    assert not gate(weak, 0.005).passed and not gate(weak, 0.005).good_enough
    assert gate(_outcome(tmp_path, "g", 0.9752, 0.9752), 0.005).passed is False  # no figure: a tie still loses


def test_register_promote_reject_and_rollback(store, tmp_path):
    first = register_outcome(store, _outcome(tmp_path, "one", 0.8, 0.7), job_id="job00001")
    assert first["promoted"] and champion_version(store.settings, "risk") == first["version"]
    assert (champion_dir(store.settings, "risk") / "model.txt").read_text() == "one"
    assert not (tmp_path / "one").exists()  # moved into models/risk/<version>/

    rejected = register_outcome(store, _outcome(tmp_path, "two", 0.6, 0.8), job_id="job00002")
    assert rejected["status"] == "rejected" and not rejected["promoted"]
    assert champion_version(store.settings, "risk") == first["version"]

    held = register_outcome(store, _outcome(tmp_path, "three", 0.9, 0.8), job_id="job00003", auto_promote=False)
    assert held["status"] == "challenger" and champion_version(store.settings, "risk") == first["version"]
    promote(store, "risk", held["version"], by="alice")
    assert champion_version(store.settings, "risk") == held["version"]
    statuses = {v.version: v.status for v in list_versions(store, "risk")}
    assert statuses == {first["version"]: "retired", rejected["version"]: "rejected", held["version"]: "champion"}
    rejected_row = next(v for v in list_versions(store, "risk") if v.version == rejected["version"])
    assert rejected_row.metrics["gate"]["passed"] is False and rejected_row.trained_on["job_id"] == "job00002"
    scores = rejected_row.scores  # the one reading of a version's report, shared by the Models page and ops
    assert (scores.metric, scores.challenger, scores.champion) == ("macro_f1", 0.6, 0.8)
    assert rejected_row.feedback_used == 2 and "does not beat" in scores.gate_reasons[0]

    assert rollback(store, "risk", by="bob") == first["version"]
    assert (champion_dir(store.settings, "risk") / "model.txt").read_text() == "one"
    assert rollback(store, "risk", by="bob") is None  # back to the default model
    assert champion_dir(store.settings, "risk") is None
    with pytest.raises(InvalidInput):
        rollback(store, "risk", by="bob")
    assert [h.action for h in history(store, "risk")] == ["rollback", "rollback", "promote", "promote"]


def test_failed_pointer_write_leaves_old_champion_and_rows(store, tmp_path, monkeypatch):
    first = register_outcome(store, _outcome(tmp_path, "one", 0.8, 0.7), job_id="job00001")
    held = register_outcome(store, _outcome(tmp_path, "two", 0.9, 0.8), job_id="job00002", auto_promote=False)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("suite.registry.versions.set_champion", crash)
    with pytest.raises(OSError):
        promote(store, "risk", held["version"], by="alice")
    assert champion_version(store.settings, "risk") == first["version"]
    statuses = {v.version: v.status for v in list_versions(store, "risk")}
    assert statuses == {first["version"]: "champion", held["version"]: "challenger"}


def test_reconcile_trusts_the_pointer(store, tmp_path):
    first = register_outcome(store, _outcome(tmp_path, "one", 0.8, 0.7), job_id="job00001")
    store.execute("UPDATE model_versions SET status = 'retired' WHERE version = ?", [first["version"]])
    assert reconcile(store, "risk") == 1
    assert store.scalar("SELECT status FROM model_versions WHERE version = ?", [first["version"]]) == "champion"


# -- the module floors: a model that is not good enough is never served automatically --------------------------
def _module_outcome(tmp_path, name, module, metric, new, old=None, higher=True):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "weights.bin").write_bytes(name.encode() * 100)
    return TrainingOutcome(
        module=module,
        artifact_dir=folder,
        primary_metric=metric,
        higher_is_better=higher,
        challenger_metrics={metric: new},
        champion_metrics={} if old is None else {metric: old},
        trained_on={"feedback_ids": ["a"], "data_hash": "h"},
    )


def test_floor_refuses_a_weak_model_even_without_an_earlier_score(store, tmp_path):
    assert FLOORS["inspect"] == Floor("map50", 0.30, label="mAP50")
    assert set(FLOORS) == set(MODULE_KEYS)
    weak = gate(_module_outcome(tmp_path, "a", "inspect", "map50", 0.25), 0.005)  # the first retraining
    assert not weak.passed and not weak.good_enough
    assert weak.reasons[0].startswith("not good enough to serve: mAP50 0.2500 misses the inspect floor")
    assert "at least 0.3" in weak.reasons[0] and "never put to use automatically" in weak.reasons[0]
    much_better = gate(_module_outcome(tmp_path, "b", "inspect", "map50", 0.29, old=0.05), 0.005)
    assert not much_better.passed and "not good enough" in much_better.reasons[0]  # whatever it replaces
    assert gate(_module_outcome(tmp_path, "c", "inspect", "map50", 0.31), 0.005).passed
    # transcription has a ceiling on WER (lower is better)
    assert not gate(_module_outcome(tmp_path, "d", "transcribe", "wer", 0.62, old=0.9, higher=False), 0.005).passed
    assert gate(_module_outcome(tmp_path, "e", "transcribe", "wer", 0.20, old=0.25, higher=False), 0.005).passed
    for module, floor in FLOORS.items():
        below = floor.limit - 0.01 if floor.higher_is_better else floor.limit + 0.01
        decision = gate(
            _module_outcome(tmp_path, f"f-{module}", module, floor.metric, below, higher=floor.higher_is_better), 0
        )
        assert not decision.passed and decision.reasons[0].startswith("not good enough"), module

    recorded = register_outcome(
        store, _module_outcome(tmp_path, "g", "inspect", "map50", 0.2), job_id="job0000g", auto_promote=True
    )
    assert recorded["status"] == "rejected" and not recorded["promoted"]
    assert champion_version(store.settings, "inspect") is None
    assert recorded["gate"]["good_enough"] is False
    [row] = list_versions(store, "inspect")
    assert row.scores.gate_reasons[0].startswith("not good enough to serve")


# -- promote: a rejected version needs a reason; its files are checked before it serves --------------------------
def test_promote_a_rejected_version_needs_an_override_reason(store, tmp_path):
    first = register_outcome(store, _outcome(tmp_path, "one", 0.8, 0.7), job_id="job00001")
    rejected = register_outcome(store, _outcome(tmp_path, "two", 0.6, 0.8), job_id="job00002")
    with pytest.raises(InvalidInput) as refused:
        promote(store, "risk", rejected["version"], by="alice")
    message = str(refused.value)
    assert len(message.splitlines()) == 1 and "--override-reason" in message and "does not beat" in message
    for empty in ("", "   \n "):
        with pytest.raises(InvalidInput, match="override reason is empty"):
            promote(store, "risk", rejected["version"], by="alice", override_reason=empty)
    assert champion_version(store.settings, "risk") == first["version"]
    assert [h.action for h in history(store, "risk")] == ["promote"]

    promote(store, "risk", rejected["version"], by="alice", override_reason="the test set misses our new products")
    assert champion_version(store.settings, "risk") == rejected["version"]
    row = get_version(store, "risk", rejected["version"])
    assert (row.status, row.override_reason, row.override_by) == (
        "champion",
        "the test set misses our new products",
        "alice",
    )
    change = history(store, "risk")[0]
    assert change.action == "promote" and change.by_user == "alice"
    assert change.reason == "gate overridden by alice: the test set misses our new products"
    # the previous champion served before: rolling back to it needs no reason
    assert rollback(store, "risk", by="bob") == first["version"]


def _transcribe_outcome(tmp_path, name: str, terms: list[str], wer: float, old: float | None = None):
    from suite.transcribe.vocabulary import write_artifacts

    folder = tmp_path / name
    write_artifacts(folder, terms, {"north star": "Northstar"})
    return TrainingOutcome(
        module="transcribe",
        artifact_dir=folder,
        primary_metric="wer",
        higher_is_better=False,
        challenger_metrics={"wer": wer},
        champion_metrics={} if old is None else {"wer": old},
        trained_on={"feedback_ids": ["a"], "data_hash": name},
    )


def _still_answering(settings, version: str, term: str) -> None:
    """The champion is still the one the module reports and uses for its next transcription."""
    from suite.modules import hooks
    from suite.transcribe.vocabulary import current_hints

    assert champion_version(settings, "transcribe") == version
    learned = [m for m in hooks("transcribe").model_status(settings) if m.model.startswith("learned")]
    assert [(m.version, m.on_disk) for m in learned] == [(version, True)]
    hints = current_hints(settings)
    assert hints.version == version and term in hints.vocabulary


def test_an_empty_or_damaged_version_is_refused_and_the_champion_keeps_serving(store, tmp_path):
    settings = store.settings
    champion = register_outcome(store, _transcribe_outcome(tmp_path, "one", ["Northstar"], 0.30), job_id="job00001")
    assert champion["promoted"]
    _still_answering(settings, champion["version"], "Northstar")
    [row] = list_versions(store, "transcribe")
    assert set(row.manifest) == {"vocabulary.json", "replacements.json"}
    assert all(len(entry["sha256"]) == 64 and entry["bytes"] > 0 for entry in row.manifest.values())

    def held(name: str) -> tuple[str, Path]:
        outcome = _transcribe_outcome(tmp_path, name, ["Northstar", "Orbita"], 0.2, old=0.3)
        version = register_outcome(store, outcome, job_id=f"job-{name}", auto_promote=False)["version"]
        return version, settings.models_dir / "transcribe" / version

    emptied, folder = held("emptied")
    for path in folder.iterdir():
        path.unlink()
    with pytest.raises(ModelUnavailable) as refused:
        promote(store, "transcribe", emptied, by="alice")
    message = str(refused.value)
    assert len(message.splitlines()) == 1 and "cannot serve" in message and "replacements.json is missing" in message
    assert f"{champion['version']} stays in use" in message
    _still_answering(settings, champion["version"], "Northstar")

    damaged, folder = held("damaged")
    (folder / "vocabulary.json").write_text('["Northstar", "Orbi')  # cut short
    with pytest.raises(ModelUnavailable, match="vocabulary.json changed since it was trained"):
        promote(store, "transcribe", damaged, by="alice", override_reason="no override lets damaged files serve")
    _still_answering(settings, champion["version"], "Northstar")

    gone, folder = held("gone")
    shutil.rmtree(folder)
    with pytest.raises(ModelUnavailable, match="its folder is missing"):
        promote(store, "transcribe", gone, by="alice")
    _still_answering(settings, champion["version"], "Northstar")
    statuses = {v.version: v.status for v in list_versions(store, "transcribe")}
    assert statuses == {
        champion["version"]: "champion",
        emptied: "challenger",
        damaged: "challenger",
        gone: "challenger",
    }
    assert [h.action for h in history(store, "transcribe")] == ["promote"]

    # rollback to a version whose files are gone: refused, the current champion keeps serving
    good, _ = held("good")
    promote(store, "transcribe", good, by="alice")
    _still_answering(settings, good, "Orbita")
    shutil.rmtree(settings.models_dir / "transcribe" / champion["version"])
    with pytest.raises(ModelUnavailable) as refused:
        rollback(store, "transcribe", by="bob")
    assert f"{champion['version']} cannot serve again: its folder is missing" in str(refused.value)
    _still_answering(settings, good, "Orbita")


def test_rollback_refusals(store, tmp_path):
    with pytest.raises(InvalidInput, match="already uses its default model"):
        rollback(store, "risk", by="bob")
    first = register_outcome(store, _outcome(tmp_path, "one", 0.8, 0.7), job_id="job00001")
    rejected = register_outcome(store, _outcome(tmp_path, "two", 0.6, 0.8), job_id="job00002")
    with pytest.raises(InvalidInput, match="rejected by the promotion gate and has never served"):
        rollback(store, "risk", by="bob", to=rejected["version"])
    with pytest.raises(NotFound, match="no model version"):
        rollback(store, "risk", by="bob", to="v-nope")
    with pytest.raises(NotFound, match="There is no module 'nope'"):
        rollback(store, "nope", by="bob")
    assert champion_version(store.settings, "risk") == first["version"]


def test_a_version_recorded_before_manifests_must_still_hold_files(store, tmp_path):
    first = register_outcome(store, _outcome(tmp_path, "one", 0.8, 0.7), job_id="job00001")
    held = register_outcome(store, _outcome(tmp_path, "two", 0.9, 0.8), job_id="job00002", auto_promote=False)
    store.execute("UPDATE model_versions SET manifest = NULL")  # as an older release recorded it
    folder = store.settings.models_dir / "risk" / held["version"]
    (folder / "model.txt").write_text("")
    with pytest.raises(ModelUnavailable, match="its folder is empty"):
        promote(store, "risk", held["version"], by="alice")
    (folder / "model.txt").write_text("two")
    promote(store, "risk", held["version"], by="alice")
    assert champion_version(store.settings, "risk") == held["version"] != first["version"]


def test_a_retraining_that_wrote_no_files_is_not_recorded(store, tmp_path):
    outcome = _outcome(tmp_path, "empty", 0.9, 0.7)
    (outcome.artifact_dir / "model.txt").unlink()
    with pytest.raises(ModelUnavailable, match="wrote no model files"):
        register_outcome(store, outcome, job_id="job00001")
    assert list_versions(store) == [] and champion_version(store.settings, "risk") is None
