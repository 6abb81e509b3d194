"""The learned blend on the real sample shop: fitted on training time only, and better than every part alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from suite.recommend.blendfit import _Ndcg
from suite.recommend.content import content_vectors
from suite.recommend.default_model import read_sample
from suite.recommend.evaluate import COMPONENT_OF, build_eval_set, metrics, rank_all, time_split
from suite.recommend.hybrid import Scorer, _scale_rows, top_k
from suite.recommend.recmodel import train_model


@pytest.fixture(scope="module")
def split_model(embedder, tmp_path_factory):
    frame, catalog = read_sample()
    train, test = time_split(frame)
    cache = tmp_path_factory.mktemp("vectors")
    model = train_model(train, catalog, version="blend-test", embedder=embedder, cache_dir=cache)
    scorer = Scorer(model, content_vectors(model.catalog, embedder, cache))
    return model, scorer, build_eval_set(model, train, test)


def test_hybrid_beats_each_of_its_parts_on_the_held_out_shoppers(split_model):
    model, scorer, eval_set = split_model
    n_items = int(model.catalog["in_catalog"].sum())
    ndcg = {
        name: metrics(rank_all(model, scorer, eval_set, name), eval_set.targets, n_items)["ndcg_at_10"]
        for name in [*COMPONENT_OF, "hybrid"]
    }
    parts = {name: value for name, value in ndcg.items() if name != "hybrid"}
    assert ndcg["hybrid"] > max(parts.values()), ndcg
    # and the learned blend is what does it: the fixed rule on the same model and parts does worse
    ruled = dataclasses.replace(model, blend=None)
    rule_ndcg = metrics(rank_all(ruled, Scorer(ruled, scorer.vectors), eval_set, "hybrid"), eval_set.targets, n_items)
    assert ndcg["hybrid"] > rule_ndcg["ndcg_at_10"], (ndcg["hybrid"], rule_ndcg)


def test_the_fast_validation_metric_is_the_evaluation_metric(split_model):
    model, scorer, eval_set = split_model
    rows = np.array([model.user_index[u] for u in eval_set.users])
    raw = scorer.components(eval_set.histories, user_vectors=model.als.user_factors[rows])
    parts = {name: _scale_rows(values).astype(np.float32) for name, values in raw.items()}
    in_catalog = model.catalog["in_catalog"].to_numpy(dtype=bool)
    blocked = (eval_set.histories.toarray() > 0) | ~in_catalog[None, :]
    targets = np.zeros(blocked.shape, dtype=bool)
    for row, target in enumerate(eval_set.targets):
        targets[row, target] = True
    fast = _Ndcg(parts, blocked, targets)
    for weights in model.blend["weights"]:
        scores = sum(weights[name] * parts[name] for name in parts)
        slow = metrics(top_k(scores, blocked, 10), eval_set.targets, int(in_catalog.sum()))["ndcg_at_10"]
        assert fast(weights, np.arange(len(eval_set.users))) == pytest.approx(slow, abs=2e-3)
