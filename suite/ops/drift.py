"""Is incoming work changing? Every module's own drift signals, side by side.

Each module knows which label and score its results carry, so each reports its signals through its
`drift` hook (measured with `suite.drift`, where the thresholds live); this only gathers them.
"""

from __future__ import annotations

from suite.drift import DriftSignal
from suite.modules import all_hooks
from suite.store import Store

RECENT_DAYS = 7  # the period looked at ...
REFERENCE_DAYS = 60  # ... against the weeks before it


def drift(store: Store, recent_days: int = RECENT_DAYS, reference_days: int = REFERENCE_DAYS) -> list[DriftSignal]:
    """The drift signals of every module, in catalogue order."""
    signals: list[DriftSignal] = []
    for module in all_hooks().values():
        signals.extend(module.drift(store, recent_days=recent_days, reference_days=reference_days))
    return signals
