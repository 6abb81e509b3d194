"""One feedback item of every kind a module writes, with the values the modules really store (see each module's
`record_feedback`/`review_box`/`save_correction`/`act_on_alert`/`correct_label`), and real kept media files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "sample_data" / "inspect" / "defects" / "images" / "test" / "test_001.jpg"
AUDIO = ROOT / "sample_data" / "transcribe" / "delivery_clipped.wav"
ORDER = ("thumbs", "correction", "box", "transcript", "dismiss", "tone", "alert")  # oldest first
MODEL_HASH = "default-2fed9a1d5c"


def _kept(store, module: str, source: Path) -> Path:
    """A copy where the module keeps what it checked or transcribed (inside SUITE_HOME)."""
    kept = store.settings.module_dir(module) / "kept" / source.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(source.read_bytes())
    return kept


def seed_all_kinds(store) -> dict[str, str]:
    """Seven new feedback items, one per kind, written in ORDER; returns name -> feedback id."""
    rid = store.log_event(module="support", action="ask", input_summary="How do I get a refund?")
    answer = {
        "question": "How do I get a refund?",
        "answer": "Refunds take 30 days.",
        "answered": True,
        "confidence": 0.71,
        "citations": [{"source": "refunds.md", "title": "Refunds", "heading": "", "score": 0.67, "passage": "..."}],
    }
    image, audio = _kept(store, "inspect", IMAGE), _kept(store, "transcribe", AUDIO)
    rows = {
        "thumbs": ("support", "thumbs", {**answer, "thumbs": "down"}),
        "correction": ("support", "correction", {**answer, "correction": "Refunds take 5 working days."}),
        "box": (
            "inspect",
            "confirm",
            {
                "result_id": "r1",
                "image_name": "test_001.jpg",
                "image_path": str(image),
                "image_size": [256, 256],
                "verdict": "REVIEW",
                "model_version": MODEL_HASH,
                "box": [200, 5, 255, 60],
                "class": "scratch",
                "confidence": 0.4123,
                "action": "confirm",
                "summary": "test_001.jpg: scratch box confirmed (41% sure)",
            },
        ),
        "transcript": (
            "transcribe",
            "correction",
            {
                "transcript_id": "t1",
                "file": "delivery.wav",
                "audio_path": str(audio),
                "model": f"faster-whisper tiny.en {MODEL_HASH}",
                "original_text": "the parcel will arrive on tuesday",
                "corrected_text": "The parcel will arrive on Thursday.",
            },
        ),
        "dismiss": (
            "recommend",
            "dismiss",
            {
                "user_id": "U17",
                "item_id": "P9",
                "title": "Baby wipes",
                "category": "Baby",
                "answer": "not interested",
                "reason_shown": "Popular this week",
                "score": 0.8,
                "position": 3,
                "list_shown": ["P1", "P9"],
                "model_version": MODEL_HASH,
                "context": "Shown to shopper U17 as pick #3",
            },
        ),
        "tone": (
            "risk",
            "correction",
            {
                "headline_id": "h1",
                "headline": "Acme shares slump after recall",
                "model_label": "neutral",
                "model_confidence": 0.62,
                "model_version": MODEL_HASH,
                "corrected_label": "negative",
            },
        ),
        "alert": (
            "risk",
            "false_alarm",
            {
                "alert_id": "ACME-2026-11-03",
                "ticker": "ACME",
                "company": "Acme Corp",
                "day": "2026-11-03",
                "severity": "high",
                "reason": "Tone fell well below normal",
                "headlines": ["Acme recalls vans"],
                "note": "",
            },
        ),
    }
    ids = {}
    for name in ORDER:
        module, kind, value = rows[name]
        request = rid if module == "support" else None
        ids[name] = store.log_feedback(module=module, kind=kind, value=value, request_id=request, user="carol")
    store.flush()
    return ids
