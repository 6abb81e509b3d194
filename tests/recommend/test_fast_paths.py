"""The per-request fast paths (one shopper at a time) give what the batch paths give, on the real model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from suite.recommend import recmodel
from suite.recommend.hybrid import COMPONENTS
from suite.recommend.queries import user_history
from suite.recommend.serving import get_serving

pytestmark = pytest.mark.slow


def test_one_shopper_scores_equal_the_batch_path(rec_store):
    serving = get_serving(rec_store)
    model, scorer = serving.model, serving.scorer
    shoppers = [str(u) for u in model.user_ids[:25]]
    histories = [user_history(rec_store, u) for u in shoppers]
    rows = [model.history_matrix(h, [u]) for h, u in zip(histories, shoppers, strict=True)]
    latest = [model.latest_matrix(h, [u]) for h, u in zip(histories, shoppers, strict=True)]
    assert all(r.nnz for r in rows) and all(mark.nnz == 1 for mark in latest)
    for row, mark in zip(rows, latest, strict=True):
        single = scorer.components(row, latest=mark)  # n == 1: gathered co-occurrence rows, matrix-vector products
        pair, marks = sparse.vstack([row, row]).tocsr(), sparse.vstack([mark, mark]).tocsr()
        batch = scorer.components(pair, latest=marks)  # n == 2: sparse/dense matrix products
        assert single["recent"].any()
        for name in COMPONENTS:
            assert single[name].shape == (1, len(model.item_ids))
            np.testing.assert_allclose(single[name][0], batch[name][0], rtol=1e-4, atol=1e-5, err_msg=name)


def test_one_item_cooccurrence_row_equals_the_sparse_row(rec_store):
    model = get_serving(rec_store).model
    for item in (0, 17, len(model.item_ids) - 1):
        np.testing.assert_array_equal(model.cooc_row(item), model.cooc[item].toarray().ravel())


def test_small_history_weights_and_positions_equal_the_vectorised_ones(rec_store, monkeypatch):
    model = get_serving(rec_store).model
    known = [str(i) for i in model.item_ids[:6]]
    frame = pd.DataFrame(
        {
            "user_id": ["u1"] * 8,
            "item_id": [*known, "not-in-the-catalog", known[0]],
            "event": ["view", "click", "cart", "purchase", "rating", "rating", None, "unknown-event"],
            "value": [None, None, None, None, "5", "2", None, None],
        }
    )
    small_weights, small_positions = recmodel.event_weights(frame), model.positions(frame["item_id"])
    small_matrix = model.history_matrix(frame, ["u1"]).toarray()
    monkeypatch.setattr(recmodel, "SMALL_FRAME", 0)  # force the pandas paths
    np.testing.assert_array_equal(small_weights, recmodel.event_weights(frame))
    np.testing.assert_array_equal(small_weights, [1, 2, 4, 8, 4, 0.5, 1, 1])
    np.testing.assert_array_equal(small_positions, model.positions(frame["item_id"]))
    assert small_positions[6] == -1
    np.testing.assert_array_equal(small_matrix, model.history_matrix(frame, ["u1"]).toarray())


def test_the_latest_product_is_the_newest_interaction_of_each_shopper(rec_store):
    model = get_serving(rec_store).model
    known = [str(i) for i in model.item_ids[:3]]
    frame = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u1"],
            "item_id": [known[0], known[1], known[2], known[0]],
            "ts": pd.to_datetime(["2026-01-02", "2026-01-05", "2026-01-01", "2026-01-03"]),
            "event": ["purchase", "view", "view", "cart"],
        }
    )
    latest = model.latest_matrix(frame, ["u1", "u2", "u3"]).toarray()
    assert np.flatnonzero(latest[0]).tolist() == [model.item_index[known[1]]]  # by time, not the last row
    assert np.flatnonzero(latest[1]).tolist() == [model.item_index[known[2]]]
    assert not latest[2].any() and latest.max() == 1.0  # a shopper without history; a mark, not an event weight
