from __future__ import annotations

import pytest

from suite.errors import InvalidInput
from suite.registry import champion_dir, champion_version
from suite.registry.gate import gate
from suite.registry.versions import history, list_versions, promote, reconcile, register_outcome, rollback
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
