"""The CPU path: the embedder exported to ONNX (OpenVINO / ONNX Runtime) against the PyTorch one it replaces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipelines.text_classifier import HeadClassifier, evaluate
from suite.risk.classifier import default_dir, fast_embedder
from suite.risk.service import labelled_set

pytestmark = pytest.mark.slow


@pytest.fixture
def split():
    test = [r for r in labelled_set() if r["split"] == "test"]
    return [r["headline"] for r in test], [r["label"] for r in test]


def test_the_cpu_serves_the_exported_embedder(classifier, risk_settings):
    backend = classifier.embedder.backend
    assert backend.startswith(("openvino", "onnxruntime")), backend
    assert classifier.embedder.model_version.endswith("+onnx")
    exported = [p for p in (risk_settings.models_dir / "onnx").iterdir() if (p / "export.json").exists()]
    assert len(exported) == 1 and json.loads((exported[0] / "export.json").read_text())["check_cosine"] >= 0.999
    assert fast_embedder(risk_settings) is classifier.embedder  # loaded once per process


def test_exported_vectors_labels_and_macro_f1_match_pytorch(classifier, risk_settings, embedder, split):
    texts, labels = split
    fast, slow = classifier.embedder.embed(texts), embedder.embed(texts)
    cosine = np.sum(fast * slow, axis=1)
    assert fast.shape == slow.shape == (len(texts), 384) and fast.dtype == np.float32
    assert cosine.min() >= 0.999, cosine.min()
    torch_head = HeadClassifier.load(default_dir(risk_settings), embedder)
    ours, reference = classifier.classify(texts), torch_head.classify(texts)
    same = np.mean([a.label == b.label for a, b in zip(ours, reference, strict=True)])
    assert same >= 0.98, same
    assert max(abs(a.confidence - b.confidence) for a, b in zip(ours, reference, strict=True)) < 0.05
    f1_fast = evaluate(classifier, texts, labels)["macro_f1"]
    f1_torch = evaluate(torch_head, texts, labels)["macro_f1"]
    assert abs(f1_fast - f1_torch) <= 0.01, (f1_fast, f1_torch)


def test_batches_of_mixed_lengths_keep_their_order(classifier, embedder):
    texts = ["Shares slump", "Regulator opens a probe into the lender's accounting " * 8, "Dividend raised", "CEO out"]
    one_by_one = np.vstack([classifier.embedder.embed([t]) for t in texts])
    batched = classifier.embedder.embed(texts, batch_size=3)
    assert np.allclose(one_by_one, batched, atol=2e-2)
    assert np.sum(batched * embedder.embed(texts), axis=1).min() >= 0.999
    assert classifier.embedder.embed([]).shape == (0, 384)


def test_onnx_runtime_and_int8_paths_agree_with_pytorch(tmp_path, embedder, split):
    from pipelines.embedder import bundled_model_path
    from pipelines.onnx_text import OnnxEmbedder, export_embedder

    folder = export_embedder(bundled_model_path(), tmp_path / "minilm", version="test", quantize=True)
    texts = split[0][:40]
    reference = embedder.embed(texts)
    fp32 = OnnxEmbedder(folder, runtime="onnxruntime")
    int8 = OnnxEmbedder(folder, int8=True)
    assert fp32.backend == "onnxruntime-fp32" and int8.backend == "onnxruntime-int8"
    assert np.sum(fp32.embed(texts) * reference, axis=1).min() >= 0.9999
    assert np.sum(int8.embed(texts) * reference, axis=1).min() >= 0.97


def test_a_model_that_cannot_be_exported_keeps_pytorch(tmp_path, risk_settings):
    from pipelines.onnx_text import export_embedder

    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer"}]')
    assert export_embedder(tmp_path / "odd", tmp_path / "out", version="x") is None
    hub = risk_settings.with_(embedder_model="example-org/not-a-folder")
    assert fast_embedder(hub) is None
