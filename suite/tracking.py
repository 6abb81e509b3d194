"""Log an `events` row around any pipeline or module call, with no logging code in the pages.

Example:
    >>> with track(store, module="support", action="ask", input_summary=question) as call:
    ...     answer = bot.ask(question)
    ...     call.record(answer)                 # model name/version/device read off the result
    ...     call.output = {"answered": answer.answered}
    >>> call.request_id
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from suite.store import Store, new_id

logger = logging.getLogger(__name__)


@dataclass
class TrackedCall:
    """What a tracked call reports about itself; filled in by the code inside `track`."""

    request_id: str = field(default_factory=new_id)
    model_name: str | None = None
    model_version: str | None = None
    device: str | None = None
    output: Any = None

    def record(self, result: Any) -> None:
        """Take model_name / model_version / device from a pipeline result (or model) that has them."""
        for name in ("model_name", "model_version", "device"):
            value = getattr(result, name, None)
            if value is not None:
                setattr(self, name, str(value))


@contextmanager
def track(
    store: Store | None,
    *,
    module: str,
    action: str,
    user: str | None = None,
    input_summary: str | None = None,
    request_id: str | None = None,
) -> Iterator[TrackedCall]:
    """Time the block and log it as one event: status ok, or error with the message (then re-raise)."""
    call = TrackedCall(request_id=request_id or new_id())
    started = time.perf_counter()
    status, error = "ok", None
    try:
        yield call
    except BaseException as err:
        status, error = "error", f"{type(err).__name__}: {err}"
        raise
    finally:
        if store is not None:
            try:
                store.log_event(
                    request_id=call.request_id,
                    module=module,
                    action=action,
                    status=status,
                    error=error,
                    user=user,
                    model_name=call.model_name,
                    model_version=call.model_version,
                    device=call.device,
                    latency_ms=(time.perf_counter() - started) * 1000.0,
                    input_summary=input_summary,
                    output_summary=call.output,
                )
            except Exception:  # logging must never break the user's request
                logger.exception("could not log %s/%s", module, action)
