"""Shot-region scores of deep imbalanced regression (DIR).

The DIR literature (Yang et al., 2021) splits the target range into bins and
assigns every bin to a *region* from the number of TRAINING samples that fall
into it: many-shot (more than 100 training samples), medium-shot (20 to 100)
and few-shot (fewer than 20, which includes bins never seen in training).  A
test sample belongs to the region of its bin, and errors are reported per
region: the mean absolute error and the geometric mean of the absolute errors.
"""

import numbers

import numpy as np

__all__ = ["make_shot_region_scorer", "shot_region_scores", "shot_regions"]

REGIONS = ("all", "many", "medium", "few")


def _check_target(y, name):
    """Return ``y`` as a finite 1-D float64 array (a copy; ``y`` is untouched).

    Accepts shape ``(n,)`` or a column vector ``(n, 1)``; anything else, or
    NaN/inf values, raise a ``ValueError`` that says how to fix it.
    """
    arr = np.asarray(y)
    if arr.dtype == object or arr.dtype.kind in "USb":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must be numeric; got dtype {np.asarray(y).dtype}."
            ) from exc
    if np.iscomplexobj(arr):
        raise ValueError(f"Complex data not supported: {name} must be real.")
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be real and numeric; got dtype {arr.dtype}.")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one continuous target per sample); got shape "
            f"{arr.shape}. Pass a single target column, e.g. y[:, 0]."
        )
    arr = np.array(arr, dtype=np.float64, copy=True)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); drop or impute "
            "those samples first."
        )
    return arr


def _bin_spec(y_train, bin_width, bins):
    """Validate the binning parameters and return ``(origin, width, n_bins)``.

    ``n_bins`` is ``None`` when the bins are unbounded (``bin_width`` given).
    """
    if bins is not None:
        if bin_width is not None:
            raise ValueError("Give either bin_width or bins, not both.")
        if (
            not isinstance(bins, numbers.Integral)
            or isinstance(bins, bool)
            or bins < 1
        ):
            raise ValueError(f"bins must be a positive integer; got {bins!r}.")
        lo, hi = float(y_train.min()), float(y_train.max())
        width = (hi - lo) / int(bins) if hi > lo else 1.0
        return lo, width, int(bins)
    if bin_width is None:
        raise ValueError("Give bin_width (label units) or bins (a number of bins).")
    if (
        not isinstance(bin_width, numbers.Real)
        or isinstance(bin_width, bool)
        or not np.isfinite(bin_width)
        or bin_width <= 0
    ):
        raise ValueError(f"bin_width must be a positive finite number; got {bin_width!r}.")
    return float(y_train.min()), float(bin_width), None


def _bin_index(y, origin, width, n_bins):
    """Integer bin of each value: ``floor((y - origin) / width)``.

    With a fixed number of bins the top edge belongs to the last bin (as in
    ``numpy.histogram``) and values outside ``[origin, origin + n_bins*width]``
    get ``-1`` (a bin with no training sample).
    """
    idx = np.floor((y - origin) / width).astype(np.int64)
    if n_bins is not None:
        top = origin + n_bins * width
        idx = np.where((idx == n_bins) & (y <= top + 1e-12 * max(1.0, abs(top))), n_bins - 1, idx)
        idx = np.where((idx < 0) | (idx >= n_bins), -1, idx)
    return idx


def _train_counts(y, y_train, origin, width, n_bins):
    """Number of training samples in the bin of every value of ``y``."""
    train_idx = _bin_index(y_train, origin, width, n_bins)
    keys, counts = np.unique(train_idx, return_counts=True)
    counts = np.where(keys == -1, 0, counts)
    idx = _bin_index(y, origin, width, n_bins)
    pos = np.clip(np.searchsorted(keys, idx), 0, len(keys) - 1)
    return np.where(keys[pos] == idx, counts[pos], 0)


def _check_thresholds(many_shot_threshold, few_shot_threshold):
    for name, val in (
        ("many_shot_threshold", many_shot_threshold),
        ("few_shot_threshold", few_shot_threshold),
    ):
        if not isinstance(val, numbers.Real) or isinstance(val, bool) or val < 0:
            raise ValueError(f"{name} must be a non-negative number; got {val!r}.")
    if few_shot_threshold > many_shot_threshold:
        raise ValueError(
            "few_shot_threshold must not exceed many_shot_threshold; got "
            f"{few_shot_threshold} > {many_shot_threshold}."
        )


def shot_regions(
    y,
    y_train,
    *,
    bin_width=1.0,
    bins=None,
    many_shot_threshold=100,
    few_shot_threshold=20,
):
    """Shot region (``"many"``, ``"medium"`` or ``"few"``) of each target value.

    The region of a value is decided by how many TRAINING labels fall into its
    bin: more than ``many_shot_threshold`` is many-shot, fewer than
    ``few_shot_threshold`` is few-shot (bins with no training label included),
    the rest is medium-shot.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Target values to classify (usually the test labels).
    y_train : array-like of shape (n_train,)
        Training labels that define the histogram.
    bin_width : float, default=1.0
        Width of a bin in label units; bins start at ``min(y_train)``. Unit
        bins match the literature's convention for integer targets such as age.
    bins : int, default=None
        Number of equal-width bins spanning ``[min(y_train), max(y_train)]``;
        use instead of ``bin_width`` (set ``bin_width=None``) for targets on
        an arbitrary scale. Values outside that range have no training
        sample in their bin and are few-shot.
    many_shot_threshold : int, default=100
        A bin with MORE training samples than this is many-shot.
    few_shot_threshold : int, default=20
        A bin with FEWER training samples than this is few-shot.

    Returns
    -------
    regions : ndarray of str, shape (n_samples,)
        ``"many"``, ``"medium"`` or ``"few"`` for every value of ``y``.

    See Also
    --------
    shot_region_scores : errors per region.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.metrics import shot_regions
    >>> y_train = np.r_[np.zeros(150), np.ones(50), np.full(5, 2.0)]
    >>> shot_regions([0.0, 1.0, 2.0, 7.0], y_train).tolist()
    ['many', 'medium', 'few', 'few']
    """
    y_train = _check_target(y_train, "y_train")
    if y_train.size == 0:
        raise ValueError("y_train is empty; the regions need training labels.")
    y = _check_target(y, "y")
    _check_thresholds(many_shot_threshold, few_shot_threshold)
    origin, width, n_bins = _bin_spec(y_train, bin_width, bins)
    counts = _train_counts(y, y_train, origin, width, n_bins)
    regions = np.full(y.shape, "medium", dtype="<U6")
    regions[counts > many_shot_threshold] = "many"
    regions[counts < few_shot_threshold] = "few"
    return regions


def _region_stats(abs_err, weight, eps):
    if abs_err.size == 0:
        return {"mae": float("nan"), "gm": float("nan"), "n": 0}
    mae = float(np.average(abs_err, weights=weight))
    gm = float(np.exp(np.average(np.log(abs_err + eps), weights=weight)))
    return {"mae": mae, "gm": gm, "n": int(abs_err.size)}


def shot_region_scores(
    y_true,
    y_pred,
    y_train,
    *,
    bin_width=1.0,
    bins=None,
    many_shot_threshold=100,
    few_shot_threshold=20,
    sample_weight=None,
    eps=1e-12,
):
    """MAE and error geometric mean on All, Many, Medium and Few-shot regions.

    The protocol of deep imbalanced regression (Yang et al., 2021; Keramati
    et al., 2024): bin the TRAINING labels, call a bin many-shot when it holds
    more than ``many_shot_threshold`` training samples, few-shot when it
    holds fewer than ``few_shot_threshold`` (unseen bins included) and
    medium-shot otherwise; each test sample is scored in the region of its
    true label's bin.

    - ``mae`` = mean of ``|y_true - y_pred|`` over the region's samples;
    - ``gm`` = ``exp(mean(log(|y_true - y_pred| + eps)))``, the geometric mean
      of the absolute errors (``eps`` keeps one exact prediction from making
      it 0).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True targets of the evaluated samples.
    y_pred : array-like of shape (n_samples,)
        Predicted targets.
    y_train : array-like of shape (n_train,)
        Training labels; they alone decide the regions.
    bin_width : float, default=1.0
        Bin width in label units (bins start at ``min(y_train)``).
    bins : int, default=None
        Number of equal-width bins over the training range, instead of
        ``bin_width`` (set ``bin_width=None``).
    many_shot_threshold : int, default=100
        Bins with more training samples than this are many-shot.
    few_shot_threshold : int, default=20
        Bins with fewer training samples than this are few-shot.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the evaluated samples (weighted means; counts stay raw).
    eps : float, default=1e-12
        Added to every absolute error inside the logarithm of ``gm``.

    Returns
    -------
    scores : dict
        ``{"all": {...}, "many": {...}, "medium": {...}, "few": {...}}``, each
        ``{"mae": float, "gm": float, "n": int}``. A region without test
        samples has ``n == 0`` and NaN scores.

    See Also
    --------
    shot_regions : the region of each value.
    skrec.plotting.plot_error_by_region : bar plot of these scores.

    References
    ----------
    .. [1] Y. Yang, K. Zha, Y.-C. Chen, H. Wang, D. Katabi, "Delving into Deep
       Imbalanced Regression", ICML 2021.
    .. [2] M. Keramati, L. Meng, R. D. Evans, "ConR: Contrastive Regularizer
       for Deep Imbalanced Regression", ICLR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.metrics import shot_region_scores
    >>> y_train = np.r_[np.zeros(150), np.ones(50), np.full(5, 2.0)]
    >>> scores = shot_region_scores([0, 1, 2, 2], [0.5, 1.0 + 2, 1.0, 3.0], y_train)
    >>> scores["few"]
    {'mae': 1.0, 'gm': 1.0, 'n': 2}
    >>> round(scores["all"]["mae"], 3)
    1.125
    """
    y_true = _check_target(y_true, "y_true")
    y_pred = _check_target(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "y_true and y_pred must have the same length; got "
            f"{y_true.shape[0]} and {y_pred.shape[0]}."
        )
    if sample_weight is not None:
        sample_weight = _check_target(sample_weight, "sample_weight")
        if sample_weight.shape != y_true.shape:
            raise ValueError(
                "sample_weight must have one weight per sample; got "
                f"{sample_weight.shape[0]} for {y_true.shape[0]} samples."
            )
        if np.any(sample_weight < 0):
            raise ValueError("sample_weight must be non-negative.")
    if not isinstance(eps, numbers.Real) or not eps >= 0:
        raise ValueError(f"eps must be a non-negative number; got {eps!r}.")
    regions = shot_regions(
        y_true,
        y_train,
        bin_width=bin_width,
        bins=bins,
        many_shot_threshold=many_shot_threshold,
        few_shot_threshold=few_shot_threshold,
    )
    abs_err = np.abs(y_true - y_pred)
    out = {}
    for region in REGIONS:
        mask = np.ones_like(abs_err, dtype=bool) if region == "all" else regions == region
        w = None if sample_weight is None else sample_weight[mask]
        if w is not None and mask.any() and w.sum() == 0:
            raise ValueError(f"sample_weight sums to 0 on the {region!r} region.")
        out[region] = _region_stats(abs_err[mask], w, eps)
    return out


def _training_targets(estimator):
    """``y_train_`` of the estimator or of the last step of a pipeline."""
    for est in (estimator, getattr(estimator, "steps", [[None, None]])[-1][1]):
        y_train = getattr(est, "y_train_", None)
        if y_train is not None:
            return y_train
    regressor = getattr(estimator, "regressor_", None)  # TransformedTargetRegressor
    if regressor is not None and getattr(regressor, "y_train_", None) is not None:
        return regressor.y_train_
    raise ValueError(
        f"{type(estimator).__name__} does not record its training targets "
        "(y_train_), which decide the shot regions of a fold. Wrap the regressor in "
        "skrec.regression.DensityWeightedRegressor (it records them), or score with "
        "shot_region_scores and the training targets yourself."
    )


class _ShotRegionScorer:
    def __init__(self, region, metric, params):
        self.region, self.metric, self.params = region, metric, params

    def __call__(self, estimator, X, y, sample_weight=None):
        scores = shot_region_scores(y, estimator.predict(X), _training_targets(estimator),
                                    sample_weight=sample_weight, **self.params)
        value = scores[self.region][self.metric]
        # A fold without a test sample in the region has nothing to score.
        return -float(value) if np.isfinite(value) else float("nan")

    def __repr__(self):
        return f"make_shot_region_scorer(region={self.region!r}, metric={self.metric!r})"


def make_shot_region_scorer(region="few", metric="mae", *, bin_width=None, bins=50,
                            many_shot_threshold=100, few_shot_threshold=20):
    """A scorer of the MAE (or GM) on one shot region, for ``GridSearchCV``.

    The regions are decided by the *training fold's* targets, which the
    scorer reads from the fitted estimator's ``y_train_`` (recorded by
    :class:`~skrec.regression.DensityWeightedRegressor`; the last step of a
    pipeline is looked at too). The score is the negated error (greater is
    better), as scikit-learn's ``neg_mean_absolute_error``.

    Parameters
    ----------
    region : {"all", "many", "medium", "few"}, default="few"
    metric : {"mae", "gm"}, default="mae"
    bin_width, bins, many_shot_threshold, few_shot_threshold
        As in :func:`shot_region_scores`; by default 50 equal-width bins of
        the training range.

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y)``

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import cross_val_score
    >>> from skrec.metrics import make_shot_region_scorer
    >>> from skrec.regression import DensityWeightedRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = np.exp(X[:, 0])
    >>> scorer = make_shot_region_scorer("few", bins=10)
    >>> cross_val_score(DensityWeightedRegressor(Ridge()), X, y, cv=3,
    ...                 scoring=scorer).shape
    (3,)
    """
    if region not in REGIONS:
        raise ValueError(f"region must be one of {REGIONS}; got {region!r}.")
    if metric not in ("mae", "gm"):
        raise ValueError(f"metric must be 'mae' or 'gm'; got {metric!r}.")
    return _ShotRegionScorer(region, metric, dict(
        bin_width=bin_width, bins=bins, many_shot_threshold=many_shot_threshold,
        few_shot_threshold=few_shot_threshold))
