"""The support module's demo data: the sample help center and a few feedback items for the review queue."""

from __future__ import annotations

from suite.modules import DemoReport
from suite.progress import Progress, no_progress
from suite.store import Store
from suite.support import queries, service
from suite.support.evaluation import KB_DIR

# (question, the answer a reviewer expects, thumbs up?, correction) as a customer might leave them.
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


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """Ingest sample_data/support/kb (unchanged files are skipped) and log the demo feedback once."""
    report = service.ingest_paths(store, [KB_DIR], progress=progress)
    logged = 0
    if not queries.demo_feedback_logged(store):
        for question, _, thumbs_up, correction in DEMO_FEEDBACK:
            answer = service.ask(store, question, user="demo")
            service.record_feedback(store, answer, thumbs_up=thumbs_up, correction=correction, user="demo")
            logged += 1
        store.log_event(module="support", action="demo", input_summary="demo feedback logged")
    counts = {"documents_added": len(report.added), "chunks": report.chunks, "feedback_logged": logged}
    return DemoReport("support", counts)
