"""The per-model vector cache: same vectors as the model, each text embedded once, one cache per model object."""

from __future__ import annotations

import numpy as np

from pipelines.embedder import CachedEmbedder, TextEmbedder, cached_embedder


class Counting:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, 0
        self.model_name, self.dimension = inner.model_name, inner.dimension

    def embed(self, texts, *, batch_size=64):
        self.texts += len(texts)
        return self.inner.embed(texts, batch_size=batch_size)


def test_cached_vectors_are_the_models_and_each_text_is_embedded_once(embedder):
    counting = Counting(embedder)
    cache = CachedEmbedder(counting, max_entries=3)
    texts = ["How do I reset my password?", "The hub light is red", "How do I reset my password?"]
    first = cache.embed(texts)
    np.testing.assert_allclose(first, embedder.embed(texts), atol=1e-5)
    assert counting.texts == 2  # the repeated question once
    again = cache.embed(["The hub light is red", "Pair the chime"])
    assert counting.texts == 3 and np.allclose(again[0], first[1])
    cache.embed(["a", "b", "c"])  # over max_entries: the oldest go
    cache.embed(["How do I reset my password?"])
    assert counting.texts == 7 and cache.model_name == embedder.model_name
    assert cache.embed([]).shape == (0, 384)


def test_each_model_object_has_its_own_cache(embedder):
    assert cached_embedder(embedder) is cached_embedder(embedder)
    same_name = TextEmbedder(model_path=embedder.model_path)  # e.g. a challenger trained into the same folder
    assert cached_embedder(same_name) is not cached_embedder(embedder)
    assert cached_embedder(cached_embedder(embedder)) is cached_embedder(embedder)
