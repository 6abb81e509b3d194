"""The Support page with the local model on (SUITE_LLM=local): the answer is streamed, then shown with its source;
a question the articles do not answer is declined with the handoff offer. Skipped without the extra local-llm."""

from __future__ import annotations

import pytest

pytest.importorskip("xllamacpp", reason="the optional local model is not installed (pip install -e '.[local-llm]')")

from pipelines.local_llm import installed  # noqa: E402
from suite.support import local_llm  # noqa: E402
from suite.support.evaluation import KB_DIR  # noqa: E402
from suite.support.service import ingest_paths  # noqa: E402


@pytest.fixture(scope="module")
def page_models(tmp_path_factory):
    if not installed():
        pytest.skip("the local model's weight parts are not installed")
    return tmp_path_factory.mktemp("local-llm-page-models")


@pytest.fixture
def local_env(page_models, monkeypatch):
    """Set before `settings` reads the environment (requested first)."""
    monkeypatch.setenv("SUITE_LLM", "local")
    monkeypatch.setenv("SUITE_MODELS_URI", str(page_models))
    monkeypatch.setattr(local_llm, "MAX_TOKENS", 40)


def test_local_model_answer_and_refusal_on_the_page(local_env, app_page, store):
    assert store.settings.llm == "local"
    ingest_paths(store, [KB_DIR])
    at = app_page("pages/support.py", timeout=300).run()
    at.chat_input[0].set_value("How far can the camera see in the dark?").run()
    assert not at.exception
    turn = at.session_state["support_chat"][0]
    assert turn.written_by == "llm" and turn.answered and "[1]" in turn.answer
    assert any("8" in m.value and "[1]" in m.value for m in at.markdown)
    assert any("written by the language model" in c.value for c in at.caption)
    assert any(e.label.startswith("Sources") for e in at.expander)
    at.chat_input[0].set_value("Can the Hub H2 open my garage door?").run()
    assert not at.exception
    declined = at.session_state["support_chat"][1]
    assert declined.written_by == "llm" and not declined.answered
    assert any(b.label == "Pass this question to a colleague" for b in at.button)
