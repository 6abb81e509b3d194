"""Where the modules' models run: in this process (the default), or as Ray Serve deployments.

One seam for every module. A module asks `served(settings, kind, module, version, local)` for its model:

- `SUITE_RAY_ADDRESS` unset: `local()` — the model loaded in this process, exactly as without this seam.
- set: a proxy with the same verb (`embed`, `classify`, `detect`, `rank`/`similar`) that calls the module's
  deployment (`pipelines.ray_deployments`), deploying it on the cluster first if it is not running. The
  deployment's replicas build the model with the same `local` factory, so answers are the same dataclasses.

`version` is the version tag the caller serves now (the registry's champion, or "default"). It travels with
every request; a replica answers with the model of that version (it keeps the previous one while a switch
is under way), so a promotion never mixes versions within one answer, and every result names the version
that served it. `switch_version` (called by the registry on promote and roll back) reconfigures the running
deployment: its replicas load the new version before any request needs it.

Example:
    >>> classifier = served(settings, kind="headline", module="risk", version="default", local=load_local)
    >>> classifier.classify(["Acme beats estimates"])[0].label
    'positive'
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from pipelines.loading import load_once
from suite.errors import ModelUnavailable, SuiteError

logger = logging.getLogger(__name__)
T = TypeVar("T")

KINDS = ("text", "headline", "image", "recommend")  # one deployment class each (pipelines.ray_deployments)
_connected: set[str] = set()
_deployed: dict[str, tuple] = {}  # app name -> (kind, version) this process deployed or found running
_guard = threading.Lock()


@dataclass(frozen=True)
class Route:
    """Which deployment serves a module's model, and how its replicas build it."""

    kind: str
    module: str
    local: Callable[..., Any]  # module-level factory `local(settings)`, run inside the replicas

    @property
    def app(self) -> str:
        return f"suite-{self.module}"


def is_remote(settings) -> bool:
    return bool(getattr(settings, "ray_address", ""))


def served(settings, *, kind: str, module: str, version: str, local: Callable[..., T]) -> T:
    """The module's model: `local(settings)` in this process, or a proxy of its Ray Serve deployment.

    Args:
        kind: the deployment class (`KINDS`): text embedder, headline classifier, image detector, recommender.
        module: the suite module (names the Serve application, `suite-<module>`).
        version: the version tag served now; part of each request and of the cache key.
        local: a module-level function `local(settings)` that loads the model (pickled by reference for
            the replicas).

    Raises:
        ModelUnavailable: the Ray cluster cannot be reached or the deployment does not start.
    """
    if not is_remote(settings):
        return local(settings)
    if kind not in KINDS:
        raise ValueError(f"unknown deployment kind {kind!r}; expected one of {', '.join(KINDS)}")
    route = Route(kind, module, local)
    key = ("ray-served", module, version, settings.ray_address)
    return load_once(key, lambda: _proxy(settings, route, version), slot=("ray-served", module))


def connect(settings) -> None:
    """Join the Ray cluster at `SUITE_RAY_ADDRESS` once per process (an already started Ray is used as is)."""
    address = settings.ray_address
    with _guard:
        if address in _connected:
            return
        try:
            import ray

            if not ray.is_initialized():
                ray.init(address=address, namespace="suite", logging_level=logging.WARNING, log_to_driver=False)
        except Exception as err:  # noqa: BLE001 - any failure to join is one clear sentence for the user
            raise ModelUnavailable(
                f"Cannot reach the Ray cluster at SUITE_RAY_ADDRESS={address!r} ({str(err).splitlines()[0][:200]}). "
                "Start it (`ray start --head`), fix the address, or unset SUITE_RAY_ADDRESS to run models here."
            ) from None
        _connected.add(address)


def deploy(settings, route: Route, version: str) -> None:
    """Run (or update) the module's Serve application with `version` as the version its replicas load first.

    Running it again with another version is a reconfigure of the live replicas (`user_config`): they load
    the new model beside the old one and keep answering meanwhile, so no request is dropped.
    """
    from ray import serve

    from pipelines import ray_deployments

    connect(settings)
    serve.start(proxy_location="Disabled")
    app = ray_deployments.build_app(settings, route, version)
    serve.run(app, name=route.app, route_prefix=None)
    with _guard:
        _deployed[route.app] = (route.kind, version)
    logger.info("Ray Serve application %s runs version %s", route.app, version)


def switch_version(settings, module: str, version: str | None) -> bool:
    """Point a running deployment at a new champion (None: the default model); False when none runs.

    Called by the registry after it promotes or rolls back; without SUITE_RAY_ADDRESS it does nothing.
    """
    if not is_remote(settings):
        return False
    tag = version or "default"
    route = _running_route(settings, module)
    if route is None:
        return False
    deploy(settings, route, tag)
    return True


_routes: dict[str, Route] = {}


def _running_route(settings, module: str) -> Route | None:
    with _guard:
        route = _routes.get(module)
    if route is not None:
        return route
    try:  # a deployment started by another process: its route is read back from the replicas
        from ray import serve

        connect(settings)
        if f"suite-{module}" not in serve.status().applications:
            return None
        handle = serve.get_app_handle(f"suite-{module}")
        kind, local = handle.route_info.remote().result(timeout_s=60)
    except Exception as err:  # noqa: BLE001 - no deployment to switch: nothing runs there
        logger.info("no Ray Serve deployment of %s to switch (%s)", module, err)
        return None
    return Route(kind, module, local)


def _ensure_running(settings, route: Route, version: str):
    from ray import serve

    connect(settings)
    with _guard:
        _routes[route.module] = route
        known = route.app in _deployed
    if not known:
        status = serve.status().applications.get(route.app)
        if status is None or str(status.status) not in ("RUNNING", "ApplicationStatus.RUNNING"):
            deploy(settings, route, version)
        with _guard:
            _deployed.setdefault(route.app, (route.kind, version))
    return serve.get_app_handle(route.app)


def _call(handle, method: str, *args):
    """One request to a deployment; a suite error raised in a replica is raised here as itself."""
    from ray.exceptions import RayTaskError

    try:
        return getattr(handle, method).remote(*args).result(timeout_s=300)
    except RayTaskError as err:
        cause = getattr(err, "cause", None)
        if isinstance(cause, SuiteError):
            raise cause from None
        raise ModelUnavailable(f"The model service failed: {str(cause or err).splitlines()[-1][:300]}") from None


def _proxy(settings, route: Route, version: str):
    handle = _ensure_running(settings, route, version)
    info = _call(handle, "describe", version)
    proxy_class = {"text": RemoteEmbedder, "headline": RemoteClassifier, "image": RemoteDetector}.get(route.kind)
    if proxy_class is None:
        return RemoteRecommender(handle, version, info)
    return proxy_class(handle, version, info)


class _Remote:
    """What every proxy shares: the model's name, version, device and path as the replica reports them."""

    def __init__(self, handle, version: str, info: dict[str, Any]) -> None:
        self.handle = handle
        self.version_tag = version
        self.model_name = str(info.get("model_name", ""))
        self.model_version = str(info.get("model_version", version))
        self.device = str(info.get("device", "cpu"))
        self.model_path = info.get("model_path")
        self.runtime = f"ray-serve:{info.get('runtime', 'torch')}"
        self.served_by = "ray-serve"

    def warm_up(self) -> None:  # the replicas are warm once `describe` answered
        return None


class RemoteEmbedder(_Remote):
    """A text embedder whose vectors come from the `text` deployment (requests batched across callers)."""

    def __init__(self, handle, version: str, info: dict[str, Any]) -> None:
        super().__init__(handle, version, info)
        self.dimension = int(info.get("dimension", 0))

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        served_version, vectors = _call(self.handle, "embed", (self.version_tag, texts))
        _check_version(served_version, self.model_version)
        return np.asarray(vectors, dtype=np.float32)


class RemoteClassifier(_Remote):
    """A headline classifier served by the `headline` deployment; each `Sentiment` names the served version."""

    def classify(self, texts: list[str], *, batch_size: int = 256) -> list:
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            return []
        return _call(self.handle, "classify", (self.version_tag, texts))[1]


class RemoteDetector(_Remote):
    """A defect detector served by the `image` deployment; each result names the served version."""

    def detect(self, image, options=None):
        return _call(self.handle, "detect", (self.version_tag, image, options))[1]


class RemoteRecommender(_Remote):
    """Ranking on the `recommend` deployment. The catalog travels once per catalog stamp: a replica keeps the
    model lined up with the last catalogs it saw and asks for the rows only when the stamp is new to it."""

    def call(self, method: str, stamp: tuple, catalog_rows: Callable[[], Any], *args, **kwargs):
        answer = _call(self.handle, method, self.version_tag, stamp, None, args, kwargs)
        if answer == "need-catalog":
            answer = _call(self.handle, method, self.version_tag, stamp, catalog_rows(), args, kwargs)
        return answer


def _check_version(served_version: str, expected: str) -> None:
    if served_version != expected:
        # the vectors of another model do not fit this process's index; the caller retries with the new champion
        raise ModelUnavailable(
            f"The text model changed from {expected} to {served_version} during the request; ask again."
        )
