"""The risk module's public functions: what pages, the CLI and the API call. Results are `suite.risk.models`.

Nothing else in `suite.risk` is imported from outside the module (the hooks are in `suite.risk`).

Example:
    >>> alerts = list_alerts(store, since="2025-03-01")
    >>> act_on_alert(store, alerts[0].alert_id, "acknowledge", user="ana").state
    'acknowledged'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from pipelines.text_classifier import LABELS, clean_text
from suite.auth.trail import audited
from suite.errors import InvalidInput
from suite.risk import alerts as _alerts
from suite.risk import demo as _demo
from suite.risk import ingest as _ingest
from suite.risk.alerts import ACTIONS, SNOOZE_DAYS, list_alerts
from suite.risk.backtest import CATCH_DAYS
from suite.risk.backtest import backtest_store as backtest
from suite.risk.classifier import current_classifier, current_thresholds, labelled_set, served_classifier
from suite.risk.demo import template_truth
from suite.risk.display import (
    HIGH_BAD_HEADLINES,
    LABEL_WORDS,
    MEDIUM_BAD_HEADLINES,
    AlertFacts,
    HeadlineCheck,
    alert_facts,
    check_headline,
    upload_headlines,
)
from suite.risk.ingest import accepted_file, load_prices, upsert_watchlist
from suite.risk.models import HeadlineTone, ImportRecord, IngestReport
from suite.risk.outbox import MAX_ATTEMPTS, RETRY_DELAYS_S, deliver_pending, deliveries
from suite.risk.parsing import read_lines
from suite.risk.queries import imports
from suite.risk.retrain import Z_MAX_EXTRA, Z_STEP
from suite.risk.views import BEFORE_DAYS, RECENT_DAYS, SMOOTH_DAYS, TREND_DAYS, company_view, watchlist_overview
from suite.risk.webhook import configured_url as check_webhook
from suite.settings import Settings
from suite.store import Store
from suite.tracking import track
from suite.uploads import check_upload

__all__ = [
    "ACTIONS",
    "HIGH_BAD_HEADLINES",
    "LABEL_WORDS",
    "MEDIUM_BAD_HEADLINES",
    "AlertFacts",
    "HeadlineCheck",
    "alert_facts",
    "check_headline",
    "upload_headlines",
    "BEFORE_DAYS",
    "CATCH_DAYS",
    "LABELS",
    "MAX_ATTEMPTS",
    "MAX_CLASSIFY",
    "RETRY_DELAYS_S",
    "RECENT_DAYS",
    "SMOOTH_DAYS",
    "SNOOZE_DAYS",
    "TREND_DAYS",
    "UPLOAD_TYPES",
    "Z_MAX_EXTRA",
    "Z_STEP",
    "act_on_alert",
    "backtest",
    "check_webhook",
    "classify",
    "company_view",
    "correct_label",
    "correct_labels",
    "current_classifier",
    "current_thresholds",
    "deliver_pending",
    "deliveries",
    "ingest",
    "ingest_file",
    "ingest_folder",
    "ingest_upload",
    "labelled_set",
    "list_alerts",
    "load_demo",
    "load_prices",
    "read_headlines",
    "recent_imports",
    "template_truth",
    "upsert_watchlist",
    "watchlist_overview",
    "webhook_problem",
]

UPLOAD_TYPES = (".csv", ".json", ".jsonl", ".gz")  # the page's uploader; .gz = a gzipped .csv/.json/.jsonl
MAX_CLASSIFY = 10_000  # headlines in one `classify` call; files of more go through `ingest`
_ALERT_ACTIONS = {"acknowledge": "alerts.acknowledge", "false_alarm": "alerts.dismiss", "snooze": "alerts.snooze"}

# the state-changing functions of other files, checked and audited here (suite.auth.trail.audited)
act_on_alert = audited(lambda a: _ALERT_ACTIONS.get(a["action"], "alerts.reopen"), target="alert_id")(
    _alerts.act_on_alert
)
correct_label = audited("risk.correct", target="headline_id")(_alerts.correct_label)
ingest = audited("risk.ingest", target="file_name")(_ingest.ingest)
ingest_file = audited("risk.ingest", target="path")(_ingest.ingest_file)
ingest_folder = audited("risk.ingest", target="folder")(_ingest.ingest_folder)
load_demo = audited("demo.load", target=lambda a: "risk")(_demo.load_demo)


@audited("risk.classify")
def classify(store: Store, texts: list[str], *, user: str | None = None) -> list[HeadlineTone]:
    """Tone of each headline with the served model (logged as one `classify` event)."""
    if not texts:
        raise InvalidInput("Give one or more headlines to classify.")
    if len(texts) > MAX_CLASSIFY:
        raise InvalidInput(f"{len(texts):,} headlines are too many at once (at most {MAX_CLASSIFY:,}); ingest a file.")
    if any(not isinstance(t, str) for t in texts):
        raise InvalidInput("Each headline must be text.")
    empty = [number for number, text in enumerate(texts, start=1) if not clean_text(text)]
    if empty:  # refused before the model loads (or is trained on a first run)
        raise InvalidInput(f"Headline number(s) {empty[:10]} are empty; give some text to classify.")
    classifier = served_classifier(store.settings)
    with track(store, module="risk", action="classify", user=user, input_summary=texts[0][:200]) as call:
        results = classifier.classify(list(texts))
        call.record(classifier)
        call.output = {"headlines": len(results)}
    return [
        HeadlineTone(r.text, r.label, r.confidence, r.score, r.low_confidence, r.reason, r.model_version)
        for r in results
    ]


def read_headlines(path: str | Path) -> list[str]:
    """The headlines of a text file with one per line (any common encoding), for `classify`."""
    return read_lines(path)


@audited("risk.ingest", target="file_name")
def ingest_upload(store: Store, file_name: str, data: bytes, *, user: str | None = None) -> IngestReport:
    """An uploaded headlines file: checked like every upload (type, size), then `ingest`ed row by row."""
    shown = check_upload(file_name, data, allowed=UPLOAD_TYPES)
    if not accepted_file(shown):
        raise InvalidInput(f"{shown}: a gzipped file must be a .csv.gz, .json.gz or .jsonl.gz.")
    return ingest(store, data, shown, user=user)


def recent_imports(store: Store, *, limit: int = 20) -> list[ImportRecord]:
    """The latest imports (uploads, the watched folder, the CLI), newest first, with files refused as a whole."""
    fields = {f.name for f in dataclasses.fields(ImportRecord)}
    return [ImportRecord(**{k: v for k, v in row.items() if k in fields}) for row in imports(store, limit=limit)]


def webhook_problem(settings: Settings) -> str:
    """Why `SUITE_ALERT_WEBHOOK` cannot be used (one line), or '' when it is fine or not set."""
    try:
        check_webhook(settings)
    except InvalidInput as err:
        return str(err)
    return ""


@audited("risk.correct")
def correct_labels(store: Store, corrections: Mapping[str, str], *, user: str | None = None) -> list[str]:
    """Several label corrections ({headline_id: label}) at once; returns the feedback ids."""
    return [correct_label(store, headline_id, label, user=user) for headline_id, label in corrections.items()]


# -- warm-up (suite.warmup) ---------------------------------------------------------------------------------
def warm_up(settings: Settings, store: Store) -> None:
    """Load the served headline classifier (training the default head on a first run) and classify one
    headline, so the first headlines after start are scored at once; nothing is logged."""
    served_classifier(settings).classify(["Markets steady ahead of quarterly earnings"])
