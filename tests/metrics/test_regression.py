"""Tests of the deep-imbalanced-regression shot-region scores."""

import numpy as np
import pytest

from skrec.metrics import shot_region_scores, shot_regions


@pytest.fixture
def y_train():
    # unit bins starting at 0: 150 in bin 0 (many), 100 in bin 1 (medium:
    # exactly 100 is not > 100), 20 in bin 2 (medium: 20 is not < 20),
    # 19 in bin 3 (few); bin 4 and beyond empty (few).
    return np.r_[np.zeros(150), np.ones(100) + 0.5, np.full(20, 2.2), np.full(19, 3.9)]


def test_regions_thresholds_are_strict(y_train):
    y = np.array([0.0, 0.99, 1.0, 1.7, 2.0, 2.99, 3.0, 3.99, 4.0, -0.5, 100.0])
    expected = ["many", "many", "medium", "medium", "medium", "medium",
                "few", "few", "few", "few", "few"]
    assert shot_regions(y, y_train).tolist() == expected


def test_scores_hand_computed(y_train):
    y_true = np.array([0.0, 0.5, 1.5, 2.5, 3.5, 7.0])
    y_pred = np.array([1.0, 0.5 + 4.0, 1.5, 2.5 - 2.0, 3.5 + 8.0, 7.0 - 0.5])
    err = np.array([1.0, 4.0, 0.0, 2.0, 8.0, 0.5])
    eps = 1e-12
    s = shot_region_scores(y_true, y_pred, y_train, eps=eps)
    assert s["many"]["n"] == 2 and s["medium"]["n"] == 2 and s["few"]["n"] == 2
    assert s["many"]["mae"] == pytest.approx(2.5)
    assert s["many"]["gm"] == pytest.approx(2.0)  # sqrt(1 * 4)
    assert s["few"]["mae"] == pytest.approx(4.25)
    assert s["few"]["gm"] == pytest.approx(2.0)  # sqrt(8 * 0.5)
    assert s["medium"]["mae"] == pytest.approx(1.0)
    # one exact prediction: GM is tiny but finite and positive thanks to eps
    assert s["medium"]["gm"] == pytest.approx(np.sqrt(eps * (2.0 + eps)))
    assert s["all"]["mae"] == pytest.approx(err.mean())
    assert s["all"]["gm"] == pytest.approx(np.exp(np.mean(np.log(err + eps))))
    assert s["all"]["n"] == 6


def test_empty_region_is_nan(y_train):
    s = shot_region_scores([0.0, 0.2], [0.1, 0.3], y_train)
    assert s["few"]["n"] == 0 and np.isnan(s["few"]["mae"]) and np.isnan(s["few"]["gm"])
    assert s["many"]["mae"] == pytest.approx(0.1)


def test_bins_count_matches_numpy_histogram():
    rng = np.random.default_rng(0)
    y_train = rng.lognormal(size=2000)
    counts, edges = np.histogram(y_train, bins=30)
    centers = (edges[:-1] + edges[1:]) / 2
    regions = shot_regions(
        np.r_[centers, edges[-1]], y_train, bin_width=None, bins=30,
        many_shot_threshold=100, few_shot_threshold=20,
    )
    expected = np.where(counts > 100, "many", np.where(counts < 20, "few", "medium"))
    assert regions[:-1].tolist() == expected.tolist()
    assert regions[-1] == expected[-1]  # the top edge belongs to the last bin


def test_sample_weight_weighted_means(y_train):
    y_true = np.array([0.0, 0.0])
    y_pred = np.array([1.0, 4.0])
    s = shot_region_scores(y_true, y_pred, y_train, sample_weight=[3.0, 1.0])
    assert s["many"]["mae"] == pytest.approx((3 * 1 + 4) / 4)
    assert s["many"]["gm"] == pytest.approx(np.exp((3 * np.log(1) + np.log(4)) / 4))


def test_inputs_not_modified(y_train):
    y_true = np.array([0.0, 1.5])
    y_pred = np.array([1.0, 2.0])
    before = (y_true.copy(), y_pred.copy(), y_train.copy())
    shot_region_scores(y_true, y_pred, y_train)
    for a, b in zip(before, (y_true, y_pred, y_train)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(y_true=[np.nan, 1.0]), "NaN or infinite"),
        (dict(y_pred=[np.inf, 1.0]), "NaN or infinite"),
        (dict(y_train=[0.0, np.nan]), "NaN or infinite"),
        (dict(y_true=np.zeros((2, 2))), "must be 1-D"),
        (dict(y_pred=[1.0]), "same length"),
        (dict(bin_width=0), "bin_width must be a positive"),
        (dict(bin_width=None), "Give bin_width"),
        (dict(bins=3), "either bin_width or bins"),
        (dict(bin_width=None, bins=0), "bins must be a positive integer"),
        (dict(few_shot_threshold=200), "must not exceed"),
        (dict(sample_weight=[1.0]), "one weight per sample"),
        (dict(sample_weight=[-1.0, 1.0]), "non-negative"),
        (dict(y_train=[]), "empty"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(y_true=[0.0, 1.0], y_pred=[0.0, 1.0], y_train=[0.0, 1.0, 2.0])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        shot_region_scores(**args)


def test_column_vector_accepted(y_train):
    a = shot_region_scores(np.array([[0.0], [3.5]]), [1.0, 2.0], y_train)
    b = shot_region_scores([0.0, 3.5], [1.0, 2.0], y_train)
    for region in a:
        np.testing.assert_equal(a[region], b[region])  # NaN-aware
