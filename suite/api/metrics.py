"""`/metrics` in the Prometheus text format: calls and latency per endpoint, the model versions served.

With several worker processes (`suite api --workers N`) the command line points PROMETHEUS_MULTIPROC_DIR at a
fresh folder, and every worker's counts are added up in each scrape.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from suite.settings import Settings

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
STATUS_CACHE_S = 15.0


class _ModelVersions(Collector):
    """`suite_model_info{module, model, version}` = 1 for every model the suite serves now (read at scrape)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cached: tuple[float, list] = (0.0, [])
        self._lock = threading.Lock()

    def _statuses(self) -> list:
        from suite.lifecycle import model_statuses

        with self._lock:
            if time.monotonic() - self._cached[0] > STATUS_CACHE_S:
                self._cached = (time.monotonic(), model_statuses(self.settings))
            return self._cached[1]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "suite_model_info", "Models served now (1: on disk).", labels=["module", "model", "version"]
        )
        for status in self._statuses():
            family.add_metric([status.module, status.model, status.version or "none"], 1.0 if status.on_disk else 0.0)
        yield family


class _Load(Collector):
    """`suite_api_model_calls{module, state}`: calls of each module's model running and waiting in this process."""

    def __init__(self, load: Callable[[], dict[str, dict[str, int]]]) -> None:
        self.load = load

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("suite_api_model_calls", "Model calls now.", labels=["module", "state"])
        for module, counts in self.load().items():
            for state, value in counts.items():
                family.add_metric([module, state], float(value))
        yield family


class Metrics:
    """The API's counters and histograms, one set per app."""

    def __init__(self, settings: Settings, load: Callable[[], dict[str, dict[str, int]]]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "suite_api_requests", "API calls by endpoint and status.", ["method", "endpoint", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "suite_api_request_duration_seconds", "API call latency by endpoint.", ["method", "endpoint"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.served = Counter(
            "suite_api_model_results", "Results returned, by module and model version.", ["module", "version"],
            registry=self.registry,
        )  # fmt: skip
        self._live = [_ModelVersions(settings), _Load(load)]
        for collector in self._live:
            self.registry.register(collector)

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(method, endpoint, str(status)).inc()
        self.latency.labels(method, endpoint).observe(seconds)

    def served_by(self, module: str, version: str | None) -> None:
        self.served.labels(module, version or "none").inc()

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type (all workers' counts when PROMETHEUS_MULTIPROC_DIR is set)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            for collector in self._live:
                registry.register(collector)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
