"""Recommender speed for issue 17, for one source tree: the build on the sample shop and `for-user` latency.

Run: `python benchmarks/speed_recommend.py --tree PATH [--quick] [--profile] --json`

PATH goes first on `sys.path`, so this measures the code in PATH (today's main in a worktree, or this tree);
only functions that exist on both sides are used. Each run gets a fresh temporary SUITE_HOME. Prints one JSON
list of rows `{module, what, value, unit, accuracy?}`:

- build on the sample shop as the page's button runs it (`service.build_default_model`: train + product text
  vectors), in a warm process (imports and the text model loaded first), and the training part alone;
- `for-user` latency p50/p95 over shoppers of a synthetic 100k shoppers x 20k products shop (the full scoring
  path: history -> ALS recalculation, co-occurrence, content, blend, rules, top 10, reasons), with the serving
  path's NDCG@10 on those shoppers' held-out interactions beside it;
- the same on the sample shop with its real product vectors, and the frozen evaluation's hybrid NDCG@10
  (`suite.recommend.evaluate`, each shopper's last 20 % held out);
- `for-user` through `service.recommend_for_user` on the sample shop imported into the store (what a page
  waits for: the store's reads and the usage event included).

`--quick` shrinks the synthetic shop and the number of shoppers timed (a smoke test, not a measurement).
`--profile` prints the top 10 functions of a cProfile of the `for-user` loop to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MODULE = "recommend"


def synthetic(n_users: int, n_items: int, per_user: float = 15.0, seed: int = 7):
    """Clustered synthetic shop (as in benchmarks/recommend.py): 50 taste groups, Zipf popularity per block."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    groups = 50
    block = n_items // groups
    counts = np.clip(rng.poisson(per_user, n_users), 1, None)
    users = np.repeat(np.arange(n_users), counts)
    taste = rng.integers(groups, size=n_users)[users]
    zipf = np.minimum(rng.zipf(1.3, users.size) - 1, block - 1)
    own = taste * block + zipf
    random_item = np.minimum(rng.zipf(1.2, users.size) - 1, n_items - 1)
    items = np.where(rng.random(users.size) < 0.8, own, random_item)
    start = pd.Timestamp("2025-01-01", tz="UTC")
    frame = pd.DataFrame(
        {
            "user_id": pd.Series(users).map("S{:06d}".format),
            "item_id": pd.Series(items).map("I{:05d}".format),
            "ts": start + pd.to_timedelta(rng.uniform(0, 365, users.size), unit="D"),
            "event": rng.choice(["view", "click", "cart", "purchase"], users.size, p=[0.55, 0.22, 0.11, 0.12]),
        }
    )
    catalog = pd.DataFrame(
        {
            "item_id": [f"I{i:05d}" for i in range(n_items)],
            "title": [f"Product {i} of group {i // block}" for i in range(n_items)],
            "category": [f"Group {i // block}" for i in range(n_items)],
            "description": "",
            "price": 10.0,
            "in_stock": True,
            "consumable": False,
        }
    )
    return frame, catalog


def for_user(serving, train, test, users: list[str], profile: bool) -> tuple[dict[str, float], float]:
    """Latency of `ranking.rank` per shopper (ms) and the NDCG@10 of those lists on held-out new items."""
    import numpy as np

    from suite.recommend.ranking import rank

    train_by = {u: g for u, g in train[train["user_id"].isin(users)].groupby("user_id")}
    test_by = {u: set(g["item_id"]) for u, g in test[test["user_id"].isin(users)].groupby("user_id")}
    discounts = 1.0 / np.log2(np.arange(2, 12))
    timings, ndcgs = [], []
    profiler = cProfile.Profile() if profile else None
    for user in users:
        history = train_by[user]
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        result = rank(serving, user, history, set(), k=10, max_per_category=4, interests=[], text="")
        timings.append((time.perf_counter() - started) * 1000)
        if profiler:
            profiler.disable()
        target = test_by.get(user, set()) - set(history["item_id"])
        if target:
            hits = np.array([item.item_id in target for item in result.items], dtype=float)
            ndcgs.append(float((hits * discounts[: hits.size]).sum() / discounts[: min(10, len(target))].sum()))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
        print(out.getvalue(), file=sys.stderr)
    latency = {"p50": float(np.percentile(timings, 50)), "p95": float(np.percentile(timings, 95))}
    return latency, float(np.mean(ndcgs)) if ndcgs else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, help="the source tree to measure (its root folder)")
    parser.add_argument("--quick", action="store_true", help="small sizes: proves the script runs")
    parser.add_argument("--profile", action="store_true", help="cProfile top 10 of the for-user loop on stderr")
    parser.add_argument("--json", action="store_true", help="print the rows as one JSON list (the default)")
    args = parser.parse_args()
    tree = str(Path(args.tree).resolve())
    sys.path.insert(0, tree)
    home = tempfile.mkdtemp(prefix="speed-rec-")
    os.environ["SUITE_HOME"] = home

    import numpy as np

    from suite.recommend import service
    from suite.recommend.content import content_vectors, text_embedder, vectors_dir
    from suite.recommend.default_model import read_sample
    from suite.recommend.evaluate import evaluate, time_split
    from suite.recommend.hybrid import Scorer
    from suite.recommend.recmodel import train_model
    from suite.recommend.serving import Serving
    from suite.settings import Settings

    rows: list[dict] = []

    def row(what: str, value: float, unit: str, accuracy: dict | None = None) -> None:
        entry = {"module": MODULE, "what": what, "value": round(value, 4), "unit": unit}
        if accuracy:
            entry["accuracy"] = {k: round(v, 5) for k, v in accuracy.items()}
        rows.append(entry)

    settings = Settings.from_env(device="cpu")
    embedder = text_embedder(settings)
    embedder.embed(["warm up"])  # a warm process: the text model is loaded before anything is timed
    frame, catalog = read_sample()

    # 1. the build as the page's button runs it (fresh home: no model, no vector cache)
    started = time.perf_counter()
    service.build_default_model(settings)
    row("build on the sample shop (train + product vectors)", time.perf_counter() - started, "s")
    started = time.perf_counter()
    train_model(frame, catalog)
    row("train on the sample shop (popularity + co-occurrence + ALS)", time.perf_counter() - started, "s")

    # 1b. for-user through the service, as the page calls it: store reads (catalog stamp, history, dismissals),
    # serving model, ranking and the usage event
    from suite.recommend.default_model import SAMPLE
    from suite.store import Store

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
    row("for-user through the service p50, sample shop (store reads + usage log)", np.percentile(timings, 50), "ms")
    row("for-user through the service p95, sample shop (store reads + usage log)", np.percentile(timings, 95), "ms")

    # 2. frozen evaluation (accuracy) and sample-shop latency with real product vectors
    scores = {r.model: r for r in evaluate(frame, catalog, embedder, cache_dir=vectors_dir(settings))}
    train, test = time_split(frame)
    model = train_model(train, catalog, version="speed")
    vectors = content_vectors(model.catalog, embedder, vectors_dir(settings))
    serving = Serving(model, Scorer(model, vectors), "cpu", embedder)
    rng = np.random.default_rng(1)
    shoppers = sorted(set(train["user_id"]) & set(test["user_id"]))
    users = list(rng.choice(shoppers, size=50 if args.quick else 500, replace=False))
    latency, ndcg = for_user(serving, train, test, users, profile=False)
    accuracy = {"ndcg_at_10_frozen_eval_hybrid": scores["hybrid"].ndcg_at_10, "ndcg_at_10_serving_path": ndcg}
    row("for-user p50, sample shop (3k x 1k)", latency["p50"], "ms", accuracy)
    row("for-user p95, sample shop (3k x 1k)", latency["p95"], "ms", accuracy)

    # 3. synthetic 100k shoppers x 20k products (product vectors: the sample's, repeated with noise)
    n_users, n_items = (5_000, 2_000) if args.quick else (100_000, 20_000)
    big, big_catalog = synthetic(n_users, n_items)
    big_train, big_test = time_split(big)
    started = time.perf_counter()
    big_model = train_model(big_train, big_catalog, version="speed")
    row(f"train, synthetic {n_users // 1000}k x {n_items // 1000}k", time.perf_counter() - started, "s")
    noise = np.random.default_rng(0).normal(0, 0.05, (len(big_model.catalog), vectors.shape[1]))
    big_vectors = vectors[np.arange(len(big_model.catalog)) % len(vectors)] + noise
    big_vectors = (big_vectors / np.linalg.norm(big_vectors, axis=1, keepdims=True)).astype(np.float32)
    big_serving = Serving(big_model, Scorer(big_model, big_vectors), "cpu", embedder)
    shoppers = sorted(set(big_train["user_id"]) & set(big_test["user_id"]))
    users = list(rng.choice(shoppers, size=50 if args.quick else 500, replace=False))
    for_user(big_serving, big_train, big_test, users[:20], profile=False)  # first calls build per-model caches
    latency, ndcg = for_user(big_serving, big_train, big_test, users, profile=args.profile)
    what = f"for-user p%s, synthetic {n_users // 1000}k x {n_items // 1000}k"
    row(what % 50, latency["p50"], "ms", {"ndcg_at_10_serving_path": ndcg})
    row(what % 95, latency["p95"], "ms", {"ndcg_at_10_serving_path": ndcg})
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
