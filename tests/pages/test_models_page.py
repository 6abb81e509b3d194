from __future__ import annotations

from suite.jobs.runner import run_pending
from suite.registry import champion_version

FAKE = "tests.jobs.fake_trainer:retrain"


def test_untrainable_modules_are_labelled(app_page, store):
    at = app_page("pages/models.py").run()
    assert not at.exception
    overview = at.dataframe[0].value
    assert len(overview) == 5
    assert set(overview["trainable"]) <= {"yes", "not trainable yet"}


def test_retrain_now_queues_and_shows_the_new_version(app_page, store, monkeypatch):
    monkeypatch.setenv("SUITE_TRAINER_RISK", FAKE)
    monkeypatch.setitem(store.settings.extra, "trainer_risk", FAKE)
    monkeypatch.setenv("FAKE_SCORE", "0.9")
    at = app_page("pages/models.py").run()
    at.selectbox[0].set_value("risk").run()
    next(b for b in at.button if b.label == "Retrain now").click().run()
    assert not at.exception and "queued" in at.success[0].value
    assert store.scalar("SELECT state FROM jobs WHERE module = 'risk'") == "queued"
    [result] = run_pending(store)  # what the worker does
    at.run()
    versions = at.dataframe[1].value
    assert list(versions["version"]) == [result["version"]] and versions["status"][0] == "champion"
    jobs = at.dataframe[2].value
    assert jobs["state"][0] == "succeeded" and jobs["version"][0] == result["version"]
    next(b for b in at.button if b.label == "Roll back").click().run()
    assert not at.exception and champion_version(store.settings, "risk") is None
