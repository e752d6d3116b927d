import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_estimator,
    estimator_checks_generator,
)

from skrec.preprocessing import SequenceEncoder
from skrec.sequence import check_sequence_frame, to_ragged


def _log(users, items, times):
    return pd.DataFrame({"user_id": users, "item_id": items, "timestamp": times})


@pytest.fixture
def log():
    # Hand-worked: ann has a tie at t=10 (mug before cup in the log).
    return _log(
        ["ann", "bob", "ann", "ann", "bob", "cy"],
        ["tea", "mug", "mug", "cup", "tea", "tea"],
        [30, 10, 10, 10, 15, 1],
    )


def _cells(X, col="items"):
    return [list(map(int, a)) for a in X[col]]


# ------------------------------------------------------------------ behaviour
def test_hand_worked_encoding(log):
    enc = SequenceEncoder()
    X = enc.fit_transform(log)
    assert enc.classes_.tolist() == ["cup", "mug", "tea"]
    assert enc.n_items_ == 3 and enc.n_users_ == 3 and enc.n_dropped_users_ == 0
    assert X.index.tolist() == ["ann", "bob", "cy"]
    assert X.index.name == "user_id"
    # ann: mug(10) then cup(10) keep log order, tea(30) last.
    assert _cells(X) == [[2, 1, 3], [2, 3], [3]]
    assert _cells(X, "timestamps") == [[10, 10, 30], [10, 15], [1]]
    for col in ("items", "timestamps"):
        assert all(isinstance(a, np.ndarray) and a.dtype == np.int64 for a in X[col])
    check_sequence_frame(X)


def test_fit_transform_equals_fit_then_transform(log):
    a = SequenceEncoder(min_length=2).fit_transform(log)
    b = SequenceEncoder(min_length=2).fit(log).transform(log)
    pd.testing.assert_frame_equal(a, b)


def test_min_length_drops_and_counts(log):
    enc = SequenceEncoder(min_length=3)
    X = enc.fit_transform(log)
    assert X.index.tolist() == ["ann"]
    assert enc.n_dropped_users_ == 2 and enc.n_users_ == 1
    # The vocabulary still covers every item of the fit log.
    assert enc.n_items_ == 3


def test_integer_ids_sorted_and_inverse(log):
    lg = _log([5, 5, 2], [300, 100, 200], [2, 1, 0])
    enc = SequenceEncoder()
    X = enc.fit_transform(lg)
    assert enc.classes_.tolist() == [100, 200, 300]
    assert X.index.tolist() == [2, 5]
    assert _cells(X) == [[2], [1, 3]]
    back = enc.inverse_transform(X)
    assert back.columns.tolist() == ["user_id", "item_id", "timestamp"]
    assert back.values.tolist() == [[2, 200, 0], [5, 100, 1], [5, 300, 2]]


def test_inverse_transform_arrays_and_errors(log):
    enc = SequenceEncoder().fit(log)
    assert enc.inverse_transform(np.array([[3, 1], [2, 2]])).tolist() == [
        ["tea", "cup"],
        ["mug", "mug"],
    ]
    with pytest.raises(ValueError, match="0 is the padding id"):
        enc.inverse_transform([0, 1])
    with pytest.raises(ValueError, match=r"1\.\.3"):
        enc.inverse_transform([4])
    with pytest.raises(TypeError, match="integers"):
        enc.inverse_transform(["a"])


def test_round_trip_log(log):
    enc = SequenceEncoder()
    back = enc.inverse_transform(enc.fit_transform(log))
    # Same multiset of events, each user's events in stable time order.
    expected = (
        log.assign(_pos=range(len(log)))
        .sort_values(["user_id", "timestamp", "_pos"], kind="stable")
        .drop(columns="_pos")
        .reset_index(drop=True)
    )
    assert (
        back.astype(object).values.tolist() == expected.astype(object).values.tolist()
    )


def test_transform_items(log):
    enc = SequenceEncoder().fit(log)
    assert enc.transform_items(["tea", "cup"]).tolist() == [3, 1]
    assert enc.transform_items(np.array([["mug"], ["tea"]])).tolist() == [[2], [3]]
    assert enc.transform_items(["nope", "cup"], unknown_value=0).tolist() == [0, 1]
    with pytest.raises(ValueError, match="not seen in fit"):
        enc.transform_items(["nope"])


def test_handle_unknown(log):
    new = _log(["ann", "ann", "dan"], ["tea", "kettle", "kettle"], [1, 2, 3])
    with pytest.raises(ValueError, match="kettle"):
        SequenceEncoder().fit(log).transform(new)
    X = SequenceEncoder(handle_unknown="drop").fit(log).transform(new)
    # dan has no known item left and disappears; ann keeps tea only.
    assert X.index.tolist() == ["ann"] and _cells(X) == [[3]]


def test_nothing_left_raises(log):
    with pytest.raises(ValueError, match="No user is left"):
        SequenceEncoder(min_length=4).fit(log)
    enc = SequenceEncoder(handle_unknown="drop").fit(log)
    with pytest.raises(ValueError, match="with known items"):
        enc.transform(_log(["x"], ["kettle"], [0]))


def test_datetime_timestamps():
    times = pd.to_datetime(
        ["2020-01-01 00:00:05", "2020-01-01 00:00:00", "1970-01-02 00:00:00"]
    )
    X = SequenceEncoder().fit_transform(_log([1, 1, 2], ["a", "b", "a"], times))
    t0 = 1577836800
    assert _cells(X, "timestamps") == [[t0, t0 + 5], [86400]]
    assert _cells(X) == [[2, 1], [1]]
    aware = times.tz_localize("Europe/Berlin")
    Xa = SequenceEncoder().fit_transform(_log([1, 1, 2], ["a", "b", "a"], aware))
    assert _cells(Xa, "timestamps") == [[t0 - 3600, t0 - 3595], [86400 - 3600]]


def test_time_col_none_uses_log_order():
    lg = pd.DataFrame({"user_id": [1, 2, 1], "item_id": [9, 8, 7]})
    X = SequenceEncoder(time_col=None).fit_transform(lg)
    assert _cells(X) == [[3, 1], [2]]
    assert _cells(X, "timestamps") == [[0, 1], [0]]


def test_custom_column_names():
    lg = pd.DataFrame({"u": [1, 1], "i": ["x", "y"], "t": [2, 1]})
    X = SequenceEncoder(user_col="u", item_col="i", time_col="t").fit_transform(lg)
    assert X.index.name == "u" and _cells(X) == [[2, 1]]


def test_mixed_type_ids_sort_numbers_first():
    lg = _log([1, 1, 1], ["b", 3, "a"], [0, 1, 2])
    enc = SequenceEncoder().fit(lg)
    assert enc.classes_.tolist() == [3, "a", "b"]
    assert enc.transform_items(["a", 3]).tolist() == [2, 1]
    assert enc.inverse_transform([3, 1]).tolist() == ["b", 3]


def test_input_not_modified(log):
    before = log.copy()
    SequenceEncoder(min_length=2).fit_transform(log)
    pd.testing.assert_frame_equal(log, before)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),
            st.sampled_from(["a", "b", "c", "d", "e"]),
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 4),
)
def test_matches_brute_force(events, min_length):
    users, items, times = zip(*events)
    lg = _log(list(users), list(items), list(times))
    vocab = sorted(set(items))
    expected = {}
    for pos, (u, i, t) in enumerate(events):
        expected.setdefault(u, []).append((t, pos, vocab.index(i) + 1))
    kept = {u: sorted(ev) for u, ev in expected.items() if len(ev) >= min_length}
    enc = SequenceEncoder(min_length=min_length)
    if not kept:
        with pytest.raises(ValueError, match="No user is left"):
            enc.fit_transform(lg)
        return
    X = enc.fit_transform(lg)
    assert enc.classes_.tolist() == vocab
    assert X.index.tolist() == sorted(kept)
    assert _cells(X) == [[e[2] for e in kept[u]] for u in sorted(kept)]
    assert _cells(X, "timestamps") == [[e[0] for e in kept[u]] for u in sorted(kept)]
    assert enc.n_dropped_users_ == len(expected) - len(kept)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.zeros((3, 3)), TypeError, "interaction log"),
        (pd.DataFrame({"user_id": [1], "item_id": [1]}), ValueError, "timestamp"),
        (_log([], [], []), ValueError, "empty"),
        (_log([1, None], [1, 2], [0, 1]), ValueError, "missing ids"),
        (_log([1, 1], [1, np.nan], [0, 1]), ValueError, "missing ids"),
        (_log([1, 1], [1, 2], [0, np.nan]), ValueError, "missing timestamps"),
        (_log([1, 1], [1, 2], [0, -5]), ValueError, "negative"),
        (_log([1, 1], [1, 2], [0, np.inf]), ValueError, "infinite"),
        (_log([1, 1], [1, 2], [0, 1.5]), ValueError, "non-integer"),
        (_log([1, 1], [1, 2], ["a", "b"]), TypeError, "numeric timestamps"),
        (_log([1, 1], [1, 2], [True, False]), TypeError, "numeric timestamps"),
        (_log([1], [1], pd.to_datetime([None])), ValueError, "missing timestamps"),
    ],
)
def test_bad_logs(bad, exc, match):
    with pytest.raises(exc, match=match):
        SequenceEncoder().fit(bad)


@pytest.mark.parametrize(
    "params", [{"min_length": 0}, {"handle_unknown": "ignore"}, {"user_col": 3}]
)
def test_bad_params(log, params):
    with pytest.raises(ValueError):
        SequenceEncoder(**params).fit(log)


def test_unfitted():
    with pytest.raises(NotFittedError):
        SequenceEncoder().transform(_log([1], [1], [1]))


# ----------------------------------------------------------- scikit-learn API
def test_tags_and_set_output_opt_out():
    enc = SequenceEncoder()
    tags = get_tags(enc)
    assert tags.input_tags.two_d_array is False
    assert tags.input_tags.string is True
    assert tags.requires_fit is True


def test_set_output_does_not_wrap(log):
    from sklearn import config_context

    expected = SequenceEncoder().fit_transform(log)
    with config_context(transform_output="pandas"):
        pd.testing.assert_frame_equal(SequenceEncoder().fit_transform(log), expected)
    enc = SequenceEncoder()
    assert enc.set_output(transform="pandas") is enc
    pd.testing.assert_frame_equal(enc.fit_transform(log), expected)
    pipe = Pipeline([("enc", SequenceEncoder())]).set_output(transform="pandas")
    pd.testing.assert_frame_equal(pipe.fit_transform(log), expected)
    with pytest.raises(ValueError, match="polars"):
        enc.set_output(transform="polars")


# parametrize_with_checks([SequenceEncoder()]) runs in tests/test_common.py,
# together with skrec's sequence-frame contract checks.


def test_what_parametrize_with_checks_runs():
    # With input_tags.two_d_array=False scikit-learn (1.9) yields only the
    # cloneability check and warns that it skips the array-based checks; the
    # API behaviour they would cover is tested explicitly below.
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        checks = list(estimator_checks_generator(SequenceEncoder()))
    names = [c.func.__name__ for _, c in checks]
    assert names == ["check_estimator_cloneable"]
    assert any(issubclass(w.category, SkipTestWarning) for w in rec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkipTestWarning)
        check_estimator(SequenceEncoder())


def test_clone_get_set_params(log):
    enc = SequenceEncoder(min_length=2, handle_unknown="drop").fit(log)
    params = enc.get_params()
    assert params == {
        "handle_unknown": "drop",
        "item_col": "item_id",
        "min_length": 2,
        "time_col": "timestamp",
        "user_col": "user_id",
    }
    c = clone(enc)
    assert c.get_params() == params and not hasattr(c, "classes_")
    assert c.set_params(min_length=3) is c and c.min_length == 3
    assert enc.min_length == 2
    assert "min_length=2" in repr(enc)


def test_init_stores_only_params():
    enc = SequenceEncoder(min_length=-1)  # validated in fit, not in __init__
    assert vars(enc) == enc.get_params()
    with pytest.raises(ValueError):
        enc.fit(_log([1], [1], [1]))


def test_fit_returns_self_and_refit_resets(log):
    enc = SequenceEncoder()
    assert enc.fit(log) is enc
    enc.fit(_log([1], ["z"], [0]))
    assert enc.classes_.tolist() == ["z"] and enc.n_users_ == 1


def test_pickle_round_trip(log):
    enc = SequenceEncoder().fit(log)
    enc2 = pickle.loads(pickle.dumps(enc))
    pd.testing.assert_frame_equal(enc.transform(log), enc2.transform(log))
    assert enc2.inverse_transform([1]).tolist() == ["cup"]


def test_feature_names_out(log):
    assert SequenceEncoder().fit(log).get_feature_names_out().tolist() == [
        "items",
        "timestamps",
    ]


# ------------------------------------------- frames flow through scikit-learn
class _MeanLength(BaseEstimator):
    """Minimal estimator over sequence frames (predicts the mean train length)."""

    def __init__(self, shift=0):
        self.shift = shift

    def fit(self, X, y=None):
        self.mean_ = to_ragged(X).lengths.mean() + self.shift
        self.fit_index_ = X.index.tolist()
        return self

    def score(self, X, y=None):
        return -abs(to_ragged(X).lengths.mean() - self.mean_)


def test_sequence_frames_with_sklearn_tools(log):
    big = pd.concat(
        [log.assign(user_id=log.user_id + str(k)) for k in range(5)], ignore_index=True
    )
    X = SequenceEncoder().fit_transform(big)
    X_tr, X_te = train_test_split(X, test_size=0.4, random_state=0)
    assert set(X_tr.index) | set(X_te.index) == set(X.index)
    check_sequence_frame(X_tr)
    np.testing.assert_array_equal(
        X_tr.loc[X_tr.index[0], "items"], X.loc[X_tr.index[0], "items"]
    )
    for train, test in KFold(3).split(X):
        check_sequence_frame(X.iloc[train])
        check_sequence_frame(X.iloc[test])
    search = GridSearchCV(_MeanLength(), {"shift": [0, 1, 5]}, cv=KFold(3)).fit(X)
    assert search.best_params_ == {"shift": 0}
    # A Pipeline that starts from a log.
    pipe = Pipeline([("enc", SequenceEncoder()), ("model", _MeanLength())])
    pipe.fit(big)
    assert pipe.named_steps["model"].mean_ == pytest.approx(to_ragged(X).lengths.mean())
    pipe2 = pickle.loads(pickle.dumps(clone(pipe).fit(big)))
    assert pipe2.named_steps["model"].fit_index_ == X.index.tolist()
    X2 = pickle.loads(pickle.dumps(X))
    pd.testing.assert_frame_equal(X, X2)


def test_iso_date_strings_are_timestamps():
    log = pd.DataFrame({
        "user_id": ["a", "a", "b", "b"],
        "item_id": [1, 2, 1, 3],
        "timestamp": ["2020-09-14T10:00:00", "2020-09-15", "2020-09-14T10:00:00+02:00",
                      "2021-01-01T00:00:00Z"],
    })
    X = SequenceEncoder().fit_transform(log)
    # UTC seconds; strings without a zone are read as UTC
    assert X.loc["a", "timestamps"].tolist() == [1600077600, 1600128000]
    assert X.loc["b", "timestamps"].tolist() == [1600070400, 1609459200]
    same = log.assign(timestamp=pd.to_datetime(log["timestamp"], format="ISO8601",
                                               utc=True))
    pd.testing.assert_frame_equal(SequenceEncoder().fit_transform(same), X)


def test_arrow_logs_encode_like_pandas():
    import pyarrow as pa

    from skrec.preprocessing import SequenceEncoder

    log = pd.DataFrame({"user_id": ["ann", "bob", "ann", "ann", "bob"],
                        "item_id": ["tea", "mug", "cup", "mug", "tea"],
                        "timestamp": [30, 10, 10, 20, 15],
                        "price": [1.0, 2.0, 3.0, 4.0, 5.0]})
    expected = SequenceEncoder().fit_transform(log)
    table = pa.Table.from_pandas(log, preserve_index=False)
    enc = SequenceEncoder()
    got = enc.fit_transform(table)
    pd.testing.assert_index_equal(got.index, expected.index)
    for a, b in zip(got["items"], expected["items"]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(enc.transform(table.to_batches()[0])["timestamps"],
                    expected["timestamps"]):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="missing column"):
        SequenceEncoder(item_col="sku").fit(table)


def test_polars_logs_encode_like_pandas():
    pl = pytest.importorskip("polars")
    from skrec.preprocessing import SequenceEncoder

    log = pd.DataFrame({"user_id": ["ann", "bob", "ann"], "item_id": [3, 1, 2],
                        "timestamp": [2, 1, 1]})
    expected = SequenceEncoder().fit_transform(log)
    got = SequenceEncoder().fit_transform(pl.from_pandas(log))
    for a, b in zip(got["items"], expected["items"]):
        np.testing.assert_array_equal(a, b)
