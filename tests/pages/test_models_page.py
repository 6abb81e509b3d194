from __future__ import annotations

import csv
from pathlib import Path

import pytest

from suite.jobs.runner import run_pending, trainer_for
from suite.modules import MODULES
from suite.ops.display import version_label, versions_made
from suite.registry import champion_version
from suite.registry.versions import list_versions

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "risk"


def test_untrainable_modules_are_labelled(app_page, store):
    at = app_page("pages/models.py").run()
    assert not at.exception
    overview = at.dataframe[0].value
    expected = ["yes" if trainer_for(store.settings, info.key) else "not trainable yet" for info in MODULES]
    assert list(overview["trainable"]) == expected and expected[-1] == "yes"  # risk retrains
    assert set(overview["serving"]) == {"Default model"}  # in words, never "default-<hash>"
    for info, trainable in zip(MODULES, expected, strict=True):
        at.selectbox[0].set_value(info.key).run()
        assert any(b.label == "Retrain now" for b in at.button) == (trainable == "yes")
        assert any("Not trainable yet" in i.value for i in at.info) == (trainable != "yes")


def _risk_feedback(store, n: int = 30) -> list[str]:
    """Real risk headlines scored by the real model, and staff corrections through the module's API."""
    from suite.risk.service import correct_label, ingest, template_truth, upsert_watchlist

    with (SAMPLE / "watchlist.csv").open(newline="", encoding="utf-8") as handle:
        upsert_watchlist(store, list(csv.DictReader(handle)))
    lines = (SAMPLE / "headlines.csv").read_text(encoding="utf-8").splitlines()
    ingest(store, "\n".join(lines[: n + 1]), "headlines.csv", user="test")
    truth = template_truth()
    ids = []
    for row in store.query("SELECT headline_id, headline FROM risk_headlines ORDER BY ts"):
        label = next((label for pattern, label in truth if pattern.match(row["headline"])), None)
        if label:
            ids.append(correct_label(store, row["headline_id"], label, user="analyst"))
    store.flush()
    return ids


@pytest.mark.slow
def test_accept_in_queue_then_retrain_now_shows_job_and_new_version(app_page, store):
    from suite.review.queue import decide
    from tests.auth.helpers import sign_in_app_test, signed_in

    ids = _risk_feedback(store)
    signed = signed_in(store, "admin")  # retraining needs a sign-in
    assert decide(store, ids, "accept", reviewer="alice") == len(ids)  # the review page has its own tests
    assert store.scalar("SELECT count(*) FROM feedback WHERE review_state = 'accepted' AND reviewer = 'alice'") == len(
        ids
    )

    at = sign_in_app_test(app_page("pages/models.py"), signed).run()
    at.selectbox[0].set_value("risk").run()
    next(b for b in at.button if b.label == "Retrain now").click().run()
    assert not at.exception and "queued" in at.success[0].value
    assert store.scalar("SELECT state FROM jobs WHERE module = 'risk'") == "queued"
    [result] = run_pending(store)  # what `suite worker` does with the queued job
    assert result["state"] == "succeeded", result
    at.run()
    versions = at.dataframe[1].value
    # a version is named by its number and when it was trained, never by its hash; states in words
    assert list(versions["version"]) == [version_label("en", result["version"], versions_made(list_versions(store)))]
    assert versions["version"][0].startswith("Version 1, trained ") and result["version"] not in versions["version"][0]
    status = {"champion": "In use", "challenger": "Kept aside", "rejected": "Rejected by the gate"}
    assert versions["status"][0] == status["champion" if result["promoted"] else result["status"]]
    assert versions["measure"][0] == "macro_f1" and versions["feedback_used"][0] > 0
    jobs = at.dataframe[2].value
    assert jobs["state"][0] == "Finished" and jobs["version"][0] == versions["version"][0]
    if not result["promoted"]:  # a person can still put it to use from the page
        at.selectbox[1].set_value(result["version"]).run()
        if result["status"] == "rejected":  # the gate said no: the page asks why it should serve anyway
            assert "gate rejected this version" in _shown(at.warning)  # after the job panel's own warning
            next(b for b in at.button if b.label == "Use this version").click().run()
            assert "override reason is empty" in at.error[0].value
            assert champion_version(store.settings, "risk") is None
            at.text_input[0].set_value("checked the corrections by hand").run()
        next(b for b in at.button if b.label == "Use this version").click().run()
    assert champion_version(store.settings, "risk") == result["version"]
    next(b for b in at.button if b.label == "Roll back").click().run()
    assert not at.exception and champion_version(store.settings, "risk") is None


def recorded_version(store, tmp_path, name: str, new: float, old: float) -> str:
    """A risk version recorded by the registry from a small stand-in folder (no model is trained)."""
    from suite.registry.versions import register_outcome
    from suite.training import TrainingOutcome

    folder = tmp_path / name
    folder.mkdir()
    (folder / "model.txt").write_text(name)
    outcome = TrainingOutcome(
        module="risk",
        artifact_dir=folder,
        primary_metric="macro_f1",
        higher_is_better=True,
        challenger_metrics={"macro_f1": new},
        champion_metrics={"macro_f1": old},
        trained_on={"feedback_ids": ["a"], "data_hash": name},
    )
    return register_outcome(store, outcome, job_id=f"job-{name}", auto_promote=True)["version"]


def test_a_rejected_version_is_used_only_with_a_reason(app_page, store, tmp_path):
    from suite.registry.versions import get_version
    from tests.auth.helpers import sign_in_app_test, signed_in

    champion = recorded_version(store, tmp_path, "good", 0.8, 0.7)
    rejected = recorded_version(store, tmp_path, "worse", 0.6, 0.8)
    at = sign_in_app_test(app_page("pages/models.py"), signed_in(store, "admin")).run()  # promoting needs a sign-in
    at.selectbox[0].set_value("risk").run()
    assert "macro-F1 at least 0.5" in " ".join(c.value for c in at.caption)  # the floor, said on the page
    at.selectbox[1].set_value(rejected).run()
    assert "gate rejected this version" in at.warning[0].value
    next(b for b in at.button if b.label == "Use this version").click().run()
    assert not at.exception and "override reason is empty" in at.error[0].value
    assert champion_version(store.settings, "risk") == champion
    at.text_input[0].set_value("new products are missing from the test set").run()
    next(b for b in at.button if b.label == "Use this version").click().run()
    assert not at.exception and champion_version(store.settings, "risk") == rejected
    assert get_version(store, "risk", rejected).override_reason == "new products are missing from the test set"
    versions = at.run().dataframe[1].value  # newest first
    assert [v.split(",")[0] for v in versions["version"]] == ["Version 2", "Version 1"]  # [rejected, champion]
    assert list(versions["override"]) == ["new products are missing from the test set", ""]


def _shown(elements) -> str:
    """The texts of page elements as the reader sees them (the page escapes Markdown punctuation)."""
    return " ".join(str(getattr(e, "value", "")) for e in elements).replace("\\", "")


def test_retrain_now_says_why_a_job_waits_then_shows_its_progress_and_the_gate_decision(app_page, store, monkeypatch):
    import threading
    import time

    from suite.jobs import queue
    from suite.jobs.runner import use_trainer
    from suite.jobs.schedule import Schedule
    from suite.jobs.workers import Heartbeat
    from tests.auth.helpers import sign_in_app_test, signed_in
    from tests.jobs.fake_trainer import retrain as fake_retrain

    use_trainer("risk", fake_retrain)
    try:
        at = sign_in_app_test(app_page("pages/models.py"), signed_in(store, "admin")).run()
        at.selectbox[0].set_value("risk").run()
        next(b for b in at.button if b.label == "Retrain now").click().run()
        assert not at.exception and "queued" in at.success[0].value
        [job] = queue.list_jobs(store, "risk")
        assert job["state"] == "queued"
        assert "no retraining worker is running" in _shown(at.info) and "suite serve" in _shown(at.info)

        other, _ = queue.enqueue(store, "risk", requested_by="test", kind=queue.TRAIN, params={})
        queue.claim(store, "risk", worker=queue.worker_name(), job_id=other)  # a training of risk holds the lock
        at.run()
        assert f"another job of this assistant (training on uploaded data, job {other[:8]})" in _shown(at.info)
        queue.finish(store, other, state="succeeded", outcome={})

        beat = Heartbeat(store, Schedule(nightly_hour=None, min_feedback=0)).start()  # a worker is alive now
        try:
            at.run()
            assert "the retraining worker starts it within a few seconds" in _shown(at.info)
            monkeypatch.setenv("FAKE_SLEEP", "8")  # ten progress reports, 0.8 s apart
            monkeypatch.setenv("FAKE_SCORE", "0.9")
            worker = threading.Thread(target=lambda: run_pending(store, on_job=beat.job))
            worker.start()
            deadline = time.monotonic() + 30
            while queue.get_job(store, job["job_id"])["progress"] in (None, 0):
                assert time.monotonic() < deadline
                time.sleep(0.2)
            at.run()
            [bar] = at.get("progress")
            assert not at.exception and 0 < bar.proto.value <= 100
            assert "Running: step" in bar.proto.text.replace("\\", "")  # its stage: the trainer's progress message
            worker.join(60)
        finally:
            beat.stop()
        at.run()
        assert not at.exception
        decision = _shown(at.success)
        version = champion_version(store.settings, "risk")
        named = version_label("en", version, versions_made(list_versions(store)))  # its number and date, no hash
        assert f"Done: new version {named} is now in use (macro_f1 0.900 vs 0.500" in decision
        assert version not in decision and at.dataframe[1].value["version"][0] == named  # the versions table lists it
    finally:
        use_trainer("risk", None)
