"""Tests of the LDS weights against hand-worked histograms."""

import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from skrec.regression import lds_weights

Y = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 2.0])  # unit-bin counts 4, 1, 2


def _normalised(inv):
    inv = np.asarray(inv, dtype=float)
    return inv * len(inv) / inv.sum()


def test_sqrt_inv_triangular_by_hand():
    s2 = math.sqrt(2)
    smoothed = [2 + 0.5 * 1, 0.5 * 2 + 1 + 0.5 * s2, 0.5 * 1 + s2]  # window [.5, 1, .5]
    expected = _normalised([1 / smoothed[0]] * 4 + [1 / smoothed[1]] + [1 / smoothed[2]] * 2)
    got = lds_weights(Y, kernel="triang", kernel_size=3)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got.mean() == pytest.approx(1.0)


def test_inverse_laplace_by_hand():
    k = math.exp(-1.0)  # laplace window [e^-1, 1, e^-1] with sigma=1
    smoothed = [4 + k * 1, k * 4 + 1 + k * 2, k * 1 + 2]
    expected = _normalised([1 / smoothed[0]] * 4 + [1 / smoothed[1]] + [1 / smoothed[2]] * 2)
    got = lds_weights(Y, reweight="inverse", kernel="laplace", kernel_size=3, sigma=1.0, clip=(1, 1000))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_inverse_clip_and_no_smoothing():
    # clip(5, 1000) lifts every count to 5: all weights equal
    np.testing.assert_allclose(lds_weights(Y, reweight="inverse", kernel=None), np.ones(7))
    got = lds_weights(Y, reweight="inverse", kernel=None, clip=(1, 1000))
    np.testing.assert_allclose(got, _normalised([1 / 4] * 4 + [1.0] + [1 / 2] * 2))


def test_gaussian_window_is_reference_impulse_response():
    impulse = np.zeros(5)
    impulse[2] = 1.0
    window = gaussian_filter1d(impulse, sigma=2.0)
    window = window / window.max()
    c = np.sqrt([4.0, 1.0, 2.0])
    smoothed = [
        c[0] * window[2] + c[1] * window[3] + c[2] * window[4],
        c[0] * window[1] + c[1] * window[2] + c[2] * window[3],
        c[0] * window[0] + c[1] * window[1] + c[2] * window[2],
    ]
    expected = _normalised([1 / smoothed[0]] * 4 + [1 / smoothed[1]] + [1 / smoothed[2]] * 2)
    np.testing.assert_allclose(lds_weights(Y), expected, rtol=1e-12)


def test_empty_bins_inside_range_are_kept():
    # bins 0 and 2 hold one sample each, bin 1 is empty: symmetric weights
    np.testing.assert_allclose(lds_weights([0.0, 2.0], kernel="triang", kernel_size=3), [1.0, 1.0])
    # rare labels get the larger weights
    y = np.r_[np.zeros(50), np.full(2, 10.0)]
    w = lds_weights(y)
    assert w[-1] > w[0]


def test_bins_argument_and_input_untouched():
    rng = np.random.default_rng(0)
    y = rng.exponential(size=500)
    y_copy = y.copy()
    w = lds_weights(y, bin_width=None, bins=20)
    np.testing.assert_array_equal(y, y_copy)
    counts, edges = np.histogram(y, bins=20)
    idx = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, 19)
    smoothed = np.convolve(np.sqrt(counts), gaussian_filter1d(np.eye(5)[2], 2.0) / gaussian_filter1d(np.eye(5)[2], 2.0).max(), mode="same")
    np.testing.assert_allclose(w, _normalised(1 / smoothed[idx]), rtol=1e-10)


@pytest.mark.parametrize(
    "y, kwargs, match",
    [
        ([0.0, np.nan], {}, "NaN or infinite"),
        ([0.0, np.inf], {}, "NaN or infinite"),
        (np.zeros((3, 2)), {}, "must be 1-D"),
        ([], {}, "empty"),
        ([0.0, 1.0], {"kernel_size": 4}, "odd"),
        ([0.0, 1.0], {"reweight": "log"}, "reweight"),
        ([0.0, 1.0], {"kernel": "box"}, "kernel must be"),
        ([0.0, 1.0], {"sigma": 0}, "sigma"),
        ([0.0, 1.0], {"bin_width": -1}, "bin_width"),
        ([0.0, 1.0], {"clip": (0, 10)}, "clip"),
    ],
)
def test_bad_input(y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lds_weights(y, **kwargs)
