"""What the worker does besides training, on its loop: each module's `housekeep` hook, and the privacy purge.

Modules do their own chores through the optional `housekeep(store)` hook of `suite.modules` (risk: deliver the
alert webhook outbox), so the jobs package never imports a business module. `suite.privacy.purge_expired(store,
settings)` runs too when that module exists (it is optional: an older checkout has none). A chore that fails is
logged and tried again on the next round; it never stops the worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from suite.modules import housekeepers
from suite.store import Store

logger = logging.getLogger(__name__)

HOUSEKEEP_EVERY_S = 15.0  # module chores (the outbox's first retry is due 30 s after a failed attempt)
PURGE_EVERY_S = 600.0  # the privacy purge (retention is counted in days; no need to scan more often)


def privacy_purge() -> Callable[..., Any] | None:
    """`suite.privacy.purge_expired` if this checkout has it, else None."""
    try:
        from suite.privacy import purge_expired  # type: ignore[import-not-found]
    except (ImportError, AttributeError):
        return None
    return purge_expired


def housekeep(store: Store, *, purge: bool = True) -> dict[str, Any]:
    """Run every module's chores once (and the privacy purge with `purge`); returns what each reported."""
    report: dict[str, Any] = {}
    for key, chore in housekeepers().items():
        try:
            report[key] = chore(store)
        except Exception as err:  # one module's chore never stops the others or the worker
            logger.exception("housekeeping of %s failed; tried again on the next round", key)
            report[key] = {"error": f"{type(err).__name__}: {err}"}
    purge_expired = privacy_purge() if purge else None
    if purge_expired is not None:
        try:
            report["privacy"] = purge_expired(store, store.settings)
        except Exception as err:
            logger.exception("privacy purge failed; tried again on the next round")
            report["privacy"] = {"error": f"{type(err).__name__}: {err}"}
    if any(value for value in report.values()):
        logger.info("housekeeping: %s", report)
    return report


class Housekeeper:
    """Runs `housekeep` when it is due: module chores every `every_s`, the privacy purge every `purge_every_s`."""

    def __init__(self, store: Store, *, every_s: float = HOUSEKEEP_EVERY_S, purge_every_s: float = PURGE_EVERY_S):
        self.store, self.every_s, self.purge_every_s = store, every_s, purge_every_s
        self._last = self._last_purge = float("-inf")

    def run_if_due(self) -> dict[str, Any] | None:
        moment = time.monotonic()
        if moment - self._last < self.every_s:
            return None
        self._last = moment
        purge = moment - self._last_purge >= self.purge_every_s
        if purge:
            self._last_purge = moment
        return housekeep(self.store, purge=purge)
