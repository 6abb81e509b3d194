"""The module's hooks against the suite's contract, and its drift signals on logged events (no model runs)."""

from __future__ import annotations

from suite.modules import ModelStatus, hooks
from suite.transcribe.models import Segment, Transcript, TranscriptionBatch, TranscriptionFailure


def test_hooks_match_the_contract_and_report_typed_status(settings):
    module = hooks("transcribe")
    assert module.prepare(settings) is None
    statuses = module.model_status(settings)
    assert statuses and all(isinstance(s, ModelStatus) and s.module == "transcribe" for s in statuses)
    assert any(s.model == "faster-whisper tiny.en (default)" and s.on_disk for s in statuses)
    import suite.transcribe.retrain  # noqa: F401  importing the submodule must not replace the hook

    assert callable(hooks("transcribe").retrain) and hooks("transcribe").retrain.__module__ == "suite.transcribe"


def _log(store, n: int, *, words: int, duration_s: float, mean_logprob: float, days_ago: int) -> None:
    for _ in range(n):
        store.log_event(
            module="transcribe",
            action="transcribe",
            input_summary=f"drift-{days_ago}",
            output_summary={"words": words, "duration_s": duration_s, "mean_logprob": mean_logprob},
        )
    store.flush(wait_s=2.0)
    store.execute("UPDATE events SET ts = ts - to_days(CAST(? AS INTEGER)) WHERE input_summary = ?",
                  [days_ago, f"drift-{days_ago}"])  # fmt: skip


def test_drift_compares_confidence_and_speaking_rate(store):
    drift = hooks("transcribe").drift
    assert [s.level for s in drift(store, recent_days=7, reference_days=60)] == ["not enough data"] * 2
    for i in range(6):  # a steady reference month: ~150 words per minute, log-probability about -0.3
        _log(store, 1, words=75 + i, duration_s=30.0, mean_logprob=-0.3 - i / 100, days_ago=20 + i)
    for i in range(6):  # this week: the model is much less sure, people speak at the same pace
        _log(store, 1, words=75 + i, duration_s=30.0, mean_logprob=-0.9 - i / 100, days_ago=1 + i % 3)
    confidence, pace = drift(store, recent_days=7, reference_days=60)
    assert confidence.signal.startswith("mean log-probability") and confidence.level == "drifting"
    assert confidence.n_recent == 6 and confidence.n_reference == 6 and confidence.change < 0
    assert pace.signal == "words per minute" and pace.level == "stable" and pace.reference == "155.000"


def test_results_serialise_with_one_name_for_the_file():
    transcript = Transcript("t1", "call.wav", "hello there", (Segment(0.0, 1.2, "hello there"),))
    data = transcript.as_dict()
    assert data["file_name"] == "call.wav" and "file" not in data
    assert data["segments"] == [{"start": 0.0, "end": 1.2, "text": "hello there", "speaker": None, "words": []}]
    assert transcript.current_text == "hello there"
    failure = TranscriptionFailure("x.mp3", "the file is empty.")
    assert failure.sentence() == "x.mp3: the file is empty."
    batch = TranscriptionBatch((transcript,), (failure,))
    assert batch.as_dict()["failures"] == [{"file_name": "x.mp3", "reason": "the file is empty."}]
