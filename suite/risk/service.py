"""The risk module's public functions: what pages, the CLI and the API call. Results are `suite.risk.models`.

Nothing else in `suite.risk` is imported from outside the module (the hooks are in `suite.risk`).

Example:
    >>> alerts = list_alerts(store, since="2025-03-01")
    >>> act_on_alert(store, alerts[0].alert_id, "acknowledge", user="ana").state
    'acknowledged'
"""

from __future__ import annotations

from collections.abc import Mapping

from pipelines.text_classifier import LABELS
from suite.errors import InvalidInput
from suite.risk.alerts import ACTIONS, SNOOZE_DAYS, act_on_alert, correct_label, list_alerts
from suite.risk.backtest import CATCH_DAYS
from suite.risk.backtest import backtest_store as backtest
from suite.risk.classifier import current_classifier, current_thresholds, labelled_set
from suite.risk.demo import load_demo, template_truth
from suite.risk.ingest import ingest, ingest_file, ingest_folder, load_prices, upsert_watchlist
from suite.risk.models import HeadlineTone, IngestReport
from suite.risk.retrain import Z_MAX_EXTRA, Z_STEP
from suite.risk.views import BEFORE_DAYS, RECENT_DAYS, SMOOTH_DAYS, TREND_DAYS, company_view, watchlist_overview
from suite.store import Store
from suite.tracking import track
from suite.uploads import check_upload

__all__ = [
    "ACTIONS",
    "BEFORE_DAYS",
    "CATCH_DAYS",
    "LABELS",
    "RECENT_DAYS",
    "SMOOTH_DAYS",
    "SNOOZE_DAYS",
    "TREND_DAYS",
    "UPLOAD_TYPES",
    "Z_MAX_EXTRA",
    "Z_STEP",
    "act_on_alert",
    "backtest",
    "classify",
    "company_view",
    "correct_label",
    "correct_labels",
    "current_classifier",
    "current_thresholds",
    "ingest",
    "ingest_file",
    "ingest_folder",
    "ingest_upload",
    "labelled_set",
    "list_alerts",
    "load_demo",
    "load_prices",
    "template_truth",
    "upsert_watchlist",
    "watchlist_overview",
]

UPLOAD_TYPES = (".csv", ".json", ".jsonl")  # what the page's uploader and the watched folder accept


def classify(store: Store, texts: list[str], *, user: str | None = None) -> list[HeadlineTone]:
    """Tone of each headline with the served model (logged as one `classify` event)."""
    if not texts:
        raise InvalidInput("Give one or more headlines to classify.")
    classifier = current_classifier(store.settings)
    with track(store, module="risk", action="classify", user=user, input_summary=texts[0][:200]) as call:
        results = classifier.classify(list(texts))
        call.record(classifier)
        call.output = {"headlines": len(results)}
    return [
        HeadlineTone(r.text, r.label, r.confidence, r.score, r.low_confidence, r.reason, r.model_version)
        for r in results
    ]


def ingest_upload(store: Store, file_name: str, data: bytes, *, user: str | None = None) -> IngestReport:
    """An uploaded headlines file: checked like every upload (type, size), then `ingest`ed row by row."""
    shown = check_upload(file_name, data, allowed=UPLOAD_TYPES)
    return ingest(store, data, shown, user=user)


def correct_labels(store: Store, corrections: Mapping[str, str], *, user: str | None = None) -> list[str]:
    """Several label corrections ({headline_id: label}) at once; returns the feedback ids."""
    return [correct_label(store, headline_id, label, user=user) for headline_id, label in corrections.items()]
