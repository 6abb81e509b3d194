"""The real trained head on unseen headlines, the frozen held-out set, calibration, VADER, bad text."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.text_classifier import HeadClassifier, VaderClassifier, evaluate
from suite.errors import InvalidInput
from suite.risk.classifier import default_dir
from suite.risk.service import labelled_set

pytestmark = pytest.mark.slow


def test_clear_headlines_get_clear_labels(classifier):
    negative = [
        "Orion Freight shares crash after it discloses a huge accounting fraud",
        "Pinecrest Bank posts a surprise loss and suspends its dividend",
    ]
    positive = [
        "Orion Freight profit soars to a record as orders boom",
        "Pinecrest Bank beats forecasts and raises its dividend",
    ]
    results = classifier.classify(negative + positive)
    assert [r.label for r in results] == ["negative", "negative", "positive", "positive"]
    assert all(r.confidence > 0.6 and not r.low_confidence for r in results)
    assert results[0].score < -0.5 < 0.5 < results[2].score
    assert results[0].model_version.startswith("default-")


def test_trained_head_beats_vader_on_the_frozen_test_split(classifier):
    test = [r for r in labelled_set() if r["split"] == "test"]
    texts, labels = [r["headline"] for r in test], [r["label"] for r in test]
    ours = evaluate(classifier, texts, labels)
    vader = evaluate(VaderClassifier(), texts, labels)
    assert ours["n"] == len(test) >= 130
    assert ours["macro_f1"] >= 0.78
    assert ours["macro_f1"] > vader["macro_f1"] + 0.1
    assert ours["ece"] < 0.12  # temperature scaling: confidence close to accuracy
    assert np.array(ours["confusion"]).sum() == len(test)


def test_untrained_languages_and_messy_text(classifier):
    german, chinese, html, long = classifier.classify(
        [
            "Die Aktie des Konzerns fällt nach der Gewinnwarnung um zehn Prozent",
            "公司因财务造假被调查，股价暴跌",
            "<b>Acme &amp; Sons</b> profits jump to a record 🚀📈",
            "Shares slump after a profit warning. " * 140,
        ]
    )
    assert german.low_confidence and "English" in german.reason
    assert chinese.label == "negative" and chinese.model_version.startswith("zh-default-")  # the Chinese head
    assert html.text == "Acme & Sons profits jump to a record 🚀📈"
    assert html.label == "positive" and not html.low_confidence
    assert len(long.text) == 512 and long.label == "negative"
    with pytest.raises(InvalidInput, match="empty"):
        classifier.classify(["Fine headline", "   "])


def test_saved_head_reloads_identically(risk_settings, classifier):
    reloaded = HeadClassifier.load(default_dir(risk_settings), classifier.embedder)
    texts = ["Lender's bad loans rise again", "Board declares regular dividend"]
    assert np.allclose(reloaded.probabilities(texts), classifier.probabilities(texts), atol=1e-5)
    assert reloaded.model_version == classifier.model_version


def test_hub_model_name_without_internet_says_what_to_do(risk_settings, monkeypatch):
    from suite.errors import ModelUnavailable
    from suite.risk.service import current_classifier

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = risk_settings.with_(risk_model="example-org/finbert-not-here")
    with pytest.raises(ModelUnavailable, match="default model"):
        current_classifier(settings).classify(["Shares fall"])
