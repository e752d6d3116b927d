"""Label distribution smoothing (LDS) weights."""

import numbers

import numpy as np
from scipy.ndimage import convolve1d, gaussian_filter1d
from scipy.signal.windows import triang

from skrec.metrics._regression import _bin_index, _bin_spec, _check_target

__all__ = ["lds_weights"]


def _kernel_window(kernel, kernel_size, sigma):
    """Peak-normalised symmetric smoothing window of odd length ``kernel_size``."""
    half = (kernel_size - 1) // 2
    offsets = np.arange(-half, half + 1, dtype=np.float64)
    if kernel == "gaussian":
        # The response of scipy's Gaussian filter to a unit impulse, as in the
        # reference implementation of LDS (it folds the tails back in, so the
        # window is flatter than a sampled Gaussian when sigma is large).
        impulse = np.zeros(kernel_size)
        impulse[half] = 1.0
        window = gaussian_filter1d(impulse, sigma=sigma)
    elif kernel == "triang":
        window = triang(kernel_size)
    else:  # laplace
        window = np.exp(-np.abs(offsets) / sigma)
    return window / window.max()


def lds_weights(
    y,
    *,
    bin_width=1.0,
    bins=None,
    reweight="sqrt_inv",
    kernel="gaussian",
    kernel_size=5,
    sigma=2.0,
    clip=(5, 1000),
    sample_weight=None,
):
    """Label distribution smoothing (LDS) sample weights.

    LDS (Yang et al., 2021) estimates the *effective* label density by
    convolving the empirical label histogram with a symmetric kernel, then
    weights every sample by the inverse of the smoothed density of its bin:

    1. bin the labels into contiguous bins spanning ``[min(y), max(y)]``
       (empty bins included);
    2. transform the counts: square root (``reweight="sqrt_inv"``) or clip
       to ``clip`` (``reweight="inverse"``);
    3. convolve with a peak-normalised window (zero padding at the ends), or
       skip this step with ``kernel=None`` (plain inverse-frequency weights);
    4. ``weight = 1 / smoothed_count[bin]``, rescaled so the weights average 1.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Training labels.
    bin_width : float, default=1.0
        Bin width in label units (unit bins for integer targets such as age);
        bins start at ``min(y)``.
    bins : int, default=None
        Number of equal-width bins over ``[min(y), max(y)]``; use instead of
        ``bin_width`` (set ``bin_width=None``).
    reweight : {"sqrt_inv", "inverse"}, default="sqrt_inv"
        Inverse square-root or inverse (clipped) frequency.
    kernel : {"gaussian", "triang", "laplace"} or None, default="gaussian"
        Smoothing window. ``"gaussian"`` is the impulse response of
        :func:`scipy.ndimage.gaussian_filter1d` (as in the reference code),
        ``"triang"`` is :func:`scipy.signal.windows.triang`, ``"laplace"`` is
        ``exp(-|k| / sigma)``; all peak-normalised. None disables smoothing.
    kernel_size : int, default=5
        Odd window length in bins.
    sigma : float, default=2.0
        Scale of the Gaussian and Laplace windows.
    clip : tuple of (float, float), default=(5, 1000)
        Bounds on the counts for ``reweight="inverse"``.
    sample_weight : array-like of shape (n_samples,), default=None
        Frequency weights: a sample of weight 2 counts twice in the histogram
        (exactly as a duplicated row), and the weights average 1 under them.

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        Positive weights with mean 1; rare labels get large weights.

    References
    ----------
    .. [1] Y. Yang, K. Zha, Y.-C. Chen, H. Wang, D. Katabi, "Delving into Deep
       Imbalanced Regression", ICML 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.regression import lds_weights
    >>> y = np.r_[np.zeros(16), np.ones(4)]
    >>> w = lds_weights(y, kernel=None)  # 1/sqrt(16) vs 1/sqrt(4)
    >>> print(w[0].round(4), w[-1].round(4))
    0.8333 1.6667
    >>> print(lds_weights(y, kernel="triang", kernel_size=3).mean().round(6))
    1.0
    """
    y = _check_target(y, "y")
    if y.size == 0:
        raise ValueError("y is empty; LDS needs training labels.")
    if reweight not in ("sqrt_inv", "inverse"):
        raise ValueError(f"reweight must be 'sqrt_inv' or 'inverse'; got {reweight!r}.")
    if kernel not in ("gaussian", "triang", "laplace", None):
        raise ValueError(
            f"kernel must be 'gaussian', 'triang', 'laplace' or None; got {kernel!r}."
        )
    if (
        not isinstance(kernel_size, numbers.Integral)
        or isinstance(kernel_size, bool)
        or kernel_size < 1
        or kernel_size % 2 == 0
    ):
        raise ValueError(f"kernel_size must be a positive odd integer; got {kernel_size!r}.")
    if not isinstance(sigma, numbers.Real) or not 0 < sigma < np.inf:
        raise ValueError(f"sigma must be a positive finite number; got {sigma!r}.")
    try:
        lo, hi = (float(c) for c in clip)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"clip must be a pair (low, high); got {clip!r}.") from exc
    if not 0 < lo <= hi:
        raise ValueError(f"clip must satisfy 0 < low <= high; got {clip!r}.")

    if sample_weight is None:
        freq = np.ones(y.size)
    else:
        freq = np.asarray(sample_weight, dtype=np.float64)
        if freq.shape != y.shape or not np.isfinite(freq).all() or (freq < 0).any():
            raise ValueError(
                "sample_weight must hold one finite non-negative weight per label."
            )
        if freq.sum() <= 0:
            raise ValueError("sample_weight sums to 0; there is no label to count.")
    origin, width, n_bins = _bin_spec(y, bin_width, bins)
    idx = _bin_index(y, origin, width, n_bins)  # all in [0, n_bins) or >= 0
    counts = np.bincount(idx, weights=freq, minlength=n_bins or 0)
    if reweight == "sqrt_inv":
        counts = np.sqrt(counts)
    else:
        counts = np.clip(counts, lo, hi)
    if kernel is not None:
        window = _kernel_window(kernel, kernel_size, sigma)
        counts = convolve1d(counts, window, mode="constant", cval=0.0)
    with np.errstate(divide="ignore"):
        weights = 1.0 / counts[idx]  # a zero-weight label alone in its bin: inf
    weights = np.where(np.isfinite(weights), weights, 0.0)
    return weights * (freq.sum() / np.sum(weights * freq))
