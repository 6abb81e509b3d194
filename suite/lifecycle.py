"""Suite-wide actions that fan out to every module: prepare models, load demo data, report status."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pipelines.device import resolve_device
from suite import __version__
from suite.auth.trail import audited
from suite.modules import MODULES, DemoReport, ModelStatus, hooks
from suite.progress import Progress, no_progress, within
from suite.settings import Settings
from suite.store import Store, now

logger = logging.getLogger(__name__)


def prepare_models(settings: Settings, progress: Progress = no_progress) -> list[str]:
    """Make sure every default model is on disk (from bundled packages or trained from sample_data/).

    Returns the keys of the modules prepared, in the order they ran.
    """
    from pipelines.embedder import load_embedder

    steps = len(MODULES) + 1
    progress(0, steps, "text embedder")
    load_embedder(settings.embedder_model or None, settings.device)
    for done, info in enumerate(MODULES, start=1):
        progress(done, steps, info.title)
        hooks(info.key).prepare(settings, within(progress, done, steps, info.title))
    progress(steps, steps, "ready")
    return [info.key for info in MODULES]


@audited("demo.load", target=lambda a: "every module")
def load_demo(store: Store, progress: Progress = no_progress) -> list[DemoReport]:
    """Leave every module ready to use with the sample data, and a few weeks of history ending today.

    Steps: every default model on disk (`prepare_models`: the recommender is built, the inspection and risk
    models are in place), each module's `load_demo` (its sample data, with dates moved to end today, and a few
    real calls and feedback items), then `suite.demo.history` spreads those calls and that feedback over the
    weeks before today. A repeat whose inputs have not changed (same fingerprint, data still in the store)
    returns the first load's reports at once. No usage event of its own: the usage charts show the five modules.
    """
    from suite import demo
    from suite.demo import history

    started, began = time.monotonic(), now()
    progress(0, 1, "checking what is loaded")
    before = demo.fingerprint(_model_fingerprint(store.settings))
    reports = demo.loaded(store, before)
    if reports is not None:
        progress(1, 1, "already loaded, nothing changed")
        return [DemoReport(r.module, {}, "already loaded, nothing changed") for r in reports]
    steps = len(MODULES) + 2
    prepare_models(store.settings, within(progress, 0, steps, "models"))
    reports = []
    for done, info in enumerate(MODULES, start=1):
        reports.append(hooks(info.key).load_demo(store, within(progress, done, steps, info.title)))
    progress(steps - 1, steps, "history of the last weeks")
    spread = history.spread(store, began)
    reports = [DemoReport(r.module, {**r.counts, "past_uses": spread.get(r.module, 0)}, r.note) for r in reports]
    demo.record(store, demo.fingerprint(_model_fingerprint(store.settings)), reports, time.monotonic() - started)
    progress(steps, steps, "done")
    return reports


def _model_fingerprint(settings: Settings) -> list[dict[str, Any]]:
    return [
        {"module": m.module, "model": m.model, "version": m.version, "on_disk": m.on_disk}
        for m in model_statuses(settings)
    ]


@dataclass(frozen=True)
class StatusReport:
    """What `suite status --json` prints: device, models on disk with their versions, and row counts."""

    suite_version: str
    device: str
    home: str
    database: str
    models: list[ModelStatus]
    champions: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    journal_pending_files: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "models": [m.as_dict() for m in self.models]}


def model_statuses(settings: Settings) -> list[ModelStatus]:
    """Every model the suite serves, the shared embedder first."""
    from pipelines.embedder import BUNDLED_MODEL, bundled_model_path

    embedder_path = bundled_model_path()
    models = [ModelStatus("shared", BUNDLED_MODEL, "bundled-0.1.0", str(embedder_path), embedder_path.exists())]
    for info in MODULES:
        models.extend(hooks(info.key).model_status(settings))
    return models


def status_report(settings: Settings, store: Store) -> StatusReport:
    champions = store.query(
        "SELECT module, version, created_at FROM model_versions WHERE status = 'champion' ORDER BY module"
    )
    return StatusReport(
        suite_version=__version__,
        device=resolve_device(settings.device),
        home=str(settings.home.resolve()),
        database=str(settings.db_path.resolve()),
        models=model_statuses(settings),
        champions=champions,
        counts=store.counts(),
        journal_pending_files=len(store.journal.ready_files()),
    )
