import numpy as np

from pipelines.keyword_index import KeywordIndex, tokenize
from pipelines.vector_index import VectorIndex


def test_tokenize_keeps_codes_and_cuts_chinese():
    tokens = tokenize("Error E-4012 on the Hub H2 付款失败")
    assert "e-4012" in tokens and "h2" in tokens and "the" not in tokens
    assert "付款" in tokens and "款失" in tokens  # a jieba word and a character bigram


def test_chinese_function_words_are_not_search_terms():
    terms = tokenize("怎么打开隐私模式？")
    assert {"打开", "隐私", "模式"} <= set(terms)
    assert not {"怎么", "么打"} & set(terms)  # a question word, and a bigram across it
    assert tokenize("我的") == [] and tokenize("E-4012 的") == ["e-4012", "e", "4012"]


def test_bm25_finds_the_exact_code():
    index = KeywordIndex.build(
        {"a": "Error E-4012 means the hub cannot join Wi-Fi", "b": "Error E-2207 means the update failed", "c": "x"}
    )
    assert [h.id for h in index.search("what is e-2207", k=2)][0] == "b"
    assert index.search("nothing matches here", k=3) == []


def test_vector_index_search_save_load(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex.build(vectors, [f"id{i}" for i in range(50)])
    hits = index.search(vectors[[7, 9]], k=3)
    assert [h[0].id for h in hits] == ["id7", "id9"] and abs(hits[0][0].score - 1.0) < 1e-5
    index.save(tmp_path / "ix")
    loaded = VectorIndex.load(tmp_path / "ix")
    assert loaded.size == 50 and loaded.search(vectors[7], k=1)[0][0].id == "id7"


def test_cuda_request_without_faiss_gpu_falls_back_to_cpu():
    import faiss

    vectors = np.eye(4, dtype=np.float32)
    index = VectorIndex.build(vectors, list("abcd"), device="cuda")
    expected = "cuda" if hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0 else "cpu"
    assert index.device == expected and index.search(vectors[2], k=1)[0][0].id == "c"


def test_bm25_changes_in_place_score_as_a_fresh_build():
    texts = {f"d{i}": f"Error E-{4000 + i % 7} on the hub {'H2' if i % 2 else 'H3'}, reset step {i}" for i in range(40)}
    index = KeywordIndex.build({k: v for k, v in texts.items() if k != "d3"})
    index.add({"d3": texts["d3"], "d5": "replaced: the doorbell chime is silent"})
    assert index.remove(["d8", "d9", "missing"]) == 2
    expected = {
        **{k: v for k, v in texts.items() if k not in ("d8", "d9")},
        "d5": "replaced: the doorbell chime is silent",
    }
    fresh = KeywordIndex.build(expected)
    for query in ("E-4003 hub H2", "doorbell chime", "reset step 9"):
        got = {h.id: round(h.score, 9) for h in index.search(query, k=50)}
        assert got == {h.id: round(h.score, 9) for h in fresh.search(query, k=50)}
    assert "d8" not in {h.id for h in index.search("reset step 8", k=50)}
    index.remove([k for k in expected if k != "d1"])  # compacts once most rows are gone
    assert index.size == 1 and [h.id for h in index.search("E-4001", k=5)] == ["d1"]
