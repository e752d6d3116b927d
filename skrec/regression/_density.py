"""Rarity weights from the training targets, and a meta-estimator that uses them."""

import numbers

import numpy as np
from scipy.ndimage import gaussian_filter1d
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from skrec.metrics._regression import _check_target
from skrec.regression._lds import lds_weights

__all__ = ["DensityWeightedRegressor", "kde_weights"]


def _positive(weights, y):
    """The rows that count as data: all, or those of positive sample weight."""
    if weights is None:
        return np.ones(len(y), dtype=bool)
    return weights > 0


@validate_params(
    {
        "y": ["array-like"],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "bandwidth": [StrOptions({"scott", "silverman"}),
                      Interval(numbers.Real, 0, None, closed="neither")],
        "eps": [Interval(numbers.Real, 0, None, closed="neither")],
        "grid_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def kde_weights(y, *, alpha=1.0, bandwidth="scott", eps=1e-6, grid_size=512,
                sample_weight=None):
    """DenseWeight rarity weights from a Gaussian kernel density of ``y``.

    The density ``p`` of the training targets is estimated with a Gaussian
    kernel, min-max normalised over the training targets to ``p'`` in [0, 1],
    and every sample is weighted ``max(1 - alpha p'(y), eps)``, rescaled to
    mean 1 (Steininger et al., 2021). ``alpha = 0`` gives equal weights;
    larger values weigh the common targets down harder.

    The density is computed on a grid of ``grid_size`` points over the range
    of ``y`` (linear binning, then a Gaussian filter), which is exact up to
    the grid resolution and linear in the number of samples.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Training targets.
    alpha : float >= 0, default=1.0
    bandwidth : "scott", "silverman" or float, default="scott"
        Kernel standard deviation in target units, or the rule that sets it
        from the (weighted) standard deviation and sample size.
    eps : float > 0, default=1e-6
        Smallest weight before the rescaling.
    grid_size : int, default=512
    sample_weight : array-like of shape (n_samples,), default=None
        Frequency weights of the samples in the density (a weight of 2 counts
        a sample twice); samples of weight 0 do not shape it.

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        Positive, mean 1 over the samples of positive weight.

    References
    ----------
    .. [1] M. Steininger, K. Kobs, P. Davidson, A. Krause and A. Hotho,
       "Density-based weighting for imbalanced regression", Machine Learning
       110, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.regression import kde_weights
    >>> y = np.r_[np.zeros(90), np.full(10, 5.0)]
    >>> w = kde_weights(y)
    >>> bool(w[-1] > w[0]), round(float(w.mean()), 6)
    (True, 1.0)
    """
    y = _check_target(y, "y")
    if y.size == 0:
        raise ValueError("y is empty; density weights need training targets.")
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    keep = _positive(sw, y)
    yk = y[keep]
    wk = np.ones(len(yk)) if sw is None else sw[keep]
    if len(yk) == 0:
        raise ValueError("Every sample weight is zero; nothing to estimate a density from.")
    lo, hi = float(yk.min()), float(yk.max())
    if hi == lo:
        return np.ones(len(y))
    n = wk.sum()
    mean = np.average(yk, weights=wk)
    sd = float(np.sqrt(np.average((yk - mean) ** 2, weights=wk)))
    if bandwidth == "scott":
        bw = sd * n ** (-0.2)
    elif bandwidth == "silverman":
        bw = sd * (n * 3 / 4) ** (-0.2)
    else:
        bw = float(bandwidth)
    step = (hi - lo) / (grid_size - 1)
    pos = (yk - lo) / step
    left = np.clip(np.floor(pos).astype(np.int64), 0, grid_size - 2)
    frac = pos - left
    hist = np.bincount(left, weights=wk * (1 - frac), minlength=grid_size)
    hist += np.bincount(left + 1, weights=wk * frac, minlength=grid_size)
    density = gaussian_filter1d(hist, sigma=max(bw / step, 1e-3), mode="constant")
    p = np.interp(y, np.linspace(lo, hi, grid_size), density)
    p_train = p[keep]
    p = (p - p_train.min()) / max(p_train.max() - p_train.min(), 1e-300)
    w = np.maximum(1.0 - alpha * p, eps)
    return w * (wk.sum() / np.sum(w[keep] * wk))


class DensityWeightedRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Fit any regressor with rarity weights computed from its training targets.

    Deep imbalanced regression re-weights samples by the inverse density of
    their target so that rare target ranges count. Computed once on a whole
    data set, such weights leak the test fold's targets into training; this
    meta-estimator computes them inside ``fit``, from the targets it is given,
    so that it is safe in ``cross_validate``, ``GridSearchCV`` and
    ``Pipeline``:

    - ``method="lds"``: label distribution smoothing (Yang et al., 2021, see
      :func:`~skrec.regression.lds_weights`) over ``bins`` equal-width bins;
    - ``method="kde"``: DenseWeight (Steininger et al., 2021, see
      :func:`~skrec.regression.kde_weights`).

    A ``sample_weight`` passed to ``fit`` counts as frequency weights in the
    density (a weight of 2 is a duplicated row, weight 0 a removed one) and
    multiplies the rarity weights.

    Parameters
    ----------
    estimator : regressor
        Any scikit-learn regressor whose ``fit`` takes ``sample_weight``.
    method : {"lds", "kde"}, default="lds"
    bins : int, default=50
        Equal-width bins of the training range (``"lds"``).
    reweight : {"sqrt_inv", "inverse"}, default="sqrt_inv"
        As in :func:`~skrec.regression.lds_weights`.
    kernel : {"gaussian", "triang", "laplace"} or None, default="gaussian"
    kernel_size : int, default=5
    sigma : float, default=2.0
        Smoothing window of LDS, in bins.
    alpha : float, default=1.0
        Strength of DenseWeight (``"kde"``).
    bandwidth : "scott", "silverman" or float, default="scott"
        Kernel width of DenseWeight.

    Attributes
    ----------
    estimator_ : regressor
        The fitted clone of ``estimator``.
    weight_range_ : tuple of float
        Smallest and largest rarity weight of the training samples.
    y_train_ : ndarray
        The training targets (of positive weight): the shot regions of
        :func:`~skrec.metrics.make_shot_region_scorer` come from them.
    n_features_in_ : int
        From ``estimator_``.

    See Also
    --------
    skrec.metrics.shot_region_scores : MAE and GM on the few/medium/many-shot
        regions; :func:`skrec.metrics.make_shot_region_scorer` turns them into
        scorers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import cross_val_score
    >>> from skrec.regression import DensityWeightedRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = np.exp(X[:, 0])
    >>> model = DensityWeightedRegressor(Ridge(), method="kde")
    >>> cross_val_score(model, X, y, cv=3).shape  # weights from each training fold
    (3,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "method": [StrOptions({"lds", "kde"})],
        "bins": [Interval(numbers.Integral, 1, None, closed="left")],
        "reweight": [StrOptions({"sqrt_inv", "inverse"})],
        "kernel": [StrOptions({"gaussian", "triang", "laplace"}), None],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "bandwidth": [StrOptions({"scott", "silverman"}),
                      Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, estimator, *, method="lds", bins=50, reweight="sqrt_inv",
                 kernel="gaussian", kernel_size=5, sigma=2.0, alpha=1.0,
                 bandwidth="scott"):
        self.estimator = estimator
        self.method = method
        self.bins = bins
        self.reweight = reweight
        self.kernel = kernel
        self.kernel_size = kernel_size
        self.sigma = sigma
        self.alpha = alpha
        self.bandwidth = bandwidth

    def rarity_weights(self, y, sample_weight=None):
        """The weights ``fit`` would give targets ``y`` (mean 1).

        Parameters
        ----------
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights of the samples in the density.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
        """
        self._validate_params()
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd; got {self.kernel_size!r}.")
        y = _check_target(y, "y")
        sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
        if self.method == "kde":
            return kde_weights(y, alpha=self.alpha, bandwidth=self.bandwidth,
                               sample_weight=sw)
        keep = _positive(sw, y)
        if not keep.any():
            raise ValueError("Every sample weight is zero; nothing to fit.")
        w = np.ones(len(y))
        if y[keep].max() == y[keep].min():
            return w
        # Only samples of positive weight shape the bins and the density, so
        # that weight 0 is the same as removing a row and weight 2 the same
        # as repeating it.
        w[keep] = lds_weights(y[keep], bin_width=None, bins=self.bins,
                              reweight=self.reweight, kernel=self.kernel,
                              kernel_size=self.kernel_size, sigma=self.sigma,
                              sample_weight=None if sw is None else sw[keep])
        return w

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit ``estimator`` with rarity weights of ``y`` (times ``sample_weight``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **fit_params
            Passed to ``estimator.fit``.

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = column_or_1d(check_array(y, ensure_2d=False, dtype=np.float64,
                                     input_name="y"), warn=True)
        check_consistent_length(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, np.empty((len(y), 0)))
        weights = self.rarity_weights(y, sample_weight)
        total = weights if sample_weight is None else weights * sample_weight
        keep = _positive(sample_weight, y)
        self.weight_range_ = (float(weights[keep].min()), float(weights[keep].max()))
        self.y_train_ = y[keep]
        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=total, **fit_params)
        return self

    def predict(self, X):
        """Predictions of the fitted estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    @property
    def n_features_in_(self):
        check_is_fitted(self, "estimator_")
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        check_is_fitted(self, "estimator_")
        return self.estimator_.feature_names_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = clone(self.estimator).__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        tags.non_deterministic = inner.non_deterministic
        return tags

