"""The real local model (extra `local-llm`): it answers from a passage with a citation, streaming its pieces, and
declines a question the passages do not answer. Skipped when the extra is not installed."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("xllamacpp", reason="the optional local model is not installed (pip install -e '.[local-llm]')")

from pipelines.local_llm import installed  # noqa: E402
from suite.settings import Settings  # noqa: E402
from suite.store import Store  # noqa: E402
from suite.support import local_llm  # noqa: E402
from suite.support.answers import DECLINE  # noqa: E402
from suite.support.service import ask_streaming  # noqa: E402


@pytest.fixture(scope="module")
def shared_models(tmp_path_factory):
    """One models folder for the module, so the 1.1 GB model is joined once."""
    if not installed():
        pytest.skip("the local model's weight parts are not installed")
    return tmp_path_factory.mktemp("local-llm-models")


@pytest.fixture
def local_store(tmp_path, kb_template, shared_models, monkeypatch):
    monkeypatch.setattr(local_llm, "MAX_TOKENS", 40)
    settings = Settings.from_env({}, home=tmp_path / "home", device="cpu", llm="local", models_uri=str(shared_models))
    settings.home.mkdir(parents=True)
    shutil.copy(kb_template, settings.db_path)
    store = Store(settings, flush_interval_s=0.2)
    yield store
    store.close()


def test_local_model_answers_with_a_citation_and_streams(local_store):
    stream = ask_streaming(local_store, "How far can the camera see in the dark?")
    pieces = list(stream)
    answer = stream.result()
    assert answer.written_by == "llm" and answer.answered and answer.note == ""
    assert len(pieces) > 3 and "".join(pieces).strip().startswith(answer.answer[:10])
    assert "8" in answer.answer and "[1]" in answer.answer
    assert [c.number for c in answer.citations] == [1] and "cam" in answer.citations[0].source


def test_local_model_declines_what_the_passages_do_not_say(local_store):
    stream = ask_streaming(local_store, "Can the Hub H2 open my garage door?")
    assert "know" in "".join(stream)
    answer = stream.result()
    assert answer.written_by == "llm" and not answer.answered
    assert answer.answer == DECLINE["en"] and answer.citations == []
