"""The served index follows the knowledge base article by article: added, replaced and removed articles change
only their own passages, an unchanged knowledge base is not read again, and a restart reuses the saved vectors."""

from __future__ import annotations

import pytest

from pipelines.loading import forget
from suite.support import index_store, queries
from suite.support.retrieval import KnowledgeIndex, get_index
from suite.support.service import ask, ingest_paths, remove_document

pytestmark = pytest.mark.slow  # real text models

ZEPHYR = (
    "# Zephyr Lamp pairing\n\n## Pairing the Zephyr Lamp\n\nHold the Zephyr button for 9 seconds until the lamp "
    "pulses violet. Then open the app and choose Add device, Zephyr Lamp. Pairing takes about a minute.\n"
)


@pytest.fixture
def embedded(monkeypatch):
    """How many texts each index change embedded (KnowledgeIndex.apply's count)."""
    counts: list[int] = []
    original = KnowledgeIndex.apply

    def counting(self, *args, **kwargs):
        counts.append(original(self, *args, **kwargs))
        return counts[-1]

    monkeypatch.setattr(KnowledgeIndex, "apply", counting)
    return counts


def _ids(index) -> set[str]:
    return {c.chunk_id for c in index.chunks}


def test_an_added_article_is_answered_and_a_removed_one_is_gone(kb_store, tmp_path, embedded):
    index = get_index(kb_store)
    before = _ids(index)
    (tmp_path / "zephyr.md").write_text(ZEPHYR, encoding="utf-8")
    ingest_paths(kb_store, [tmp_path / "zephyr.md"])

    answer = ask(kb_store, "How do I pair the Zephyr Lamp?")
    assert answer.answered and answer.citations[0].source == "zephyr.md" and "violet" in answer.answer
    updated = get_index(kb_store)
    assert updated is index  # changed in place, not rebuilt
    assert _ids(updated) == before | {"zephyr.md#0"}
    assert embedded[-1] == 2  # one passage, English + multilingual: the rest kept their vectors

    remove_document(kb_store, "zephyr.md")
    gone = ask(kb_store, "How do I pair the Zephyr Lamp?")
    assert all(c.source != "zephyr.md" for c in gone.citations + gone.candidates)
    assert _ids(get_index(kb_store)) == before
    assert "zephyr.md#0" not in index.dense_index and "zephyr.md#0" not in index.multi_index
    assert all(h.id != "zephyr.md#0" for h in index.keyword_index.search("Zephyr violet", k=10))


def test_a_replaced_article_reembeds_only_its_changed_passages(kb_store, tmp_path, embedded):
    get_index(kb_store)
    (tmp_path / "zephyr.md").write_text(ZEPHYR + "\n## Resetting\n\nUnplug the lamp for 20 seconds.\n", "utf-8")
    ingest_paths(kb_store, [tmp_path / "zephyr.md"])
    get_index(kb_store)
    assert embedded[-1] == 4  # two passages, two spaces
    (tmp_path / "zephyr.md").write_text(ZEPHYR + "\n## Resetting\n\nUnplug the lamp for 45 seconds.\n", "utf-8")
    ingest_paths(kb_store, [tmp_path / "zephyr.md"])
    index = get_index(kb_store)
    assert embedded[-1] == 2  # only the second passage changed
    hits = index.keyword_index.search("Unplug the lamp seconds", k=3)
    assert "45 seconds" in index._chunks[hits[0].id].text


def test_an_unchanged_knowledge_base_is_not_read_again(kb_store, monkeypatch):
    index = get_index(kb_store)

    def no_reads(*args, **kwargs):
        raise AssertionError("the chunks were read again")

    monkeypatch.setattr(queries, "chunks_with_hashes", no_reads)
    monkeypatch.setattr(queries, "document_hashes", no_reads)
    assert get_index(kb_store) is index
    assert ask(kb_store, "How do I reset my password?").citations[0].source == "reset-password.md"


def test_a_restart_reuses_the_saved_vectors(kb_store, embedded):
    get_index(kb_store)
    folders = sorted(p.name for p in (kb_store.settings.home / "support" / "index").iterdir())
    assert [name.split("-")[0] for name in folders] == ["en", "multi"]
    forget(("support-index",))
    reloaded = get_index(kb_store)
    assert embedded[-1] == 0  # every vector came from disk
    assert reloaded.search("E-4012", k=1)[0].chunk.source == "wifi-requirements.md"


def test_vectors_on_disk_for_passages_no_longer_in_the_store_are_dropped(kb_store, tmp_path):
    (tmp_path / "zephyr.md").write_text(ZEPHYR, encoding="utf-8")
    ingest_paths(kb_store, [tmp_path / "zephyr.md"])
    get_index(kb_store)
    forget(("support-index",))
    queries.delete_document(kb_store, "zephyr.md")  # changed while no index was loaded
    index = get_index(kb_store)
    assert "zephyr.md#0" not in index.dense_index and "zephyr.md#0" not in _ids(index)


def test_an_empty_knowledge_base_is_said_before_models_load(store, monkeypatch):
    monkeypatch.setattr(index_store, "serving_embedder", lambda settings: pytest.fail("a model was loaded"))
    with pytest.raises(Exception, match="knowledge base is empty"):
        get_index(store)


def test_a_busy_database_is_answered_from_the_index_as_last_read(kb_store, monkeypatch):
    from suite.errors import StoreBusy

    index = get_index(kb_store)
    waits = []

    def busy(store, *, wait_s=None):
        waits.append(wait_s)
        raise StoreBusy("The database is busy")

    monkeypatch.setattr(queries, "knowledge_stamp", busy)
    assert get_index(kb_store) is index and waits == [index_store.BUSY_WAIT_S]
    assert ask(kb_store, "How do I reset my password?").citations[0].source == "reset-password.md"
