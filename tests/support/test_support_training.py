import json
import shutil

import pytest

from suite.errors import InvalidInput
from suite.registry.champion import set_champion
from suite.support import retrain
from suite.support.service import ask, record_feedback

pytestmark = pytest.mark.slow  # answers with the real text models and fine-tunes MiniLM


def test_retrain_needs_accepted_feedback(kb_store, tmp_path):
    answer = ask(kb_store, "How long is the warranty?")
    record_feedback(kb_store, answer, thumbs_up=True)  # still 'new': not used
    with pytest.raises(InvalidInput, match="no accepted"):
        retrain(kb_store, output_dir=tmp_path / "out")


def test_retrain_builds_a_challenger_that_serves_curated_answers_once_promoted(kb_store, tmp_path):
    questions = [
        "Does Care+ cover a camera I dropped?",
        "How do I pair the Chime C2?",
        "What battery does the door sensor use?",
        "Where is my tracking number?",
    ]
    for question in questions:
        record_feedback(kb_store, ask(kb_store, question), thumbs_up=True)
    corrected = ask(kb_store, "Can I get a refund through PayPal?")
    record_feedback(
        kb_store, corrected, thumbs_up=False, correction="PayPal refunds show in your PayPal balance the same day."
    )
    kb_store.flush()
    kb_store.execute("UPDATE feedback SET review_state = 'accepted'")

    outcome = retrain(kb_store, output_dir=tmp_path / "challenger")
    assert outcome.primary_metric == "mrr" and outcome.higher_is_better
    for metrics in (outcome.challenger_metrics, outcome.champion_metrics):
        assert 0.8 <= metrics["mrr"] <= 1.0 and 0.8 <= metrics["recall_at_5"] <= 1.0
        assert "zh_mrr" in metrics and 0.0 < metrics["threshold_en"] < 1.0
    assert set(outcome.feedback_metrics) == {"challenger", "champion"}
    # Secondary gate metric: the challenger answers the accepted correction from it, the champion does not.
    assert outcome.challenger_metrics["feedback_solved"] == 1.0 and outcome.champion_metrics["feedback_solved"] == 0.0
    assert outcome.challenger_metrics["feedback_cases"] == 1.0
    assert len(outcome.trained_on["feedback_ids"]) == 6 and outcome.trained_on["pairs"] == 5
    artifact = outcome.artifact_dir
    assert (artifact / "embedder" / "config.json").exists() and (artifact / "thresholds.json").exists()
    curated = [json.loads(line) for line in (artifact / "curated_qa.jsonl").read_text().splitlines()]
    assert curated == [
        {
            "question": "Can I get a refund through PayPal?",
            "answer": "PayPal refunds show in your PayPal balance the same day.",
            "source": "curated-answers",
        }
    ]

    # What the registry does on promotion: move the folder and point CHAMPION at it.
    shutil.move(str(artifact), kb_store.settings.models_dir / "support" / "v1")
    set_champion(kb_store.settings, "support", "v1")
    served = ask(kb_store, "Can I get a refund through PayPal?")
    assert served.model_version.startswith("support-ft-")
    assert served.answered and served.citations[0].source == "curated-answers"
    assert "same day" in served.answer
