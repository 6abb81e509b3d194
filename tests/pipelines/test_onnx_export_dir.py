"""One ONNX export of the bundled MiniLM: support and risk serve the same folder under SUITE_HOME/models/onnx/."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipelines.embedder import bundled_model_path
from pipelines.onnx_text import export_dir

pytestmark = pytest.mark.slow  # exports MiniLM to ONNX once (seconds to a minute on a loaded machine)


def test_support_and_risk_share_one_export_of_minilm(settings):
    from suite.risk.classifier import fast_embedder
    from suite.support.retrieval import serving_embedder

    support = serving_embedder(settings)  # exports
    risk = fast_embedder(settings)  # finds the same export
    onnx = settings.models_dir / "onnx"
    exported = [p for p in onnx.iterdir() if (p / "export.json").exists()]
    assert [p.name for p in onnx.iterdir()] == [p.name for p in exported]  # no second folder, no leftovers
    assert len(exported) == 1 and exported[0] == export_dir(settings.models_dir, bundled_model_path(), "bundled-0.1.0")
    assert json.loads((exported[0] / "export.json").read_text())["version"] == "bundled-0.1.0"
    assert risk is not None and getattr(support, "runtime", "torch").startswith("onnx")
    text = ["Can I return an opened item?"]
    assert float(np.dot(support.embed(text)[0], risk.embed(text)[0])) > 0.9999  # the same graph


def test_the_export_folder_names_model_version_and_weights(tmp_path):
    weights = tmp_path / "ft" / "embedder"
    weights.mkdir(parents=True)
    (weights / "model.safetensors").write_bytes(b"a")
    first = export_dir(tmp_path, weights, "support-ft-abc")
    assert first.parent == tmp_path / "onnx" and first.name.startswith("ft-embedder-support-ft-abc-")
    assert export_dir(tmp_path, weights, "support-ft-abc") == first  # stable
    assert export_dir(tmp_path, weights, "support-ft-def") != first  # another version
    (weights / "model.safetensors").write_bytes(b"bb")  # new weights under the old version name
    assert export_dir(tmp_path, weights, "support-ft-abc") != first
