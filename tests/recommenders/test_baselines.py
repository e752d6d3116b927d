"""Popularity and ItemKNN against brute-force computations by hand."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skrec.augmentation import ItemSimilarity
from skrec.metrics import make_ranking_scorer
from skrec.model_selection import leave_last_out_cv
from skrec.recommenders import ItemKNN, Popularity
from skrec.sequence import make_sequence_frame

TRAIN = [[10, 20, 30], [20, 30], [30, 40, 20], [50]]


def test_popularity_is_a_count_with_seen_items_excluded():
    X = make_sequence_frame(TRAIN)
    model = Popularity().fit(X)
    counts = Counter(i for s in TRAIN for i in s)
    assert dict(zip(model.items_.tolist(), model.item_counts_.tolist())) == counts
    # 20 and 30 appear 3 times (20 first: smaller id), then 10, 40, 50 once
    assert model.recommend(make_sequence_frame([[99]]), k=5).tolist() == [
        [20, 30, 10, 40, 50]]
    assert model.recommend(make_sequence_frame([[30, 10]]), k=3).tolist() == [
        [20, 40, 50]]
    scores = model.decision_function(make_sequence_frame([[10]]))
    assert scores.shape == (1, 51)
    assert scores[0, 20] == 3 and scores[0, 50] == 1 and np.isneginf(scores[0, 21])
    # y is appended to the training sequences
    with_y = Popularity().fit(make_sequence_frame([[1], [2]]), y=[2, 3])
    assert with_y.item_counts_.tolist() == [1, 2, 1]


@settings(max_examples=30, deadline=None)
@given(seqs=st.lists(st.lists(st.integers(1, 12), min_size=2, max_size=8),
                     min_size=3, max_size=12),
       n_recent=st.integers(1, 4), decay=st.sampled_from([1.0, 0.5]))
def test_itemknn_equals_a_brute_force_sum_of_neighbour_similarities(seqs, n_recent,
                                                                     decay):
    X = make_sequence_frame(seqs)
    sim = ItemSimilarity(method="itemcf", n_neighbors=4)
    model = ItemKNN(similarity=sim, n_recent=n_recent, recency_decay=decay).fit(X)
    # The reference: the same similarity fitted on the same (compact) ids.
    items = sorted({i for s in seqs for i in s})
    code = {item: c for c, item in enumerate(items, 1)}
    ref_sim = ItemSimilarity(method="itemcf", n_neighbors=4).fit(
        make_sequence_frame([[code[i] for i in s] for s in seqs]))
    scores = model.decision_function(X)
    for row, seq in enumerate(seqs):
        expected = np.zeros(len(items) + 1)
        for age, item in enumerate(reversed(seq[-n_recent:])):
            for nb in ref_sim.most_similar([code[item]], k=4)[0]:
                if nb != code[item]:
                    expected[nb] += decay**age * ref_sim.similarity([code[item]], [nb])[0]
        np.testing.assert_allclose(scores[row, items], expected[1:], atol=1e-12)


def test_recommend_excludes_seen_and_handles_unknown_items():
    X = make_sequence_frame(TRAIN)
    model = ItemKNN().fit(X)
    recs = model.recommend(make_sequence_frame([[20, 999]]), k=3)
    assert 20 not in recs[0] and len(set(recs[0])) == 3
    assert model.predict(make_sequence_frame([[10]])).shape == (1,)
    with pytest.raises(ValueError, match="exceeds the catalogue"):
        model.recommend(X, k=6)
    with pytest.raises(ValueError, match="positive integer"):
        model.recommend(X, k=0)


def test_grid_search_with_the_ranking_scorer():
    rng = np.random.default_rng(0)
    seqs = [[(s + j) % 15 + 1 for j in range(6)] for s in rng.integers(0, 15, 40)]
    X_cv, y_cv, cv = leave_last_out_cv(make_sequence_frame(seqs))
    search = GridSearchCV(ItemKNN(max_item_id=15), {"n_recent": [1, 3]}, cv=cv,
                          scoring=make_ranking_scorer("hit", k=1)).fit(X_cv, y_cv)
    # a deterministic cycle: the last item's neighbour is the next item
    assert search.best_score_ == 1.0
    assert clone(search.best_estimator_).get_params()["n_recent"] in (1, 3)


@pytest.mark.parametrize("model", [Popularity(), ItemKNN(n_recent=2)])
def test_chunked_rank_matches_rank_of_target_on_the_score_matrix(model):
    from skrec.metrics import rank_of_target

    rng = np.random.default_rng(1)
    seqs = [rng.integers(1, 30, size=int(n)).tolist() for n in rng.integers(2, 9, 60)]
    X = make_sequence_frame(seqs)
    model.fit(X)
    y = rng.integers(1, 35, size=len(seqs))  # some unknown to the model
    expected = rank_of_target(model.decision_function(X), np.minimum(y, 29), exclude=X)
    got = model.rank(X, np.minimum(y, 29))
    np.testing.assert_array_equal(got, expected)
