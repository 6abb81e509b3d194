"""The recommender build's product text vectors: the ONNX export on the CPU, cached per text and embedder."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.embedder import vector_cache_key
from pipelines.onnx_text import OnnxEmbedder
from suite.recommend.content import content_vectors, item_texts, text_embedder, vectors_dir
from suite.recommend.default_model import read_sample
from tests.recommend.seed import copy_seed


class Counting:
    """The real embedder, counting the texts it is asked to embed (its name, version and runtime passed on)."""

    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def embed(self, texts, *, batch_size=64):
        self.texts += len(texts)
        return self.inner.embed(texts, batch_size=batch_size)


@pytest.fixture
def fast(settings):
    """The build's embedder in a home seeded like a built recommender (its ONNX export included)."""
    copy_seed(settings)
    return text_embedder(settings)


def test_cpu_build_embeds_with_the_export_and_its_vectors_are_pytorchs(fast, embedder):
    assert isinstance(fast, OnnxEmbedder) and fast.device == "cpu"
    _, catalog = read_sample()
    texts = item_texts(catalog.head(40))
    cosine = np.sum(fast.embed(texts) * embedder.embed(texts), axis=1)
    assert cosine.min() >= 0.999
    assert vector_cache_key(fast) != vector_cache_key(embedder)  # their vectors are stored apart


def test_a_rebuild_embeds_exactly_the_texts_that_changed(fast, embedder, settings):
    _, catalog = read_sample()
    unique = ~catalog.assign(text=item_texts(catalog))["text"].duplicated()  # a repeated text is embedded once
    catalog = catalog[unique].head(60).reset_index(drop=True)
    cache = vectors_dir(settings) / "scratch"
    counting = Counting(fast)
    first = content_vectors(catalog, counting, cache)
    assert counting.texts == 60 and first.shape == (60, 384)

    again = content_vectors(catalog, counting, cache)
    assert counting.texts == 60  # nothing changed: nothing embedded
    np.testing.assert_array_equal(again, first)

    changed = catalog.copy()
    changed.loc[7, "description"] = "A waterproof version with taped seams, for wet festivals."
    changed = changed.iloc[::-1].reset_index(drop=True)  # order does not matter, only the texts
    after = content_vectors(changed, counting, cache)
    assert counting.texts == 61  # the one changed product
    np.testing.assert_array_equal(after[::-1][np.arange(60) != 7], first[np.arange(60) != 7])
    new_text = item_texts(changed.iloc[[52]])
    np.testing.assert_allclose(after[52], fast.embed(new_text)[0], atol=1e-6)

    other = Counting(embedder)  # another embedder: its own vectors, never the export's
    torch_vectors = content_vectors(catalog, other, cache)
    assert other.texts == 60 and len(list(cache.glob("items-*.npz"))) == 2
    np.testing.assert_allclose(torch_vectors, embedder.embed(item_texts(catalog)), atol=1e-5)
