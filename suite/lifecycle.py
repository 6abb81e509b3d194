"""Suite-wide actions that fan out to every module: prepare models, load demo data, report status."""

from __future__ import annotations

import logging
from typing import Any

from pipelines.device import resolve_device
from suite import __version__
from suite.modules import MODULES, hook
from suite.progress import Progress, no_progress
from suite.settings import Settings
from suite.store import Store

logger = logging.getLogger(__name__)


def prepare_models(settings: Settings, progress: Progress = no_progress) -> list[str]:
    """Make sure every default model is on disk (from bundled packages or trained from sample_data/).

    Returns the keys of the modules that have a `prepare` hook, in the order they ran.
    """
    prepared = []
    from pipelines.embedder import load_embedder

    progress(0, len(MODULES) + 1, "text embedder")
    load_embedder(settings.embedder_model or None, settings.device)
    for done, info in enumerate(MODULES, start=1):
        prepare = hook(info.key, "prepare")
        progress(done, len(MODULES) + 1, info.title)
        if prepare is not None:
            prepare(settings, progress=_within(progress, done, len(MODULES) + 1, info.title))
            prepared.append(info.key)
    progress(len(MODULES) + 1, len(MODULES) + 1, "ready")
    return prepared


def _within(progress: Progress, step: int, steps: int, title: str) -> Progress:
    """Show a module's own progress as a fraction of its step in the overall bar."""

    def update(done: float, total: float, message: str = "") -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        progress(step + fraction, steps, f"{title}: {message}" if message else title)

    return update


def load_demo(store: Store, progress: Progress = no_progress) -> dict[str, Any]:
    """Load every module's sample data into the store; returns what each module loaded."""
    loaded: dict[str, Any] = {}
    for done, info in enumerate(MODULES):
        loader = hook(info.key, "load_demo")
        progress(done, len(MODULES), info.title)
        loaded[info.key] = loader(store) if loader is not None else "not available yet"
    progress(len(MODULES), len(MODULES), "done")
    store.log_event(module="suite", action="load_demo", output_summary=loaded)
    return loaded


def status_report(settings: Settings, store: Store) -> dict[str, Any]:
    """Device, models on disk with their versions, and row counts: what `suite status --json` prints."""
    models: list[dict[str, Any]] = []
    for info in MODULES:
        model_status = hook(info.key, "model_status")
        if model_status is not None:
            models.extend({"module": info.key, **entry} for entry in model_status(settings))
    from pipelines.embedder import BUNDLED_MODEL, bundled_model_path

    embedder_path = bundled_model_path()
    models.insert(
        0,
        {
            "module": "shared",
            "model": BUNDLED_MODEL,
            "version": "bundled-0.1.0",
            "path": str(embedder_path),
            "on_disk": embedder_path.exists(),
        },
    )
    champions = store.query(
        "SELECT module, version, created_at FROM model_versions WHERE status = 'champion' ORDER BY module"
    )
    return {
        "suite_version": __version__,
        "device": resolve_device(settings.device),
        "home": str(settings.home.resolve()),
        "database": str(settings.db_path.resolve()),
        "models": models,
        "champions": champions,
        "counts": store.counts(),
        "journal_pending_files": len(store.journal.ready_files()),
    }
