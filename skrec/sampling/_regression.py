"""Random over- and under-sampling for continuous targets.

The target is split into contiguous *bins* of rare and normal values with a
relevance function (see :mod:`skrec.sampling._relevance`); bins are then
resampled to the sizes given by ``sampling_strategy``, the regression
equivalent of imbalanced-learn's per-class strategy.
"""

import numbers
import warnings

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_consistent_length, validate_data

from skrec.sampling._base import (
    RowSelectionMixin,
    WeightCarryingMixin,
    check_strategy_dict,
)
from skrec.sampling._relevance import (
    check_regression_target,
    density_relevance,
    extremes_relevance,
    relevance_bins,
)

__all__ = ["RegressionRandomOverSampler", "RegressionRandomUnderSampler"]

_RELEVANCE_DOC = """relevance : {"kde", "histogram", "extremes"} or callable, default="kde"
        How rare a target value is (``phi(y)`` in ``[0, 1]``): from a Gaussian
        kernel density estimate or a histogram of the target
        (:func:`density_relevance`), from Ribeiro's box-plot extremes as in
        UBL / ``smogn`` (:func:`extremes_relevance`), or a callable
        ``relevance(y) -> array of shape (n_samples,)`` with values in
        ``[0, 1]``.
    threshold : float in (0, 1], default=0.5
        Samples with ``phi(y) >= threshold`` are rare. The sorted target is
        split into contiguous *bins* of rare and of normal values, numbered
        ``0, 1, ...`` in increasing target."""


class _BaseRegressionSampler(BaseSampler):
    """Common validation and bin bookkeeping of the regression samplers.

    Subclasses implement ``_resample_bins(X, y, bins, counts, rng)`` on
    validated arrays, and set ``_direction`` to "over", "under" or "both"
    (which bins ``sampling_strategy`` may grow or shrink).
    """

    _sampling_type = "regression"
    _direction = "both"
    _accept_sparse = ["csr", "csc"]

    _parameter_constraints: dict = {
        "sampling_strategy": [
            StrOptions({"balance"}),
            Interval(numbers.Real, 0, None, closed="neither"),
            dict,
        ],
        "relevance": [StrOptions({"kde", "histogram", "extremes"}), callable],
        "threshold": [Interval(numbers.Real, 0, 1, closed="right")],
        "random_state": ["random_state"],
    }

    def fit(self, X, y):
        """Compute relevance, bins and per-bin target counts.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Continuous target.

        Returns
        -------
        self : object
            Fitted sampler.
        """
        self.fit_resample(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Resample the data set.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            Data to resample.
        y : array-like of shape (n_samples,)
            Continuous target (a column vector is accepted).

        Returns
        -------
        X_resampled : {ndarray, dataframe} of shape (n_samples_new, n_features)
            Resampled rows, in the type of ``X``.
        y_resampled : {ndarray, series} of shape (n_samples_new,)
            Their targets, in the type of ``y``.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        arrays_transformer = ArraysTransformer(X, y)
        X_arr = self._validate_X(X)
        y_dtype = np.asarray(y).dtype
        if np.iscomplexobj(y):
            raise ValueError("Complex data not supported: y must be real.")
        y_arr = check_regression_target(y)
        check_consistent_length(X_arr, y_arr)
        if y_arr.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples; got 1 sample."
            )
        if np.ptp(y_arr) == 0:
            raise ValueError(
                f"{type(self).__name__} needs a target with more than one distinct "
                f"value; y is constant ({float(y_arr[0])!r}), the regression "
                "analogue of a single class (one class), so nothing is rare."
            )
        relevance = self._relevance(y_arr)
        bins, rare = relevance_bins(y_arr, relevance, self.threshold)
        sizes = np.bincount(bins, minlength=rare.size)
        self.relevance_ = relevance
        self.bins_ = bins
        self.bin_rare_ = rare
        ranges = np.column_stack([np.full(rare.size, np.inf), np.full(rare.size, -np.inf)])
        np.minimum.at(ranges[:, 0], bins, y_arr)
        np.maximum.at(ranges[:, 1], bins, y_arr)
        self.bin_ranges_ = ranges
        if not rare.any():
            warnings.warn(
                f"No sample has relevance >= threshold={self.threshold}: nothing is "
                "rare, so the data are returned unchanged. Lower the threshold or "
                "choose another relevance.",
                UserWarning,
                stacklevel=2,
            )
        counts = self._target_counts(sizes, rare)
        self.sampling_strategy_ = {b: int(c) for b, c in enumerate(counts)}
        rng = check_random_state(self.random_state)
        X_res, y_res = self._fit_resample(X_arr, y_arr, bins=bins, counts=counts, rng=rng)
        y_res = self._cast_y(y_res, y_dtype)
        self._adjust_output_types(arrays_transformer)
        return arrays_transformer.transform(X_res, y_res)

    def _adjust_output_types(self, arrays_transformer):
        """Hook: change the pandas dtypes the output is cast back to."""

    # -- hooks ---------------------------------------------------------------
    def _validate_X(self, X):
        return validate_data(
            self,
            X=X,
            reset=True,
            accept_sparse=self._accept_sparse,
            dtype=None,
            ensure_all_finite=False,
        )

    def _cast_y(self, y_res, y_dtype):
        if np.issubdtype(y_dtype, np.number):
            return y_res.astype(y_dtype)
        return y_res

    def _relevance(self, y):
        relevance = self.relevance
        if callable(relevance):
            phi = np.asarray(relevance(y.copy()), dtype=np.float64)
            if phi.shape != y.shape:
                raise ValueError(
                    f"The relevance callable must return one value per sample, "
                    f"shape {y.shape}; got shape {phi.shape}."
                )
            if not np.all(np.isfinite(phi)) or phi.min() < 0 or phi.max() > 1:
                raise ValueError(
                    "The relevance callable must return finite values in [0, 1]."
                )
            return phi
        if relevance == "extremes":
            return extremes_relevance(y)
        return density_relevance(y, method=relevance)

    def _target_counts(self, sizes, rare):
        """Resolve ``sampling_strategy`` into the target size of every bin."""
        strategy = self.sampling_strategy
        n_bins = sizes.size
        if n_bins < 2:
            return sizes.copy()
        if isinstance(strategy, str):  # "balance"
            target = np.full(n_bins, int(round(sizes.sum() / n_bins)))
        elif isinstance(strategy, dict):
            target = sizes.copy()
            checked = check_strategy_dict(
                strategy, {b: int(c) for b, c in enumerate(sizes)}, what="bin",
                direction=self._direction,
            )
            for b, c in checked.items():
                target[b] = c
            return target
        else:  # float ratio rare / normal, as imbalanced-learn's float
            if not rare.any() or rare.all():
                return sizes.copy()
            if self._direction == "under":
                largest_rare = sizes[rare].max()
                target = np.where(rare, sizes, int(round(largest_rare / strategy)))
            else:
                largest_normal = sizes[~rare].max()
                target = np.where(rare, int(round(strategy * largest_normal)), sizes)
        if self._direction == "over":
            target = np.maximum(target, sizes)
        elif self._direction == "under":
            target = np.minimum(target, sizes)
        return target

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.one_d_labels = False
        tags.target_tags.two_d_labels = False
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        tags.input_tags.sparse = self._accept_sparse is not False
        return tags


def _random_bin_indices(bins, counts, rng, replace_when_growing=True):
    """Indices keeping every bin at ``counts`` rows (vectorized per bin).

    Bins that shrink are drawn without replacement; bins that grow keep all
    their rows and add the rest drawn with replacement.
    """
    order = np.argsort(bins, kind="stable")
    sizes = np.bincount(bins, minlength=counts.size)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pieces = []
    for b in range(counts.size):  # loop over bins, not rows
        members = order[starts[b] : starts[b] + sizes[b]]
        c, n_b = int(counts[b]), int(sizes[b])
        if c == n_b:
            pieces.append(members)
        elif c < n_b:
            pieces.append(np.sort(members[rng.permutation(n_b)[:c]]))
        else:
            pieces.append(members)
            pieces.append(members[rng.randint(0, n_b, size=c - n_b)])
    return np.concatenate(pieces) if pieces else np.empty(0, dtype=np.intp)


class _RandomRegressionSampler(RowSelectionMixin, _BaseRegressionSampler):
    """Random over/under-sampling of target bins; subclasses set ``_direction``."""

    _parameter_constraints: dict = {**_BaseRegressionSampler._parameter_constraints}

    def __init__(
        self, *, sampling_strategy="balance", relevance="kde", threshold=0.5,
        random_state=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.relevance = relevance
        self.threshold = threshold
        self.random_state = random_state

    def _fit_resample(self, X, y, *, bins, counts, rng):
        indices = _random_bin_indices(bins, counts, rng)
        self.sample_indices_ = indices
        return _safe_indexing(X, indices), y[indices]


class RegressionRandomOverSampler(WeightCarryingMixin, _RandomRegressionSampler):
    """Duplicate random rows of the rare bins of a continuous target.

    The target is split into contiguous bins of rare and normal values
    (relevance ``phi(y) >= threshold``); every bin smaller than its target size
    keeps all its rows and receives random duplicates of them. This is the
    regression counterpart of :class:`imblearn.over_sampling.RandomOverSampler`
    (UBL's ``RandOverRegress``).

    Read more in the :ref:`User Guide <regression_sampling>`.

    Parameters
    ----------
    sampling_strategy : "balance", float or dict, default="balance"
        Target size of every bin. ``"balance"``: bins smaller than the mean bin
        size ``round(n_samples / n_bins)`` grow to it. A float ``alpha``: every
        rare bin grows to ``alpha`` times the largest normal bin (the ratio
        rare / majority after resampling, as imbalanced-learn's float). A dict
        ``{bin: size}`` (bins numbered in increasing target; see ``bins_``).
        Bins never shrink.
    {relevance}
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sampling_strategy_ : dict
        Size of every bin after resampling.
    relevance_ : ndarray of shape (n_samples,)
        ``phi(y)`` of every input sample.
    bins_ : ndarray of shape (n_samples,)
        Bin of every input sample.
    bin_rare_ : ndarray of shape (n_bins,)
        Whether every bin is rare.
    bin_ranges_ : ndarray of shape (n_bins, 2)
        Smallest and largest target of every bin.
    sample_indices_ : ndarray of shape (n_samples_new,)
        Indices of the input rows that were returned.
    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit_resample`.

    See Also
    --------
    RegressionRandomUnderSampler : Shrink the normal bins instead.
    SMOTER : Synthetic rather than duplicated rare rows.

    References
    ----------
    .. [1] P. Branco, L. Torgo and R. P. Ribeiro, "Pre-processing approaches
       for imbalanced distributions in regression", Neurocomputing 343, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import RegressionRandomOverSampler
    >>> rng = np.random.RandomState(0)
    >>> y = np.r_[rng.normal(0, 1, 95), rng.normal(8, 0.5, 5)]
    >>> X = y.reshape(-1, 1) + rng.normal(0, 0.1, (100, 1))
    >>> sampler = RegressionRandomOverSampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sampler.bin_rare_
    array([ True, False,  True])
    >>> sampler.sampling_strategy_
    {0: 33, 1: 81, 2: 33}
    """

    _direction = "over"


class RegressionRandomUnderSampler(WeightCarryingMixin, _RandomRegressionSampler):
    """Drop random rows of the normal (frequent) bins of a continuous target.

    The target is split into contiguous bins of rare and normal values
    (relevance ``phi(y) >= threshold``); every bin larger than its target size
    is subsampled without replacement. This is the regression counterpart of
    :class:`imblearn.under_sampling.RandomUnderSampler` (UBL's
    ``RandUnderRegress``).

    Read more in the :ref:`User Guide <regression_sampling>`.

    Parameters
    ----------
    sampling_strategy : "balance", float or dict, default="balance"
        Target size of every bin. ``"balance"``: bins larger than the mean bin
        size ``round(n_samples / n_bins)`` shrink to it. A float ``alpha``:
        every normal bin shrinks to the largest rare bin divided by ``alpha``
        (so that rare / majority is ``alpha``, as imbalanced-learn's float). A
        dict ``{bin: size}``. Bins never grow.
    {relevance}
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sampling_strategy_ : dict
        Size of every bin after resampling.
    relevance_ : ndarray of shape (n_samples,)
        ``phi(y)`` of every input sample.
    bins_ : ndarray of shape (n_samples,)
        Bin of every input sample.
    bin_rare_ : ndarray of shape (n_bins,)
        Whether every bin is rare.
    bin_ranges_ : ndarray of shape (n_bins, 2)
        Smallest and largest target of every bin.
    sample_indices_ : ndarray of shape (n_samples_new,)
        Indices of the input rows that were returned.
    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit_resample`.

    See Also
    --------
    RegressionRandomOverSampler : Grow the rare bins instead.

    References
    ----------
    .. [1] P. Branco, L. Torgo and R. P. Ribeiro, "Pre-processing approaches
       for imbalanced distributions in regression", Neurocomputing 343, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import RegressionRandomUnderSampler
    >>> rng = np.random.RandomState(0)
    >>> y = np.r_[rng.normal(0, 1, 95), rng.normal(8, 0.5, 5)]
    >>> X = y.reshape(-1, 1)
    >>> sampler = RegressionRandomUnderSampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sampler.sampling_strategy_
    {0: 7, 1: 33, 2: 12}
    """

    _direction = "under"


for _cls in (RegressionRandomOverSampler, RegressionRandomUnderSampler):
    _cls.__doc__ = _cls.__doc__.replace("{relevance}", _RELEVANCE_DOC)
