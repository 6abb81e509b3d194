"""The Ray Serve deployments behind `pipelines.serving`: one class per kind of model, versioned.

Each replica builds its model with the module's own `local(settings)` factory (so it serves exactly what an
in-process suite serves) and keeps the models of the last two versions it was asked for: the `user_config`
`{"version": ...}` preloads a new champion while the old one keeps answering, and each request names the
version its caller serves. Text, headline and image requests are batched across callers (`@serve.batch`);
replicas, GPU fractions and batch sizes come from settings (`SUITE_RAY_REPLICAS`, `SUITE_RAY_GPU_FRACTION`,
`SUITE_RAY_MAX_BATCH`), so several small models can share one GPU.

Only imported when `SUITE_RAY_ADDRESS` is set.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from typing import Any

from ray import serve

logger = logging.getLogger(__name__)

KEEP_VERSIONS = 2  # the champion and the one it replaced (requests already under way when the switch came)
BATCH_WAIT_S = 0.005


class _Versioned:
    """A replica's models by version tag, loaded with the route's factory."""

    def __init__(self, settings, route) -> None:
        self.settings = settings.with_(ray_address="")  # inside a replica the model runs in-process
        self.route = route
        self.models: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        batched = getattr(self, "_batch", None)
        if batched is not None:  # SUITE_RAY_MAX_BATCH instead of the decorator's default
            batched.set_max_batch_size(max(1, int(getattr(settings, "ray_max_batch", 16))))

    async def reconfigure(self, config: dict) -> None:
        """A new `user_config`: load its version now (in a thread: requests keep being answered meanwhile)."""
        await asyncio.to_thread(self.model_for, str(config.get("version") or "default"))

    def model_for(self, tag: str):
        """The model of version `tag`, loaded on first use; a load blocks only the requests for that version."""
        with self._lock:
            if tag in self.models:
                self.models.move_to_end(tag)
                return self.models[tag]
            loading = self._loading.setdefault(tag, threading.Lock())
        with loading:
            with self._lock:
                if tag in self.models:
                    return self.models[tag]
            model = self.route.local(self.settings)
            with self._lock:
                self.models[tag] = model
                self._loading.pop(tag, None)
                while len(self.models) > KEEP_VERSIONS:
                    dropped, _ = self.models.popitem(last=False)
                    logger.info("%s: dropped version %s", self.route.app, dropped)
            logger.info("%s: loaded version %s (%s)", self.route.app, tag, getattr(model, "model_version", ""))
            return model

    def route_info(self) -> tuple[str, Any]:
        return self.route.kind, self.route.local

    async def describe(self, tag: str) -> dict[str, Any]:
        return await asyncio.to_thread(self._describe, tag)

    def _describe(self, tag: str) -> dict[str, Any]:
        model = self.model_for(tag)
        info = {name: getattr(model, name, None) for name in ("model_name", "model_version", "device", "model_path")}
        info["runtime"] = getattr(model, "runtime", "torch")
        if hasattr(model, "dimension"):
            info["dimension"] = int(model.dimension)
        return info

    def versions(self) -> list[str]:
        with self._lock:
            return list(self.models)

    def _grouped(self, requests: list[tuple], run) -> list:
        """Run each version's requests together: `run(model, [payloads])` -> one result per payload."""
        out: list = [None] * len(requests)
        by_tag: dict[str, list[int]] = {}
        for position, request in enumerate(requests):
            by_tag.setdefault(request[0], []).append(position)
        for tag, positions in by_tag.items():
            model = self.model_for(tag)
            version = str(getattr(model, "model_version", tag))
            for position, result in zip(positions, run(model, [requests[p][1:] for p in positions]), strict=True):
                out[position] = (version, result)
        return out


def _embed_many(model, payloads: list[tuple]) -> list:
    texts = [text for (batch,) in payloads for text in batch]
    vectors = model.embed(texts)
    out, start = [], 0
    for (batch,) in payloads:
        out.append(vectors[start : start + len(batch)])
        start += len(batch)
    return out


def _classify_many(model, payloads: list[tuple]) -> list:
    texts = [text for (batch,) in payloads for text in batch]
    results = model.classify(texts)
    out, start = [], 0
    for (batch,) in payloads:
        out.append(results[start : start + len(batch)])
        start += len(batch)
    return out


def _detect_many(model, payloads: list[tuple]) -> list:
    return [model.detect(image, options) for image, options in payloads]


class TextModel(_Versioned):
    async def embed(self, request: tuple) -> tuple:
        return await self._batch(request)

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=BATCH_WAIT_S)
    async def _batch(self, requests: list[tuple]) -> list:
        return await asyncio.to_thread(self._grouped, requests, _embed_many)


class HeadlineModel(_Versioned):
    async def classify(self, request: tuple) -> tuple:
        return await self._batch(request)

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=BATCH_WAIT_S)
    async def _batch(self, requests: list[tuple]) -> list:
        return await asyncio.to_thread(self._grouped, requests, _classify_many)


class ImageModel(_Versioned):
    async def detect(self, request: tuple) -> tuple:
        return await self._batch(request)

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=BATCH_WAIT_S)
    async def _batch(self, requests: list[tuple]) -> list:
        return await asyncio.to_thread(self._grouped, requests, _detect_many)


class RecommendModel(_Versioned):
    """The recommender's `local` factory returns a catalog-aware ranker (`call(method, stamp, catalog, ...)`)."""

    async def rank(self, tag: str, stamp: tuple, catalog, args: tuple, kwargs: dict):
        return await asyncio.to_thread(self._run, "rank", tag, stamp, catalog, args, kwargs)

    async def similar(self, tag: str, stamp: tuple, catalog, args: tuple, kwargs: dict):
        return await asyncio.to_thread(self._run, "similar", tag, stamp, catalog, args, kwargs)

    def _run(self, method, tag, stamp, catalog, args, kwargs):
        return self.model_for(tag).call(method, stamp, catalog, args, kwargs)


CLASSES = {"text": TextModel, "headline": HeadlineModel, "image": ImageModel, "recommend": RecommendModel}


def build_app(settings, route, version: str):
    """The bound Serve application of `route` with `version` preloaded (its `user_config`)."""
    cls = CLASSES[route.kind]
    options: dict[str, Any] = {"num_cpus": getattr(settings, "ray_cpus", 0.5)}
    gpus = float(getattr(settings, "ray_gpu_fraction", 0.0))
    if gpus > 0:
        options["num_gpus"] = gpus
    batch = int(getattr(settings, "ray_max_batch", 16))
    deployment = serve.deployment(
        cls,
        name=f"{route.module}-{route.kind}",
        num_replicas=int(getattr(settings, "ray_replicas", 1)),
        ray_actor_options=options,
        max_ongoing_requests=max(2 * batch, 8),
        user_config={"version": version},
        health_check_period_s=10,
        graceful_shutdown_timeout_s=30,
    )
    app = deployment.bind(settings, route)
    return app
