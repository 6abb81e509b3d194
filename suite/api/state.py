"""What one API process holds: settings, the store, the rate limiter, model gates, jobs, metrics, readiness."""

from __future__ import annotations

from dataclasses import dataclass, field

from suite.api.gates import ModelGates
from suite.api.jobs import Jobs
from suite.api.metrics import Metrics
from suite.api.models import Readiness
from suite.api.ratelimit import RateLimiter
from suite.api.results import Results
from suite.settings import Settings
from suite.store import Store


@dataclass
class ApiState:
    settings: Settings
    store: Store
    limiter: RateLimiter
    metrics: Metrics
    results: Results
    gates: ModelGates
    jobs: Jobs
    readiness: Readiness = field(default_factory=Readiness)
