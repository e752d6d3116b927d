import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV

from skrec.sampling import (
    SMOTER,
    RegressionRandomOverSampler,
    RegressionRandomUnderSampler,
    extremes_relevance,
    relevance_bins,
)


def _data(n=200, seed=0):
    rng = np.random.RandomState(seed)
    y = np.r_[rng.normal(0, 1, n - 20), rng.normal(7, 0.5, 20)]
    X = np.c_[y + rng.normal(0, 0.2, n), rng.normal(size=n)]
    return X, y


def test_over_sampler_grows_rare_bins_to_balance():
    X, y = _data()
    sampler = RegressionRandomOverSampler(relevance="extremes", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    bins, rare = relevance_bins(y, extremes_relevance(y), 0.5)
    sizes = np.bincount(bins)
    mean = int(round(y.size / sizes.size))
    expected = np.maximum(sizes, mean)
    np.testing.assert_array_equal(sampler.bins_, bins)
    np.testing.assert_array_equal(sampler.bin_rare_, rare)
    assert sampler.sampling_strategy_ == dict(enumerate(expected.tolist()))
    # Every original row kept; the extra rows are copies from their own bin.
    idx = sampler.sample_indices_
    assert set(idx) == set(range(y.size))
    np.testing.assert_array_equal(np.bincount(bins[idx]), expected)
    np.testing.assert_array_equal(X_res, X[idx])
    np.testing.assert_array_equal(y_res, y[idx])


def test_under_sampler_shrinks_normal_bins_only():
    X, y = _data()
    sampler = RegressionRandomUnderSampler(relevance="extremes", random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    bins, rare = sampler.bins_, sampler.bin_rare_
    sizes = np.bincount(bins)
    idx = sampler.sample_indices_
    assert len(np.unique(idx)) == idx.size  # no duplicates
    mean = int(round(y.size / sizes.size))
    np.testing.assert_array_equal(np.bincount(bins[idx]), np.minimum(sizes, mean))
    # Rare rows all survive (they are below the mean size here).
    assert set(np.flatnonzero(rare[bins])) <= set(idx)


def test_float_and_dict_strategies():
    X, y = _data()
    over = RegressionRandomOverSampler(sampling_strategy=0.5, relevance="extremes")
    over.fit_resample(X, y)
    sizes = np.bincount(over.bins_)
    largest_normal = sizes[~over.bin_rare_].max()
    for b, c in over.sampling_strategy_.items():
        want = max(sizes[b], round(0.5 * largest_normal)) if over.bin_rare_[b] else sizes[b]
        assert c == want
    under = RegressionRandomUnderSampler(sampling_strategy=0.5, relevance="extremes")
    under.fit_resample(X, y)
    largest_rare = sizes[under.bin_rare_].max()
    for b, c in under.sampling_strategy_.items():
        assert c == (sizes[b] if under.bin_rare_[b] else round(largest_rare / 0.5))
    rare_bin = int(np.flatnonzero(over.bin_rare_)[0])
    dict_over = RegressionRandomOverSampler(
        sampling_strategy={rare_bin: 100}, relevance="extremes", random_state=0
    )
    _, y_res = dict_over.fit_resample(X, y)
    assert np.sum(dict_over.bins_[dict_over.sample_indices_] == rare_bin) == 100
    with pytest.raises(ValueError, match="unknown bins"):
        RegressionRandomOverSampler(sampling_strategy={99: 5}).fit_resample(X, y)
    with pytest.raises(ValueError, match="cannot remove"):
        RegressionRandomOverSampler(
            sampling_strategy={rare_bin: 1}, relevance="extremes"
        ).fit_resample(X, y)
    with pytest.raises(ValueError, match="cannot add"):
        RegressionRandomUnderSampler(
            sampling_strategy={rare_bin: 10_000}, relevance="extremes"
        ).fit_resample(X, y)


def test_relevance_callable():
    X, y = _data()
    sampler = RegressionRandomOverSampler(
        relevance=lambda t: (t > 5).astype(float), threshold=1.0, random_state=0
    )
    sampler.fit_resample(X, y)
    np.testing.assert_array_equal(sampler.bin_rare_, [False, True])
    assert sampler.sampling_strategy_ == {0: 180, 1: 100}
    with pytest.raises(ValueError, match="one value per sample"):
        RegressionRandomOverSampler(relevance=lambda t: t[:3]).fit_resample(X, y)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        RegressionRandomOverSampler(relevance=lambda t: t).fit_resample(X, y)


@pytest.mark.parametrize("cls", [RegressionRandomOverSampler, RegressionRandomUnderSampler, SMOTER])
def test_bad_inputs(cls):
    X, y = _data(50)
    y_nan = y.copy()
    y_nan[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls().fit_resample(X, y_nan)
    with pytest.raises(ValueError, match="constant"):
        cls().fit_resample(X, np.ones(50))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cls().fit_resample(X, y[:40])
    with pytest.raises(ValueError, match="sampling_strategy"):
        cls(sampling_strategy="extreme").fit_resample(X, y)
    with pytest.raises(ValueError, match="threshold"):
        cls(threshold=0.0).fit_resample(X, y)
    with pytest.raises(ValueError, match="1-D"):
        cls().fit_resample(X, np.c_[y, y])
    assert not np.isnan(y).any()  # input untouched


def test_nothing_rare_warns_and_returns_input():
    X, y = _data(50)
    with pytest.warns(UserWarning, match="nothing is"):
        X_res, y_res = RegressionRandomOverSampler(
            relevance=lambda t: np.zeros_like(t)
        ).fit_resample(X, y)
    np.testing.assert_array_equal(np.sort(y_res), np.sort(y))


def test_pandas_pickle_clone_determinism():
    X, y = _data(80)
    Xdf = pd.DataFrame(X, columns=["a", "b"])
    ys = pd.Series(y, name="target")
    sampler = RegressionRandomOverSampler(random_state=7)
    X1, y1 = sampler.fit_resample(Xdf, ys)
    assert list(X1.columns) == ["a", "b"] and y1.name == "target"
    X2, y2 = clone(sampler).fit_resample(Xdf, ys)
    pd.testing.assert_frame_equal(X1, X2)
    X3, _ = pickle.loads(pickle.dumps(sampler)).fit_resample(Xdf, ys)
    pd.testing.assert_frame_equal(X1, X3)


def test_pipeline_grid_search_regression():
    X, y = _data(150)
    pipe = Pipeline([("s", SMOTER(random_state=0)), ("reg", Ridge())])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no sampler warnings in the CV loop
        grid = GridSearchCV(
            pipe, {"s__k_neighbors": [2, 5], "s__relevance": ["kde", "histogram"]}, cv=3
        )
        grid.fit(X, y)
    assert set(grid.best_params_) == {"s__k_neighbors", "s__relevance"}
    under = Pipeline([("s", RegressionRandomUnderSampler(random_state=0)), ("reg", Ridge())])
    GridSearchCV(under, {"s__threshold": [0.3, 0.6]}, cv=3).fit(X, y)
