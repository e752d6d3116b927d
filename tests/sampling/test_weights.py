"""Samplers resample sample_weight with the rows (WeightCarryingMixin)."""

import numpy as np
import pandas as pd
import pytest

from skrec.augmentation import AugmentationSampler, TiCrop
from skrec.sampling import (
    SMOGN,
    SMOTER,
    BalancedGroupSampler,
    RegressionRandomOverSampler,
    RegressionRandomUnderSampler,
    TemperatureSampler,
)
from skrec.sequence import make_sequence_frame


def _regression_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(n, dtype=float), rng.normal(size=n)])  # col 0: row id
    y = np.exp(rng.normal(size=n))
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w


SELECTION = [RegressionRandomOverSampler(random_state=0),
             RegressionRandomUnderSampler(random_state=0)]


@pytest.mark.parametrize("sampler", SELECTION, ids=lambda s: type(s).__name__)
def test_copied_rows_keep_their_weights(sampler):
    X, y, w = _regression_data()
    X_res, y_res, w_res = sampler.fit_resample(X, y, sample_weight=w)
    source = X_res[:, 0].astype(int)  # the row id travels with the row
    np.testing.assert_array_equal(w_res, w[source])
    np.testing.assert_array_equal(y_res, y[source])
    # the documented sum: every input weight times its number of output rows
    assert w_res.sum() == pytest.approx(np.sum(w * np.bincount(source, minlength=len(w))))
    # the same draw as without weights
    X2, y2 = type(sampler)(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X2, X_res)


@pytest.mark.parametrize("cls", [SMOTER, SMOGN])
def test_synthetic_rows_get_the_weight_of_their_seed(cls):
    X, y, w = _regression_data()
    sampler = cls(random_state=0)
    X_res, y_res, w_res = sampler.fit_resample(X, y, sample_weight=w)
    n_kept = len(y_res) - sampler.n_synthetic_
    origins = sampler.sample_origins_
    assert len(origins) == len(y_res) and sampler.n_synthetic_ > 0
    kept = X_res[:n_kept, 0].astype(int)
    np.testing.assert_array_equal(origins[:n_kept], kept)
    np.testing.assert_array_equal(w_res, w[origins])
    if cls is SMOTER:
        # a SMOTER row interpolates its seed and a neighbour of the same bin:
        # its target lies in the seed's bin range
        seeds = origins[n_kept:]
        lo, hi = sampler.bin_ranges_[sampler.bins_[seeds]].T
        synth_y = y_res[n_kept:]
        assert ((synth_y >= lo - 1e-9) & (synth_y <= hi + 1e-9)).all()
    assert w_res.sum() == pytest.approx(np.sum(w * np.bincount(origins, minlength=len(w))))


def test_group_samplers_carry_weights():
    rng = np.random.default_rng(1)
    n = 300
    X = pd.DataFrame({"id": np.arange(n), "x": rng.normal(size=n)})
    y = rng.integers(0, 2, n)
    groups = rng.choice(["a", "b", "c"], n, p=[0.7, 0.2, 0.1])
    w = rng.uniform(0.1, 3.0, n)
    for sampler in (TemperatureSampler(temperature=2.0, random_state=0),
                    BalancedGroupSampler(random_state=0)):
        X_res, y_res, w_res = sampler.fit_resample(X, y, groups, sample_weight=w)
        np.testing.assert_array_equal(w_res, w[X_res["id"].to_numpy()])


def test_augmented_copies_get_the_weight_of_their_source():
    X = make_sequence_frame([[1, 2, 3, 4], [5, 6, 7, 8], [2, 3, 4, 5]],
                            [[0, 1, 2, 9], [0, 5, 6, 7], [0, 1, 2, 3]])
    y = np.array([0, 1, 1])
    w = np.array([1.0, 2.0, 3.0])
    sampler = AugmentationSampler(TiCrop(rate=0.75), sampling_strategy={1: 2},
                                  random_state=0)
    X_res, y_res, w_res = sampler.fit_resample(X, y, sample_weight=w)
    # rows 1 and 2 get two copies each: 3 + 4 rows
    np.testing.assert_array_equal(w_res, [1.0, 2.0, 3.0, 2.0, 3.0, 2.0, 3.0])
    assert w_res.sum() == 1 + 3 * 2 + 3 * 3


def test_bad_weights_and_unknown_classes():
    X, y, w = _regression_data(50)
    with pytest.raises(ValueError, match="one weight per row"):
        SMOTER(random_state=0).fit_resample(X, y, sample_weight=w[:-1])
    with pytest.raises(ValueError, match="non-negative"):
        SMOTER(random_state=0).fit_resample(X, y, sample_weight=-w)
    Xs = make_sequence_frame([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="unknown classes"):
        AugmentationSampler(TiCrop(), sampling_strategy={5: 2}).fit_resample(
            Xs, np.array([0, 1]))
