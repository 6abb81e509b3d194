"""CPU-heavy calls run off the event loop, at most `api_model_concurrency` at once per module; the rest queue.

Each module has its own capacity limiter, so a burst of transcriptions never holds up support answers, and
no module gets more worker threads than its limit. Past `MAX_WAITING` queued calls a module answers "busy".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from suite.api.models import Busy

T = TypeVar("T")
MAX_WAITING = 256  # calls of one module waiting for a slot before the API says it is busy


class ModelGates:
    """`await gates.run("support", ask, store, question)` runs `ask` in a thread within support's limit."""

    def __init__(self, modules: tuple[str, ...], per_module: int) -> None:
        self.per_module = per_module
        self._limiters = {module: CapacityLimiter(per_module) for module in modules}
        self._waiting = dict.fromkeys(modules, 0)

    async def run(self, module: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        limiter = self._limiters[module]
        if self._waiting[module] >= MAX_WAITING:
            raise Busy(f"{MAX_WAITING} {module} calls are already waiting; try again in a moment.")
        self._waiting[module] += 1
        try:
            return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=limiter)
        finally:
            self._waiting[module] -= 1

    def load(self) -> dict[str, dict[str, int]]:
        """Per module: calls running and calls waiting (queued or running), for /metrics."""
        return {
            module: {"running": int(limiter.borrowed_tokens), "waiting": self._waiting[module]}
            for module, limiter in self._limiters.items()
        }
