"""Temperature sampling of classes or groups ("Upsample or Upweight?", 2024).

Groups ``c`` with sizes ``n_c`` and natural shares ``q_c = n_c / N`` are drawn
with probabilities ``p_c(T) = q_c ** (1 / T) / sum_d q_d ** (1 / T)``:
``T = 1`` keeps the natural distribution, ``T -> inf`` approaches the uniform
distribution over groups and ``T < 1`` sharpens toward the majority.  The
loss-weight twin ("scalarization") samples naturally and weights group ``c`` by
``w_c = p_c(T) / q_c``.
"""

import numbers

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.preprocessing import label_binarize
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets

from skrec.sampling._base import (
    RowSelectionMixin,
    WeightCarryingMixin,
    check_groups,
    validate_class_target,
)

__all__ = ["TemperatureSampler", "temperature_probabilities", "temperature_weights"]


def _check_counts(counts):
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(
            "counts must be a non-empty 1-D array of group sizes, one per group; "
            f"got shape {counts.shape}."
        )
    if not np.issubdtype(counts.dtype, np.number) or np.iscomplexobj(counts):
        raise TypeError(f"counts must be numeric; got dtype {counts.dtype}.")
    counts = counts.astype(np.float64)
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError(
            "counts must be finite and non-negative (sizes of the groups); got "
            f"{counts.tolist()[:10]}."
        )
    if counts.sum() <= 0:
        raise ValueError("counts must contain at least one positive group size.")
    return counts


def _check_temperature(temperature):
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, numbers.Real)
        or np.isnan(temperature)
        or temperature <= 0
    ):
        raise ValueError(
            "temperature must be a positive number (1 keeps the natural "
            "distribution, larger values flatten it, np.inf gives the uniform "
            f"distribution over groups); got {temperature!r}."
        )
    return float(temperature)


def temperature_probabilities(counts, temperature):
    """Group sampling probabilities ``p_c(T)`` proportional to ``n_c ** (1/T)``.

    Parameters
    ----------
    counts : array-like of shape (n_groups,)
        Size ``n_c >= 0`` of every group (class, language, domain...). Empty
        groups get probability 0.
    temperature : float > 0
        ``1`` keeps the natural shares ``q_c = n_c / N``; larger values flatten
        them, ``np.inf`` gives the uniform distribution over the non-empty
        groups; values below 1 sharpen toward the largest group.

    Returns
    -------
    probabilities : ndarray of shape (n_groups,)
        ``p_c(T) = q_c ** (1/T) / sum_d q_d ** (1/T)``; sums to one. Computed in
        log space, so extreme sizes or temperatures do not overflow.

    See Also
    --------
    temperature_weights : The loss weights with the same expectation.
    TemperatureSampler : Offline resampling with these probabilities.

    References
    ----------
    .. [1] "Upsample or Upweight? Balanced Training on Heavily Imbalanced
       Datasets", arXiv:2410.04579, 2024.

    Examples
    --------
    >>> from skrec.sampling import temperature_probabilities
    >>> temperature_probabilities([90, 10], 1.0)
    array([0.9, 0.1])
    >>> temperature_probabilities([90, 10], 2.0).round(3)
    array([0.75, 0.25])
    >>> temperature_probabilities([90, 10], float("inf"))
    array([0.5, 0.5])
    """
    counts = _check_counts(counts)
    temperature = _check_temperature(temperature)
    positive = counts > 0
    probabilities = np.zeros_like(counts)
    if np.isinf(temperature):
        probabilities[positive] = 1.0 / positive.sum()
        return probabilities
    log_q = np.log(counts[positive]) - np.log(counts.sum())
    logits = log_q / temperature
    logits -= logits.max()
    p = np.exp(logits)
    probabilities[positive] = p / p.sum()
    return probabilities


def temperature_weights(counts, temperature):
    """Per-group loss weights ``w_c = p_c(T) / q_c`` ("scalarization").

    Sampling naturally and weighting each example of group ``c`` by ``w_c``
    gives, in expectation, the same loss as temperature sampling without
    weights; the weights average to one over the natural distribution
    (``sum_c q_c w_c = 1``).

    Parameters
    ----------
    counts : array-like of shape (n_groups,)
        Size ``n_c >= 0`` of every group. Empty groups get weight 0.
    temperature : float > 0
        See :func:`temperature_probabilities`.

    Returns
    -------
    weights : ndarray of shape (n_groups,)
        The weight of one example of each group.

    See Also
    --------
    temperature_probabilities : The sampling probabilities ``p_c(T)``.

    References
    ----------
    .. [1] "Upsample or Upweight? Balanced Training on Heavily Imbalanced
       Datasets", arXiv:2410.04579, 2024.

    Examples
    --------
    >>> from skrec.sampling import temperature_weights
    >>> temperature_weights([90, 10], 1.0)
    array([1., 1.])
    >>> temperature_weights([90, 10], float("inf")).round(4)
    array([0.5556, 5.    ])
    """
    counts = _check_counts(counts)
    probabilities = temperature_probabilities(counts, temperature)
    q = counts / counts.sum()
    weights = np.zeros_like(q)
    positive = q > 0
    weights[positive] = probabilities[positive] / q[positive]
    return weights


class _GroupDrawSampler(RowSelectionMixin, BaseSampler):
    """Base of the samplers that draw rows within groups.

    Subclasses define ``_draw_counts(labels, sizes, n_total, rng)``, the number
    of rows to draw from each group; :func:`_draw_within_groups` draws them.
    """

    def _fit_resample(self, X, y, groups=None, _labels=None):
        if _labels is None:
            groups = y if groups is None else groups
            _labels = np.unique(groups, return_inverse=True, return_counts=True)
        return _draw_within_groups(self, X, y, *_labels, self._draw_counts)


class TemperatureSampler(WeightCarryingMixin, _GroupDrawSampler):
    """Draw rows so that classes (or groups) appear with probability ``p_c(T)``.

    Each of the ``n_samples`` output rows belongs to group ``c`` with
    probability ``p_c(T) = q_c ** (1/T) / sum_d q_d ** (1/T)``, where ``q_c`` is
    the natural share of group ``c``; rows are then drawn uniformly inside
    their group, with or without replacement. Groups are the classes of ``y``
    unless ``groups`` is passed to :meth:`fit_resample` (domains, languages,
    sources...; ``y`` may then be anything, even continuous).

    Read more in the :ref:`User Guide <temperature_sampling>`.

    Parameters
    ----------
    temperature : float, default=1.0
        ``1`` keeps the natural distribution, larger values flatten it,
        ``np.inf`` draws every group equally often, values in ``(0, 1)``
        favour the majority.
    n_samples : int, float or None, default=None
        Number of rows returned: an int, a float ``> 0`` read as a fraction of
        the input size, or None for as many rows as the input.
    replacement : bool, default=True
        Draw rows with replacement within groups. With ``False`` every row is
        used at most once, so a group cannot contribute more rows than it has:
        its draw count is capped at its size and the surplus is redistributed
        over the other groups in proportion to ``p_c(T)``.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of rows drawn from each group (class label or group label).
    probabilities_ : dict
        ``p_c(T)`` of each group.
    sample_indices_ : ndarray of shape (n_samples_out,)
        Indices of the input rows that were returned.
    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit_resample` (string column
        names only).

    See Also
    --------
    temperature_probabilities : The probabilities on their own.
    temperature_weights : The loss-weight ("scalarization") alternative.
    BalancedGroupSampler : Equal draws per group, without the temperature.
    imblearn.over_sampling.RandomOverSampler : Oversampling to fixed counts.

    Notes
    -----
    The per-group counts follow a multinomial distribution with parameters
    ``(n_samples, p(T))`` when ``replacement=True``. Unlike imbalanced-learn's
    class samplers there is no ``sampling_strategy`` parameter: the target
    distribution is set by ``temperature`` and ``n_samples``.

    References
    ----------
    .. [1] "Upsample or Upweight? Balanced Training on Heavily Imbalanced
       Datasets", arXiv:2410.04579, 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import TemperatureSampler
    >>> X = np.arange(20).reshape(10, 2)
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> sampler = TemperatureSampler(temperature=np.inf, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape
    (10, 2)
    >>> sampler.probabilities_
    {0: 0.5, 1: 0.5}
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "temperature": [Interval(numbers.Real, 0, None, closed="right")],
        "n_samples": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, None, closed="neither"),
            None,
        ],
        "replacement": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self, *, temperature=1.0, n_samples=None, replacement=True, random_state=None
    ):
        self.temperature = temperature
        self.n_samples = n_samples
        self.replacement = replacement
        self.random_state = random_state

    def fit(self, X, y, groups=None):
        """Validate the input and compute the per-group draw counts.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Class labels (or any target when ``groups`` is given).
        groups : array-like of shape (n_samples,), default=None
            Group label of every row; None uses the classes of ``y``.

        Returns
        -------
        self : object
            Fitted sampler.
        """
        self.fit_resample(X, y, groups=groups)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, groups=None, *, sample_weight=None):
        """Resample the data set.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Data to resample.
        y : array-like of shape (n_samples,)
            Class labels (or any target when ``groups`` is given).
        groups : array-like of shape (n_samples,), default=None
            Group label of every row; None uses the classes of ``y``. Inside an
            :class:`imblearn.pipeline.Pipeline` pass it as
            ``pipe.fit(X, y, <step>__groups=groups)``; ``GridSearchCV`` slices
            it with the rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the input rows; when given they are resampled with the
            rows and returned third (see
            :class:`~skrec.sampling.WeightCarryingMixin`).

        Returns
        -------
        X_resampled : {ndarray, dataframe, sparse matrix} of shape (n_samples_new, n_features)
            Resampled rows, in the type of ``X``.
        y_resampled : {ndarray, series} of shape (n_samples_new,)
            Their targets, in the type of ``y``.
        """
        w = self._check_resample_weight(X, sample_weight)
        return self._carry_weight(_resample_groups(self, X, y, groups), w)

    def _draw_counts(self, labels, sizes, n_total, rng):
        temperature = _check_temperature(self.temperature)
        p = temperature_probabilities(sizes, temperature)
        self.probabilities_ = {
            _py(label): float(value) for label, value in zip(labels, p)
        }
        n_out = _n_out(self.n_samples, n_total)
        if self.replacement:
            return rng.multinomial(n_out, p)
        if n_out > n_total:
            raise ValueError(
                f"n_samples={n_out} exceeds the {n_total} input rows, which is "
                "impossible with replacement=False; lower n_samples or set "
                "replacement=True."
            )
        return _capped_multinomial(n_out, p, sizes, rng)


def _py(label):
    """Numpy scalar -> Python scalar (nicer dict keys)."""
    return label.item() if hasattr(label, "item") else label


def _n_out(n_samples, n_total):
    if n_samples is None:
        return n_total
    if isinstance(n_samples, numbers.Integral):
        return int(n_samples)
    return max(1, int(round(n_samples * n_total)))


def _capped_multinomial(n_out, p, sizes, rng):
    """Multinomial draw of n_out items where group c holds at most sizes[c].

    Draws sequentially in rounds: the surplus of saturated groups is redrawn
    over the groups that still have room, in proportion to ``p``.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    counts = np.zeros_like(sizes)
    remaining = n_out
    while remaining > 0:
        room = sizes - counts
        weights = np.where(room > 0, p, 0.0)
        if weights.sum() <= 0:  # pragma: no cover - guarded by n_out <= n_total
            weights = (room > 0).astype(float)
        draw = rng.multinomial(remaining, weights / weights.sum())
        take = np.minimum(draw, room)
        counts += take
        remaining = n_out - counts.sum()
    return counts


def _resample_groups(sampler, X, y, groups):
    """Shared body of the group samplers.

    Validates the input, finds the groups (classes of ``y`` or ``groups``) and
    delegates the draws to ``sampler._fit_resample``.
    """
    arrays_transformer = ArraysTransformer(X, y)
    if groups is None:
        check_classification_targets(y)
    X_checked, y_checked, binarize_y = validate_class_target(
        sampler, X, y, classes=groups is None
    )
    if groups is None:
        group_values = y_checked
    else:
        group_values = check_groups(groups, X_checked.shape[0])
    labels, inverse, sizes = np.unique(
        group_values, return_inverse=True, return_counts=True
    )
    if labels.size < 2:
        if groups is None:
            message = (
                f"{type(sampler).__name__} needs at least 2 classes; got the single "
                f"class {labels[0]!r}. A sampler cannot balance when only one class "
                "is present."
            )
        else:
            message = (
                f"{type(sampler).__name__} needs at least 2 groups to resample; got "
                f"a single group {labels[0]!r}."
            )
        raise ValueError(message)
    X_res, y_res = sampler._fit_resample(
        X_checked, y_checked, groups=group_values, _labels=(labels, inverse, sizes)
    )
    if binarize_y:
        y_res = label_binarize(y_res, classes=np.unique(y_checked))
    return arrays_transformer.transform(X_res, y_res)


def _safe_take(X, indices):
    return _safe_indexing(X, indices)


def _draw_within_groups(sampler, X, y, labels, inverse, sizes, draw_counts):
    """Core of the group samplers on validated arrays; returns X_res, y_res.

    ``draw_counts(labels, sizes, n_total, rng)`` returns the number of rows to
    draw from every group; rows are then drawn inside each group with
    replacement when ``sampler.replacement`` is true (or, for samplers without
    that parameter, when the count exceeds the group size), without
    replacement otherwise.
    """
    rng = check_random_state(sampler.random_state)
    counts = np.asarray(draw_counts(labels, sizes, X.shape[0], rng))
    replacement = getattr(sampler, "replacement", None)
    few_groups = labels.size <= 32
    if not few_groups:
        order = np.argsort(inverse, kind="stable")
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pieces = []
    for c in range(labels.size):  # loop over groups, not rows
        if few_groups:  # one vectorized scan per group beats a sort
            members = np.flatnonzero(inverse == c)
        else:
            members = order[starts[c] : starts[c] + sizes[c]]
        k = int(counts[c])
        if k == 0:
            continue
        with_replacement = k > sizes[c] if replacement is None else replacement
        if not with_replacement and k == sizes[c]:
            pieces.append(members)  # the whole group, in input order
            continue
        if with_replacement:
            pick = rng.randint(0, sizes[c], size=k)
        else:
            pick = rng.permutation(sizes[c])[:k]
        pieces.append(members[pick])
    indices = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.intp)
    sampler.sampling_strategy_ = {
        _py(label): int(k) for label, k in zip(labels, counts)
    }
    sampler.sample_indices_ = indices
    return _safe_take(X, indices), y[indices]
