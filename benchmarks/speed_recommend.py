"""Recommender speed for issue 17, for one source tree: the build on the sample shop and `for-user` latency.

Run: `python benchmarks/speed_recommend.py --tree PATH [--quick] [--profile FILE] [--json]`

Measures the code in PATH (see benchmarks/speedkit.py); only functions that exist in today's main too are used.
Rows `{module, what, value, unit, target?, accuracy?}`:

- the build on the sample shop as the page's button runs it (`service.build_default_model`: train + product
  text vectors) in a warm process (the text model loaded, and on the CPU exported, first), the same build
  again with the product texts unchanged (their vectors cached), and the training part alone;
- `for-user` through `service.recommend_for_user` on the sample shop imported into the store (what a page
  waits for: the store's reads and the usage event included);
- the frozen evaluation's hybrid NDCG@10 (`suite.recommend.evaluate`, each shopper's last 20 % held out) with
  the product vectors of the tree's own text embedder, and `for-user` latency with those vectors;
- `for-user` latency p50/p95 over shoppers of the synthetic 100k shoppers x 20k products shop of
  benchmarks/recommend.py (the full scoring path: history -> ALS recalculation, co-occurrence, content, blend,
  rules, top 10, reasons), with the serving path's NDCG@10 on those shoppers' held-out interactions.

`--quick` shrinks the synthetic shop and the number of shoppers timed (a smoke test, not a measurement).
`--profile FILE`: the cProfile top entries of the synthetic shop's `for-user` loop.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from speedkit import Rows, emit, percentiles, profiled, setup

ARGS = setup("recommend", __doc__) if __name__ == "__main__" else None


def for_user(serving, train, test, users: list[str], profile: Path | None = None) -> tuple[dict[str, float], float]:
    """Latency of `ranking.rank` per shopper (ms) and the NDCG@10 of those lists on held-out new items."""
    import numpy as np

    from suite.recommend.ranking import rank

    train_by = {u: g for u, g in train[train["user_id"].isin(users)].groupby("user_id")}
    test_by = {u: set(g["item_id"]) for u, g in test[test["user_id"].isin(users)].groupby("user_id")}
    discounts = 1.0 / np.log2(np.arange(2, 12))
    timings, ndcgs = [], []
    with profiled(profile):
        for user in users:
            history = train_by[user]
            started = time.perf_counter()
            result = rank(serving, user, history, set(), k=10, max_per_category=4, interests=[], text="")
            timings.append((time.perf_counter() - started) * 1000)
            target = test_by.get(user, set()) - set(history["item_id"])
            if target:
                hits = np.array([item.item_id in target for item in result.items], dtype=float)
                ndcgs.append(float((hits * discounts[: hits.size]).sum() / discounts[: min(10, len(target))].sum()))
    p50, p95 = percentiles(timings)
    latency = {"p50": p50, "p95": p95}
    return latency, float(np.mean(ndcgs)) if ndcgs else float("nan")


def main(args) -> Rows:
    import numpy as np
    from recommend import synthetic  # benchmarks/recommend.py: the same synthetic shop as the accuracy benchmark

    from suite.recommend import service
    from suite.recommend.content import content_vectors, text_embedder, vectors_dir
    from suite.recommend.default_model import SAMPLE, read_sample
    from suite.recommend.evaluate import evaluate, time_split
    from suite.recommend.hybrid import Scorer
    from suite.recommend.recmodel import train_model
    from suite.recommend.serving import Serving, default_dir
    from suite.settings import Settings
    from suite.store import Store

    rows = Rows("recommend")
    settings = Settings.from_env(home=args.home, device="cpu")
    embedder = text_embedder(settings)
    embedder.embed(["warm up"])  # a warm process: the text model is loaded before anything is timed
    backend = {"embedder": str(getattr(embedder, "backend", "torch"))}
    frame, catalog = read_sample()

    # 1. the build as the page's button runs it (fresh home: no model, no vector cache), then again
    started, cpu = time.perf_counter(), time.process_time()
    service.build_default_model(settings)
    build = {**backend, "cpu_s": time.process_time() - cpu, "products": len(catalog)}
    rows.add(
        "build on the sample shop (train + product vectors)", time.perf_counter() - started, "s", build, ("<=", 10)
    )
    shutil.rmtree(default_dir(settings))
    started = time.perf_counter()
    service.build_default_model(settings)
    rows.add("build again, product texts unchanged (vectors cached)", time.perf_counter() - started, "s")
    started = time.perf_counter()
    train_model(frame, catalog)
    rows.add("train on the sample shop (popularity + co-occurrence + ALS)", time.perf_counter() - started, "s")

    # 2. for-user through the service, as the page calls it: store reads (catalog stamp, history, dismissals),
    # serving model, ranking and the usage event
    store = Store(settings)
    try:
        service.import_files(store, catalog=SAMPLE / "catalog.csv", interactions=SAMPLE / "interactions.csv.gz")
        picked = [r.user_id for r in service.shoppers(store, 300)][: 30 if args.quick else 200]
        service.recommend_for_user(store, picked[0])  # aligns the model with the store's catalog once
        timings = []
        for user in picked:
            started = time.perf_counter()
            service.recommend_for_user(store, user)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        store.close()
    p50, p95 = percentiles(timings)
    rows.add("for-user through the service p50, sample shop (store reads + usage log)", p50, "ms")
    rows.add("for-user through the service p95, sample shop (store reads + usage log)", p95, "ms")

    # 3. frozen evaluation (accuracy) and sample-shop latency with the real product vectors
    scores = {r.model: r for r in evaluate(frame, catalog, embedder, cache_dir=vectors_dir(settings))}
    train, test = time_split(frame)
    model = train_model(train, catalog, version="speed")
    vectors = content_vectors(model.catalog, embedder, vectors_dir(settings))
    serving = Serving(model, Scorer(model, vectors), "cpu", embedder)
    rng = np.random.default_rng(1)
    shoppers = sorted(set(train["user_id"]) & set(test["user_id"]))
    users = list(rng.choice(shoppers, size=50 if args.quick else 200, replace=False))
    latency, ndcg = for_user(serving, train, test, users)
    frozen = {"hybrid": scores["hybrid"].ndcg_at_10, "content": scores["content"].ndcg_at_10, **backend}
    rows.add("NDCG@10, frozen evaluation, hybrid (sample shop)", scores["hybrid"].ndcg_at_10, "ratio", frozen)
    rows.add("NDCG@10, frozen evaluation, content (sample shop)", scores["content"].ndcg_at_10, "ratio", frozen)
    served = {"ndcg_at_10_serving_path": ndcg}
    rows.add("for-user p50, sample shop (3k x 1k)", latency["p50"], "ms", served)
    rows.add("for-user p95, sample shop (3k x 1k)", latency["p95"], "ms", served)

    # 4. synthetic 100k shoppers x 20k products (product vectors: the sample's, repeated with noise)
    n_users, n_items = (5_000, 2_000) if args.quick else (100_000, 20_000)
    big, big_catalog = synthetic(n_users, n_items)
    big_train, big_test = time_split(big)
    started = time.perf_counter()
    big_model = train_model(big_train, big_catalog, version="speed")
    rows.add(f"train, synthetic {n_users // 1000}k x {n_items // 1000}k", time.perf_counter() - started, "s")
    noise = np.random.default_rng(0).normal(0, 0.05, (len(big_model.catalog), vectors.shape[1]))
    big_vectors = vectors[np.arange(len(big_model.catalog)) % len(vectors)] + noise
    big_vectors = (big_vectors / np.linalg.norm(big_vectors, axis=1, keepdims=True)).astype(np.float32)
    big_serving = Serving(big_model, Scorer(big_model, big_vectors), "cpu", embedder)
    shoppers = sorted(set(big_train["user_id"]) & set(big_test["user_id"]))
    users = list(rng.choice(shoppers, size=50 if args.quick else 300, replace=False))
    for_user(big_serving, big_train, big_test, users[:20])  # first calls build per-model caches
    latency, ndcg = for_user(big_serving, big_train, big_test, users, args.profile)
    what = f"for-user p%s, synthetic {n_users // 1000}k x {n_items // 1000}k"
    rows.add(what % 50, latency["p50"], "ms", {"ndcg_at_10_serving_path": ndcg})
    rows.add(what % 95, latency["p95"], "ms", {"ndcg_at_10_serving_path": ndcg}, None if args.quick else ("<=", 30))
    return rows


if __name__ == "__main__":
    emit(main(ARGS), ARGS.json)
