from __future__ import annotations

import numpy as np

from pipelines.embedder import load_embedder


def test_similar_sentences_score_higher_than_unrelated(embedder):
    vectors = embedder.embed(
        [
            "How do I reset my password?",
            "I forgot my login password and need a new one",
            "The quarterly revenue grew by eight percent",
        ]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > 0.5 > unrelated + 0.3


def test_model_is_loaded_once_per_process_and_names_its_version(embedder):
    assert load_embedder(device="cpu") is embedder
    assert embedder.model_name == "all-MiniLM-L6-v2" and embedder.model_version and embedder.device == "cpu"
    assert embedder.embed([]).shape == (0, 384)


def test_batches_give_the_same_vectors_as_single_calls(embedder):
    texts = [f"order number {i} has not arrived" for i in range(10)]
    together = embedder.embed(texts, batch_size=4)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
