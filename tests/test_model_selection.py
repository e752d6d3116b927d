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


# ------------------------------------------------------- temporal / cold-user splits
from hypothesis import given as _given  # noqa: E402
from hypothesis import settings as _settings  # noqa: E402
from hypothesis import strategies as _st  # noqa: E402

from skrec.model_selection import cold_user_split, temporal_split  # noqa: E402
from skrec.sequence import make_sequence_frame as _frame  # noqa: E402

_LOGS = _st.lists(
    _st.lists(_st.tuples(_st.integers(1, 30), _st.integers(0, 100)), min_size=1,
              max_size=8),
    min_size=1, max_size=15,
)


def _sorted_frame(rows):
    seqs = [sorted(r, key=lambda e: e[1]) for r in rows]
    return _frame([[i for i, _ in s] for s in seqs], [[t for _, t in s] for s in seqs],
                  index=[f"u{k}" for k in range(len(seqs))]), seqs


@_settings(max_examples=80, deadline=None)
@_given(rows=_LOGS, cutoff=_st.integers(0, 101))
def test_temporal_split_never_trains_on_the_future(rows, cutoff):
    X, seqs = _sorted_frame(rows)
    split = temporal_split(X, cutoff)
    for user, times in zip(split.X_train.index, split.X_train["timestamps"]):
        assert (times < cutoff).all()
        full = seqs[int(user[1:])]
        assert len(times) == sum(t < cutoff for _, t in full)  # every past event
    expected_test = {f"u{k}": s for k, s in enumerate(seqs)
                     if any(t < cutoff for _, t in s) and any(t >= cutoff for _, t in s)}
    assert list(split.X_test.index) == list(expected_test)
    for (user, items), target in zip(split.X_test["items"].items(), split.y_test):
        s = expected_test[user]
        assert items.tolist() == [i for i, t in s if t < cutoff]
        assert target == next(i for i, t in s if t >= cutoff)


def test_temporal_split_accepts_dates():
    X = _frame([[1, 2, 3]], [[1_600_000_000, 1_600_086_400, 1_700_000_000]])
    split = temporal_split(X, "2020-09-14")  # 1_600_041_600
    assert split.X_test["items"].tolist()[0].tolist() == [1] and split.y_test.tolist() == [2]
    with pytest.raises(TypeError, match="cutoff"):
        temporal_split(X, cutoff=object())


@_settings(max_examples=50, deadline=None)
@_given(rows=_LOGS, test_size=_st.sampled_from([0.2, 0.5, 0.8]), seed=_st.integers(0, 99))
def test_cold_user_split_never_shares_a_user(rows, test_size, seed):
    X, seqs = _sorted_frame(rows)
    eligible = sum(len(s) >= 2 for s in seqs)
    if round(test_size * eligible) == 0:
        with pytest.raises(ValueError, match="holds out no user"):
            cold_user_split(X, test_size=test_size, random_state=seed)
        return
    split = cold_user_split(X, test_size=test_size, random_state=seed)
    assert not set(split.X_train.index) & set(split.X_test.index)
    assert set(split.X_train.index) | set(split.X_test.index) == set(X.index)
    for (user, items), target in zip(split.X_test["items"].items(), split.y_test):
        full = [i for i, _ in seqs[int(user[1:])]]
        assert items.tolist() + [target] == full


@_settings(max_examples=60, deadline=None)
@_given(rows=_LOGS, cutoff=_st.integers(0, 101))
def test_temporal_split_cv_trains_only_on_the_past(rows, cutoff):
    from skrec.model_selection import temporal_split_cv

    X, seqs = _sorted_frame(rows)
    split = temporal_split(X, cutoff)
    n_fit = sum(sum(t < cutoff for _, t in s) >= 2 for s in seqs)
    if n_fit == 0 or len(split.X_test) == 0:
        with pytest.raises(ValueError, match="choose a cutoff"):
            temporal_split_cv(X, cutoff)
        return
    X_cv, y_cv, cv = temporal_split_cv(X, cutoff)
    (train_idx, test_idx), = cv.split()
    for pos in train_idx:
        user = X_cv.index[pos]
        past = [(i, t) for i, t in seqs[int(user[1:])] if t < cutoff]
        # the row is the past minus its last event, which is the target
        assert X_cv["items"].iloc[pos].tolist() + [y_cv[pos]] == [i for i, _ in past]
        assert (X_cv["timestamps"].iloc[pos] < cutoff).all()
    assert y_cv[test_idx].tolist() == split.y_test.tolist()
    assert list(X_cv.index[test_idx]) == list(split.X_test.index)


def test_temporal_split_numeric_cutoffs_are_in_the_frames_unit():
    X = _frame([[1, 2, 3]], [[10, 20, 30]])
    assert temporal_split(X, 20.5).y_test.tolist() == [3]
    assert temporal_split(X, np.int64(20)).y_test.tolist() == [2]
    with pytest.raises(ValueError, match="finite"):
        temporal_split(X, float("nan"))
