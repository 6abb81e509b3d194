"""The API process's warm-up: `suite.warmup` (each module's `service.warm_up`), before /v1/ready turns green.

A module whose model cannot load (or whose data is missing, e.g. the recommender not built yet) is reported in
the readiness body with the reason; the others still warm, and its calls answer with that reason.
"""

from __future__ import annotations

from suite import warmup
from suite.api.models import Readiness
from suite.store import Store, now
from suite.warmup import silence_wav

__all__ = ["silence_wav", "warm_up"]


def _word(warmth: warmup.ModuleWarmth) -> str:
    """The readiness body's word for a module: "warm", "waiting" or "not warm: <reason>"."""
    if warmth.state == warmup.READY:
        return "warm"
    if warmth.state == warmup.FAILED:
        return f"not warm: {warmth.detail}"
    return "waiting"


def warm_up(store: Store, readiness: Readiness, steps: dict[str, warmup.Step] | None = None) -> Readiness:
    """Run every module's warm-up; `readiness` is updated as each one ends (the endpoint reads it live)."""
    readiness.started_at = now()

    def copy(state: warmup.WarmupState) -> None:
        readiness.modules = {module: _word(warmth) for module, warmth in state.modules.items()}

    warmup.run(store.settings, store, steps=steps, on_change=copy)
    readiness.finished_at = now()
    readiness.ready = True
    return readiness
