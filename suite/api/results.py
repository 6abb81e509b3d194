"""Results the API gave that feedback can refer to later by `request_id` (support answers, recommendation lists).

The module's feedback functions take the result itself (the `Answer`, the `RecommendationList` shown), as
the pages do. The API keeps each such result (journaled, so a busy database never loses it) and rebuilds the
dataclass when feedback names its request id, in whichever worker process the feedback arrives.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import types
import typing
from collections import OrderedDict
from typing import Any, TypeVar

from suite.api import queries
from suite.errors import NotFound
from suite.store import Store, from_json

T = TypeVar("T")
RECENT = 2_000  # results kept in memory per process (feedback usually follows within minutes)
WAIT_S = 2.0  # how long to wait for a result another worker process gave to reach the database
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")  # what `suite.store.new_id` makes


class Results:
    def __init__(self, store: Store, *, wait_s: float = WAIT_S) -> None:
        self.store = store
        self.wait_s = wait_s
        self._recent: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, kind: str, module: str, owner: str, result: Any) -> None:
        """Keep `result` (a dataclass with a `request_id`) for later feedback."""
        request_id = result.request_id
        with self._lock:
            self._recent[(kind, request_id)] = result
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        queries.remember_result(self.store, request_id, module, kind, owner, dataclasses.asdict(result))

    def recall(self, kind: str, request_id: str, cls: type[T], missing: str) -> T:
        """The result of that kind given with `request_id`.

        Raises:
            NotFound: `missing` (no such result was given by this API).
        """
        with self._lock:
            found = self._recent.get((kind, request_id))
        if found is not None:
            return found
        if not isinstance(request_id, str) or not _REQUEST_ID.fullmatch(request_id):
            raise NotFound(missing)
        deadline = time.monotonic() + self.wait_s
        while True:
            row = queries.result_row(self.store, request_id, kind)
            if row is not None:
                return rebuild(cls, from_json(row["result"]))
            if time.monotonic() > deadline:
                raise NotFound(missing)
            time.sleep(0.25)


def rebuild(cls: type[T], data: dict[str, Any]) -> T:
    """A dataclass from `dataclasses.asdict` output (nested dataclasses, lists and tuples of them)."""
    hints = typing.get_type_hints(cls)
    values = {f.name: _value(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.name in data}
    return cls(**values)


def _value(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(kind) and isinstance(value, dict):
        return rebuild(kind, value)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _value(inner[0], value) if len(inner) == 1 else value
    if origin in (list, tuple) and args and isinstance(value, list):
        items = [_value(args[0], item) for item in value]
        return tuple(items) if origin is tuple else items
    return value
