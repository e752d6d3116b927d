"""Balanced sampling over groups (HACO's balanced contact sampling, generalised)."""

import numbers

import numpy as np
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from skrec.sampling._base import (
    WeightCarryingMixin,
    check_groups,
    check_strategy_dict,
    validate_class_target,
)
from skrec.sampling._temperature import _GroupDrawSampler, _py

__all__ = ["BalancedGroupSampler", "bin_scores"]


def bin_scores(score, n_bins=5, binning="log"):
    """Split a per-sample score into ``n_bins`` groups.

    Parameters
    ----------
    score : array-like of shape (n_samples,)
        Finite per-sample statistic (a rarity score, a target, a length...).
    n_bins : int, default=5
        Number of bins between the minimum and the maximum of ``score``.
    binning : {"log", "uniform", "quantile"}, default="log"
        Log-spaced edges (HACO; needs positive scores), equal-width edges, or
        edges at the quantiles (equal-frequency bins).

    Returns
    -------
    bins : ndarray of shape (n_samples,)
        Bin index of every sample, in ``0 .. n_bins - 1``. Bins may be empty;
        a constant score gives a single bin.

    Examples
    --------
    >>> from skrec.sampling import bin_scores
    >>> bin_scores([1, 10, 100, 1000, 10000], n_bins=4)
    array([0, 1, 2, 3, 3])
    >>> bin_scores([0.0, 0.1, 0.5, 1.0], n_bins=2, binning="uniform")
    array([0, 0, 1, 1])
    """
    score = np.asarray(score)
    if score.ndim != 1:
        raise ValueError(f"score must be 1-D (one value per sample); got shape {score.shape}.")
    if not np.issubdtype(score.dtype, np.number):
        raise TypeError(f"score must be numeric; got dtype {score.dtype}.")
    score = score.astype(np.float64)
    if not np.all(np.isfinite(score)):
        raise ValueError("score contains NaN or infinite values; drop or impute them.")
    if not isinstance(n_bins, numbers.Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")
    lo, hi = score.min(), score.max()
    if lo == hi:
        return np.zeros(score.shape[0], dtype=np.intp)
    if binning == "log":
        if lo <= 0:
            raise ValueError(
                "binning='log' needs strictly positive scores (log-spaced edges "
                f"between min and max); the minimum is {lo!r}. Use "
                "binning='uniform' or 'quantile', or shift the score."
            )
        edges = np.geomspace(lo, hi, n_bins + 1)
    elif binning == "uniform":
        edges = np.linspace(lo, hi, n_bins + 1)
    elif binning == "quantile":
        edges = np.quantile(score, np.linspace(0, 1, n_bins + 1))
    else:
        raise ValueError(
            f"binning must be 'log', 'uniform' or 'quantile'; got {binning!r}."
        )
    # Interior edges only: the maximum lands in the last bin.
    return np.searchsorted(edges[1:-1], score, side="right").astype(np.intp)


class BalancedGroupSampler(WeightCarryingMixin, _GroupDrawSampler):
    """Resample every group to the same size (HACO's balanced sampling).

    Groups are, in order of precedence: the ``groups`` labels passed to
    :meth:`fit_resample`; the bins of a per-sample ``score`` (passed to
    :meth:`fit_resample` or computed by ``score_func``) split into ``n_bins``
    bins; or the classes of ``y``. Each non-empty group is then resampled to
    the size given by ``sampling_strategy`` -- by default the mean group size,
    as in HACO: groups larger than the target are drawn without replacement,
    smaller ones with replacement.

    Read more in the :ref:`User Guide <group_sampling>`.

    Parameters
    ----------
    sampling_strategy : {"mean", "max", "min"}, int, dict or callable, default="mean"
        Size of every group after resampling: the mean (rounded), largest or
        smallest group size; an int for all groups; a dict ``{group: size}``
        (groups not listed keep their size); or a callable taking the dict of
        group sizes and returning such a dict.
    n_bins : int, default=5
        Number of bins when groups come from a score.
    binning : {"log", "uniform", "quantile"}, default="log"
        How a score is binned (see :func:`bin_scores`). HACO uses log-spaced
        edges between the minimum and the maximum.
    score_func : callable or None, default=None
        ``score_func(X, y) -> array of shape (n_samples,)`` computing the
        per-sample score inside a pipeline (ignored when ``groups`` or
        ``score`` is passed to :meth:`fit_resample`).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows drawn from every group.
    groups_ : ndarray of shape (n_samples,)
        Group of every input row (class label, group label or bin index).
    sample_indices_ : ndarray of shape (n_samples_out,)
        Indices of the input rows that were returned.
    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit_resample`.

    See Also
    --------
    TemperatureSampler : Tempered rather than equal group shares.
    imblearn.over_sampling.RandomOverSampler : Per-class oversampling.

    Notes
    -----
    With groups (or scores) passed explicitly ``y`` may be any target,
    including multi-label indicator matrices. Inside an
    :class:`imblearn.pipeline.Pipeline` pass them as
    ``pipe.fit(X, y, <step>__groups=groups)``.

    References
    ----------
    .. [1] D. S. Jung and K. M. Lee, "Learning Dense Hand Contact Estimation
       from Imbalanced Data" (HACO), arXiv:2505.11152, 2025; code at
       https://github.com/dqj5182/HACO_RELEASE.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import BalancedGroupSampler
    >>> X = np.arange(12).reshape(12, 1)
    >>> y = np.zeros(12)
    >>> groups = np.array(["a"] * 8 + ["b"] * 3 + ["c"])
    >>> sampler = BalancedGroupSampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y, groups=groups)
    >>> sampler.sampling_strategy_
    {'a': 4, 'b': 4, 'c': 4}
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "sampling_strategy": [
            StrOptions({"mean", "max", "min"}),
            Interval(numbers.Integral, 1, None, closed="left"),
            dict,
            callable,
        ],
        "n_bins": [Interval(numbers.Integral, 1, None, closed="left")],
        "binning": [StrOptions({"log", "uniform", "quantile"})],
        "score_func": [callable, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="mean",
        n_bins=5,
        binning="log",
        score_func=None,
        random_state=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.n_bins = n_bins
        self.binning = binning
        self.score_func = score_func
        self.random_state = random_state

    def fit(self, X, y, groups=None, score=None):
        """Validate the input and compute the per-group sizes.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target.
        groups : array-like of shape (n_samples,), default=None
            Group label of every row.
        score : array-like of shape (n_samples,), default=None
            Per-sample statistic binned into ``n_bins`` groups.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the input rows; when given they are resampled with the
            rows and returned third (see
            :class:`~skrec.sampling.WeightCarryingMixin`).

        Returns
        -------
        self : object
            Fitted sampler.
        """
        self.fit_resample(X, y, groups=groups, score=score)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, groups=None, score=None, *, sample_weight=None):
        """Resample every group to the target size.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Data to resample.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target; must be a class target when neither ``groups``, ``score``
            nor ``score_func`` is given.
        groups : array-like of shape (n_samples,), default=None
            Group label of every row.
        score : array-like of shape (n_samples,), default=None
            Per-sample statistic binned into ``n_bins`` groups.

        Returns
        -------
        X_resampled : {ndarray, dataframe, sparse matrix} of shape (n_samples_new, n_features)
            Resampled rows, in the type of ``X``.
        y_resampled : {ndarray, series, dataframe} of shape (n_samples_new, ...)
            Their targets, in the type of ``y``.
        """
        if groups is not None and score is not None:
            raise ValueError("Pass either groups or score, not both.")
        w = self._check_resample_weight(X, sample_weight)
        by_class = groups is None and score is None and self.score_func is None
        arrays_transformer = ArraysTransformer(X, y)
        if by_class:
            check_classification_targets(y)
        X_checked, y_checked, binarize_y = validate_class_target(
            self, X, y, classes=by_class
        )
        n = X_checked.shape[0]
        if groups is not None:
            group_values = check_groups(groups, n)
        elif score is not None or self.score_func is not None:
            if score is None:
                score = self.score_func(X_checked, y_checked)
            score = np.asarray(score)
            if score.ndim != 1 or score.shape[0] != n:
                raise ValueError(
                    f"score must hold one value per row ({n}); got shape {score.shape}."
                )
            group_values = bin_scores(score, self.n_bins, self.binning)
        else:
            group_values = y_checked
        labels, inverse, sizes = np.unique(
            group_values, return_inverse=True, return_counts=True
        )
        if labels.size < 2:
            raise ValueError(
                f"BalancedGroupSampler needs at least 2 groups (or classes); got "
                f"a single one ({labels[0]!r}), so there is nothing to balance. "
                "A sampler cannot balance when only one class is present."
            )
        self.groups_ = group_values
        X_res, y_res = self._fit_resample(
            X_checked, y_checked, _labels=(labels, inverse, sizes)
        )
        if binarize_y:
            from sklearn.preprocessing import label_binarize

            y_res = label_binarize(y_res, classes=np.unique(y_checked))
        return self._carry_weight(arrays_transformer.transform(X_res, y_res), w)

    def _draw_counts(self, labels, sizes, n_total, rng):
        strategy = self.sampling_strategy
        size_of = {_py(label): int(s) for label, s in zip(labels, sizes)}
        if callable(strategy):
            strategy = strategy(dict(size_of))
            if not isinstance(strategy, dict):
                raise TypeError(
                    "A callable sampling_strategy must return a dict {group: size}; "
                    f"got {type(strategy).__name__}."
                )
        if isinstance(strategy, str):
            target = {
                "mean": int(round(sizes.mean())),
                "max": int(sizes.max()),
                "min": int(sizes.min()),
            }[strategy]
            return np.full(labels.size, target)
        if isinstance(strategy, numbers.Integral):
            return np.full(labels.size, int(strategy))
        strategy = check_strategy_dict(strategy, size_of, what="group")
        return np.asarray([strategy.get(label, size) for label, size in size_of.items()])
