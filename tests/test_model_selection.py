import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV, PredefinedSplit

from skrec.metrics import make_ranking_scorer
from skrec.model_selection import LeaveLastOutSplit, leave_last_out, leave_last_out_cv
from skrec.sequence import check_sequence_frame, make_sequence_frame, to_ragged


def _cells(X, col="items"):
    return [a.tolist() for a in X[col]]


@pytest.fixture
def X():
    return make_sequence_frame(
        [[1, 2, 3, 4], [5, 6, 7], [8, 9], [3, 1, 4, 1, 5]],
        [[10, 20, 30, 40], [1, 2, 3], [0, 0], [0, 1, 2, 3, 4]],
        index=["ann", "bob", "cy", "dee"],
    )


def test_leave_last_out_hand_worked(X):
    before = X.copy(deep=True)
    s = leave_last_out(X)
    assert isinstance(s, LeaveLastOutSplit)
    assert s.users.tolist() == ["ann", "bob", "dee"]
    assert s.dropped_users.tolist() == ["cy"]
    assert _cells(s.X_train) == [[1, 2], [5], [3, 1, 4]]
    assert _cells(s.X_train, "timestamps") == [[10, 20], [1], [0, 1, 2]]
    assert _cells(s.X_valid) == _cells(s.X_train)
    assert s.y_valid.tolist() == [3, 6, 1]
    assert _cells(s.X_test) == [[1, 2, 3], [5, 6], [3, 1, 4, 1]]
    assert _cells(s.X_test, "timestamps") == [[10, 20, 30], [1, 2], [0, 1, 2, 3]]
    assert s.y_test.tolist() == [4, 7, 5]
    for frame in (s.X_train, s.X_valid, s.X_test):
        check_sequence_frame(frame)
        assert frame.index.tolist() == s.users.tolist()
    assert s.y_test.dtype == np.int64
    assert "n_users=3" in repr(s)
    for col in X.columns:  # input untouched
        assert _cells(X, col) == _cells(before, col)


def test_short_users(X):
    with pytest.raises(ValueError, match="fewer than 3 events"):
        leave_last_out(X, on_short="error")
    with pytest.raises(ValueError, match="on_short"):
        leave_last_out(X, on_short="keep")
    with pytest.raises(ValueError, match="No user"):
        leave_last_out(make_sequence_frame([[1, 2], [3]]))
    with pytest.raises(ValueError, match="empty"):
        leave_last_out(make_sequence_frame([]))


sequences = st.lists(
    st.lists(st.integers(1, 9), min_size=1, max_size=8), min_size=1, max_size=12
)


@given(sequences)
def test_leave_last_out_brute_force(seqs):
    X = make_sequence_frame(seqs, [list(range(0, 2 * len(s), 2)) for s in seqs])
    kept = [i for i, s in enumerate(seqs) if len(s) >= 3]
    if not kept:
        with pytest.raises(ValueError):
            leave_last_out(X)
        return
    s = leave_last_out(X)
    assert s.users.tolist() == kept
    assert _cells(s.X_train) == [seqs[i][:-2] for i in kept]
    assert s.y_valid.tolist() == [seqs[i][-2] for i in kept]
    assert _cells(s.X_test) == [seqs[i][:-1] for i in kept]
    assert _cells(s.X_test, "timestamps") == [
        list(range(0, 2 * len(seqs[i]) - 2, 2)) for i in kept
    ]
    assert s.y_test.tolist() == [seqs[i][-1] for i in kept]


@given(sequences)
def test_leave_last_out_cv_brute_force(seqs):
    X = make_sequence_frame(seqs)
    kept = [i for i, s in enumerate(seqs) if len(s) >= 3]
    if not kept:
        return
    X_cv, y_cv, cv = leave_last_out_cv(X)
    train = [i for i in kept if len(seqs[i]) >= 4]
    assert _cells(X_cv) == [seqs[i][:-3] for i in train] + [seqs[i][:-2] for i in kept]
    assert y_cv.tolist() == [seqs[i][-3] for i in train] + [seqs[i][-2] for i in kept]
    assert X_cv.index.tolist() == train + kept
    ((tr, va),) = list(cv.split(X_cv))
    assert tr.tolist() == list(range(len(train)))
    assert va.tolist() == list(range(len(train), len(train) + len(kept)))


def test_leave_last_out_cv_hand_worked(X):
    X_cv, y_cv, cv = leave_last_out_cv(X)
    assert isinstance(cv, PredefinedSplit) and cv.get_n_splits() == 1
    # ann, dee have training rows (bob has 3 events: no training pair).
    assert X_cv.index.tolist() == ["ann", "dee", "ann", "bob", "dee"]
    assert _cells(X_cv) == [[1], [3, 1], [1, 2], [5], [3, 1, 4]]
    assert y_cv.tolist() == [2, 4, 3, 6, 1]
    check_sequence_frame(X_cv)


class _Recorder(BaseEstimator):
    """Follows the convention and records what fit/decision_function see."""

    def __init__(self, n_items=9, boost=0):
        self.n_items = n_items
        self.boost = boost

    def fit(self, X, y=None):
        r = to_ragged(X)
        self.seen_fit_ = [list(a) + [int(t)] for a, t in zip(X["items"], y)]
        self.counts_ = np.bincount(
            np.concatenate([r.items, y]), minlength=self.n_items + 1
        ).astype(float)
        return self

    def decision_function(self, X):
        scores = np.tile(self.counts_, (len(X), 1))
        scores[:, self.boost] += 100 if self.boost else 0
        return scores


def test_grid_search_runs_the_protocol(X):
    X_cv, y_cv, cv = leave_last_out_cv(X)
    search = GridSearchCV(
        _Recorder(),
        {"boost": [0, 6]},
        cv=cv,
        scoring=make_ranking_scorer("hit_rate", k=1),
        refit=False,
    ).fit(X_cv, y_cv)
    # Training sequences = items[:-2] of users with >= 4 events.
    est = _Recorder().fit(X_cv.iloc[:2], y_cv[:2])
    assert est.seen_fit_ == [[1, 2], [3, 1, 4]]
    # boost=6 ranks item 6 first: a hit for bob's validation target only.
    # boost=0: counts 1:2, 2:1, 3:1, 4:1 -> after excluding seen items,
    # ann (seen 1, 2) gets 3 first (tie 3/4 -> pessimistic: rank 2, miss).
    scores = search.cv_results_["mean_test_score"]
    np.testing.assert_allclose(scores, [0.0, 1 / 3])
    assert search.best_params_ == {"boost": 6}


def test_beauty_protocol_counts():
    from skrec.datasets import load_beauty

    X = load_beauty()
    s = leave_last_out(X)
    assert len(s.users) == 22363 and len(s.dropped_users) == 0
    assert to_ragged(s.X_train).lengths.sum() == 198502 - 2 * 22363
    assert to_ragged(s.X_test).lengths.sum() == 198502 - 22363
    last = np.array([a[-1] for a in X["items"]])
    np.testing.assert_array_equal(s.y_test, last)


def test_input_types():
    with pytest.raises(TypeError, match="sequence frame"):
        leave_last_out(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="missing"):
        leave_last_out(pd.DataFrame({"items": [[1, 2, 3]]}))
