"""One router per module, plus the models, token-free system endpoints and metrics."""

from suite.api.routes import inspect, models, recommend, risk, support, system, transcribe

ROUTERS = [
    system.router,
    support.router,
    recommend.router,
    inspect.router,
    transcribe.router,
    risk.router,
    models.router,
]
