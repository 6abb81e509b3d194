"""retrain: accepted corrections join training, the held-out set stays frozen, false alarms tune thresholds."""

from __future__ import annotations

import json
import shutil

import pytest

from suite.registry.champion import set_champion
from suite.risk import retrain
from suite.risk.classifier import default_dir
from suite.risk.service import current_classifier, current_thresholds, labelled_set

pytestmark = pytest.mark.slow


def _accepted(store, kind, value):
    feedback_id = store.log_feedback(module="risk", kind=kind, value=value, user="ana")
    store.flush(wait_s=5)
    store.execute("UPDATE feedback SET review_state = 'accepted' WHERE feedback_id = ?", [feedback_id])
    return feedback_id


def test_retrain_uses_accepted_feedback_and_evaluates_both_models(store, risk_settings, tmp_path):
    held_out = next(r for r in labelled_set() if r["split"] == "test")
    new_case = "Fennwick says the steering recall will be far costlier than planned"
    used = _accepted(
        store, "correction", {"headline": new_case, "model_label": "neutral", "corrected_label": "negative"}
    )
    _accepted(store, "correction", {"headline": held_out["headline"], "corrected_label": held_out["label"]})
    store.log_feedback(
        module="risk", kind="correction", value={"headline": "Unreviewed", "corrected_label": "positive"}
    )
    for _ in range(2):
        _accepted(store, "false_alarm", {"alert_id": "FNWK-2025-06-01", "ticker": "FNWK", "headlines": []})

    outcome = retrain(store, output_dir=tmp_path / "challenger")

    assert outcome.primary_metric == "macro_f1" and outcome.higher_is_better
    assert outcome.challenger_metrics["macro_f1"] >= 0.78
    assert outcome.champion_metrics["n"] == outcome.challenger_metrics["n"] == 138
    assert abs(outcome.improvement()) < 0.1
    assert outcome.trained_on["feedback_ids"] == [used]
    assert outcome.trained_on["false_alarms"] == {"FNWK": 2}
    assert set(outcome.feedback_metrics) == {"challenger", "champion"}
    assert "held-out" in outcome.notes and "FNWK to 3.5" in outcome.notes
    thresholds = json.loads((tmp_path / "challenger" / "thresholds.json").read_text())
    assert thresholds["per_company_z"] == {"FNWK": 3.5}

    # Nothing changes for users until the registry promotes the challenger.
    assert current_classifier(risk_settings).model_version.startswith("default-")
    assert current_thresholds(risk_settings).z_for("FNWK") == 2.5
    promoted = risk_settings.models_dir / "risk" / "v2"
    shutil.copytree(tmp_path / "challenger", promoted)
    set_champion(risk_settings, "risk", "v2")
    served = current_classifier(risk_settings)
    assert served.model_version == (promoted / "VERSION").read_text().strip()
    assert served.classify([new_case])[0].label == "negative"
    assert current_thresholds(risk_settings).z_for("FNWK") == 3.5
    assert (default_dir(risk_settings) / "head.npz").exists()
