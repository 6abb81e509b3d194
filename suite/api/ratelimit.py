"""A token bucket per API token: `rate_per_minute` calls a minute on average, bursts up to the same number.

Buckets live in the process: with `--workers N` each worker keeps its own, so a token may make up to N times
the rate across all of them (the kernel spreads connections over the workers).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from suite.api.models import RateLimited

MAX_BUCKETS = 100_000  # idle full buckets are dropped past this many


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """`check(key)` takes one token from `key`'s bucket or raises RateLimited with the wait.

    Example:
        >>> limiter = RateLimiter(rate_per_minute=60)
        >>> limiter.check("token-1")  # fine; the 61st call within a second raises RateLimited
    """

    def __init__(self, rate_per_minute: int, *, clock=time.monotonic) -> None:
        self.capacity = float(rate_per_minute)
        self.per_second = rate_per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one call from `key`'s bucket.

        Raises:
            RateLimited: the bucket is empty; `retry_after_s` is when the next call is allowed.
        """
        at = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_BUCKETS:
                    self._forget_full(at)
                bucket = self._buckets[key] = _Bucket(self.capacity, at)
            bucket.tokens = min(self.capacity, bucket.tokens + (at - bucket.stamp) * self.per_second)
            bucket.stamp = at
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = (1.0 - bucket.tokens) / self.per_second
        raise RateLimited(
            f"This token made more than {self.capacity:g} calls in a minute; try again in {wait:.1f} s.", wait
        )

    def _forget_full(self, at: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (at - b.stamp) * self.per_second >= self.capacity]
        for key in full:
            del self._buckets[key]
