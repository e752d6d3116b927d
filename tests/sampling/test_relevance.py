import numpy as np
import pytest
from scipy.interpolate import CubicHermiteSpline
from scipy.stats import gaussian_kde

from skrec.sampling import density_relevance, extremes_relevance, relevance_bins
from skrec.sampling._relevance import check_regression_target


def test_extremes_hand_checked():
    y = np.array([1.0, 2, 2, 3, 3, 3, 4, 4, 5, 20])
    # midpoint quartiles: Q1 = 2.5, median = 3, Q3 = 4, IQR = 1.5; upper fence
    # 6.25 -> upper whisker 5 (20 lies beyond); lower fence 0.25 -> nothing
    # below the minimum, so the low side gets relevance 0.
    # Control points (1, 0), (3, 0), (5, 1); smoothstep on [3, 5]: phi(4) = 0.5.
    np.testing.assert_allclose(
        extremes_relevance(y), [0, 0, 0, 0, 0, 0, 0.5, 0.5, 1, 1], atol=1e-12
    )
    # Only the low tail when asked.
    np.testing.assert_allclose(extremes_relevance(y, extremes="low"), 0.0)


def test_extremes_matches_hermite_spline_reference():
    rng = np.random.RandomState(0)
    y = np.r_[rng.normal(0, 1, 300), rng.normal(6, 1, 10), rng.normal(-6, 1, 10)]
    phi = extremes_relevance(y)
    q1, med, q3 = np.quantile(y, [0.25, 0.5, 0.75], method="midpoint")
    lo = y[y >= q1 - 1.5 * (q3 - q1)].min()
    hi = y[y <= q3 + 1.5 * (q3 - q1)].max()
    spline = CubicHermiteSpline([lo, med, hi], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0])
    expected = np.where(y <= lo, 1.0, np.where(y >= hi, 1.0, spline(y)))
    np.testing.assert_allclose(phi, expected, atol=1e-12)
    assert phi.min() >= 0 and phi.max() <= 1


def test_density_relevance():
    y = np.array([0.0, 0.1, 0.2, 0.1, 5.0])
    np.testing.assert_array_equal(
        density_relevance(y, method="histogram", bins=5), [0, 0, 0, 0, 1]
    )
    rng = np.random.RandomState(1)
    y = rng.lognormal(size=200)
    d = gaussian_kde(y)(y)
    expected = 1 - (d - d.min()) / (d.max() - d.min())
    np.testing.assert_allclose(density_relevance(y), expected)
    np.testing.assert_array_equal(density_relevance(np.ones(5)), 0.0)
    with pytest.raises(ValueError, match="method"):
        density_relevance(y, method="spline")


def test_relevance_bins_hand_checked_and_ties():
    bins, rare = relevance_bins([5, 1, 2, 9, 3], [0.9, 0.9, 0.1, 1.0, 0.2], 0.5)
    np.testing.assert_array_equal(bins, [2, 0, 1, 2, 1])
    np.testing.assert_array_equal(rare, [True, False, True])
    # Equal targets share one bin even when a callable gave them other values.
    bins, rare = relevance_bins([1, 2, 2, 3], [0.0, 0.0, 0.9, 0.9], 0.5)
    assert bins[1] == bins[2]


@pytest.mark.parametrize(
    "y, exc, match",
    [
        ([1.0, np.nan], ValueError, "NaN"),
        ([1.0, np.inf], ValueError, "NaN or infinite"),
        (np.ones((3, 2)), ValueError, "1-D"),
        (["a", "b"], TypeError, "numeric"),
    ],
)
def test_check_regression_target(y, exc, match):
    with pytest.raises(exc, match=match):
        check_regression_target(y)
