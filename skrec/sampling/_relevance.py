"""Relevance (rarity) functions for continuous targets.

A relevance function maps a target value ``y`` to ``phi(y)`` in ``[0, 1]``;
high values mark rare, interesting targets. Regression samplers call the
samples with ``phi(y) >= threshold`` *rare* and split the sorted target into
contiguous runs of rare and normal values ("bins").
"""

import numbers

import numpy as np

__all__ = [
    "check_regression_target",
    "density_relevance",
    "extremes_relevance",
    "relevance_bins",
]


def check_regression_target(y, name="y"):
    """Return ``y`` as a finite 1-D float64 array (a copy) or raise.

    Column vectors ``(n, 1)`` are flattened. NaN/inf, non-numeric values and
    several target columns raise a ``ValueError``/``TypeError`` that says how
    to fix the input.
    """
    arr = np.asarray(y)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must be a numeric continuous target; got non-numeric values."
            ) from exc
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must be a numeric continuous target; got dtype {arr.dtype}."
        )
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (a single continuous target); got shape {arr.shape}. "
            "Regression samplers do not support multi-output targets."
        )
    arr = arr.astype(np.float64, copy=True)
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} contains {int(np.sum(~np.isfinite(arr)))} NaN or infinite "
            "value(s); drop or impute those rows before resampling."
        )
    return arr


def density_relevance(y, *, method="kde", bins="auto", bandwidth="scott"):
    """Relevance from the target's density: rare where the density is low.

    ``phi(y) = 1 - (d(y) - min d) / (max d - min d)`` with ``d`` a density
    estimate of the target evaluated at the samples (the min-max scaled
    density of DenseWeight, Steininger et al. 2021, with ``alpha = 1``).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Continuous target.
    method : {"kde", "histogram"}, default="kde"
        Gaussian kernel density estimate (:class:`scipy.stats.gaussian_kde`)
        or a histogram (``numpy.histogram`` with ``bins``).
    bins : int or str, default="auto"
        Histogram bins (``method="histogram"`` only), as in ``numpy.histogram``.
    bandwidth : {"scott", "silverman"} or float, default="scott"
        Kernel bandwidth rule or factor (``method="kde"`` only).

    Returns
    -------
    relevance : ndarray of shape (n_samples,)
        Values in ``[0, 1]``; 1 at the least dense sample, 0 at the densest.
        A constant target gets relevance 0 everywhere.

    References
    ----------
    .. [1] M. Steininger, K. Kobs, P. Davidson, A. Krause and A. Hotho,
       "Density-based weighting for imbalanced regression", Machine Learning
       110, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import density_relevance
    >>> y = np.array([0.0, 0.1, 0.2, 0.1, 5.0])
    >>> density_relevance(y, method="histogram", bins=5)
    array([0., 0., 0., 0., 1.])
    """
    y = check_regression_target(y)
    if np.ptp(y) == 0:
        return np.zeros_like(y)
    if method == "kde":
        from scipy.stats import gaussian_kde

        density = gaussian_kde(y, bw_method=bandwidth)(y)
    elif method == "histogram":
        hist, edges = np.histogram(y, bins=bins, density=True)
        idx = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, hist.size - 1)
        density = hist[idx]
    else:
        raise ValueError(f"method must be 'kde' or 'histogram'; got {method!r}.")
    lo, hi = density.min(), density.max()
    if hi == lo:
        return np.zeros_like(y)
    return 1.0 - (density - lo) / (hi - lo)


def _extremes_control_points(y, extremes, coef):
    """Ribeiro's automatic control points from the box-plot whiskers."""
    q1, median, q3 = np.quantile(y, [0.25, 0.5, 0.75], method="midpoint")
    iqr = q3 - q1
    low_whisker = y[y >= q1 - coef * iqr].min()
    high_whisker = y[y <= q3 + coef * iqr].max()
    points = []
    if extremes in ("both", "low") and np.any(y < low_whisker):
        points.append((low_whisker, 1.0))
    else:
        points.append((y.min(), 0.0))
    if median != y.min():
        points.append((median, 0.0))
    if extremes in ("both", "high") and np.any(y > high_whisker):
        points.append((high_whisker, 1.0))
    elif median != y.max():
        points.append((y.max(), 0.0))
    return np.asarray(points)


def extremes_relevance(y, *, extremes="both", coef=1.5):
    """Ribeiro's automatic relevance: rare beyond the box-plot whiskers.

    Control points are placed at the median (relevance 0) and at the whisker
    ends (relevance 1) on the side(s) where the target has values beyond
    them (Tukey's whiskers with ``coef`` times the inter-quartile range, the
    last observed value inside the fences). Relevance between control points
    is the piecewise cubic Hermite interpolant with zero derivative at every
    control point -- ``phi = a + (b - a) * (3 t^2 - 2 t^3)`` on each segment
    -- and constant beyond the outer points. This is the "extremes" method of
    UBL / ``smogn`` used by SMOTER and SMOGN.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Continuous target.
    extremes : {"both", "high", "low"}, default="both"
        Which tail(s) may be rare.
    coef : float, default=1.5
        Whisker length in inter-quartile ranges.

    Returns
    -------
    relevance : ndarray of shape (n_samples,)
        Values in ``[0, 1]``.

    References
    ----------
    .. [1] R. P. Ribeiro, "Utility-based Regression", PhD thesis, University
       of Porto, 2011.
    .. [2] P. Branco, R. P. Ribeiro and L. Torgo, "UBL: an R package for
       utility-based learning", arXiv:1604.08079, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import extremes_relevance
    >>> y = np.array([1.0, 2, 2, 3, 3, 3, 4, 4, 5, 20])
    >>> extremes_relevance(y).round(3)
    array([0. , 0. , 0. , 0. , 0. , 0. , 0.5, 0.5, 1. , 1. ])
    """
    y = check_regression_target(y)
    if extremes not in ("both", "high", "low"):
        raise ValueError(f"extremes must be 'both', 'high' or 'low'; got {extremes!r}.")
    if not isinstance(coef, numbers.Real) or not coef > 0:
        raise ValueError(f"coef must be a positive number; got {coef!r}.")
    if np.ptp(y) == 0:
        return np.zeros_like(y)
    points = _extremes_control_points(y, extremes, coef)
    return _hermite_flat(y, points[:, 0], points[:, 1])


def _hermite_flat(x, xp, fp):
    """Cubic Hermite interpolation with zero slopes at the knots, clamped."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    below, above = x <= xp[0], x >= xp[-1]
    out[below], out[above] = fp[0], fp[-1]
    inside = ~(below | above)
    seg = np.searchsorted(xp, x[inside], side="right") - 1
    t = (x[inside] - xp[seg]) / (xp[seg + 1] - xp[seg])
    out[inside] = fp[seg] + (fp[seg + 1] - fp[seg]) * t * t * (3.0 - 2.0 * t)
    return out


def relevance_bins(y, relevance, threshold):
    """Split the samples into contiguous runs of rare and normal targets.

    The samples are sorted by target; a new bin starts wherever the rarity
    flag ``relevance >= threshold`` changes (UBL's "bumps"). Samples with
    equal targets always share a bin.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Continuous target.
    relevance : array-like of shape (n_samples,)
        ``phi(y)`` of every sample.
    threshold : float
        Relevance at or above which a sample is rare.

    Returns
    -------
    bins : ndarray of shape (n_samples,)
        Bin index of every sample, ``0 .. n_bins - 1`` in increasing target.
    rare : ndarray of shape (n_bins,)
        Whether every bin is rare.

    Examples
    --------
    >>> from skrec.sampling import relevance_bins
    >>> bins, rare = relevance_bins([5, 1, 2, 9, 3], [0.9, 0.9, 0.1, 1.0, 0.2], 0.5)
    >>> bins, rare
    (array([2, 0, 1, 2, 1]), array([ True, False,  True]))
    """
    y = np.asarray(y, dtype=np.float64)
    relevance = np.asarray(relevance, dtype=np.float64)
    order = np.argsort(y, kind="stable")
    flag = relevance[order] >= threshold
    y_sorted = y[order]
    # Equal targets share the flag of the first of them.
    first = np.r_[True, y_sorted[1:] != y_sorted[:-1]]
    flag = flag[np.maximum.accumulate(np.where(first, np.arange(y.size), 0))]
    change = np.r_[False, flag[1:] != flag[:-1]]
    sorted_bins = np.cumsum(change)
    bins = np.empty(y.size, dtype=np.intp)
    bins[order] = sorted_bins
    rare = flag[np.r_[0, np.flatnonzero(change)]]
    return bins, rare
