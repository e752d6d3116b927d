"""The length-aware control strategy of TiCoSeRec."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted

from ..sequence import Ragged, gap_variance
from ._base import BaseSequenceAugmenter
from ._ti import _RANDOM_STATE, TiCrop, TiInsert, TiMask, TiReorder, TiSubstitute

__all__ = ["LengthAwareAugmenter"]


class LengthAwareAugmenter(_BaseComposition, BaseSequenceAugmenter):
    """Apply one augmentation operator per sequence, chosen by its length.

    The control strategy of TiCoSeRec. A sequence with ``n <= augment_threshold``
    items is *short* and gets one operator drawn uniformly from
    ``short_operators``; a longer one draws uniformly from all ``operators``.
    The share ``var_rank_not_aug_ratio`` of training sequences with the lowest
    gap variance (already uniform) is left unaugmented.

    Operators are named steps, as in a :class:`~sklearn.pipeline.Pipeline`, so
    that nested parameters such as ``mask__rate`` can be set and tuned by
    :class:`~sklearn.model_selection.GridSearchCV` (for example
    ``augmenter__mask__rate`` inside a pipeline).

    Parameters
    ----------
    operators : list of (str, augmenter) tuples, default=None
        The named operators. ``None`` means the five Ti operators with the
        paper's defaults: ``[("crop", TiCrop()), ("mask", TiMask()),
        ("reorder", TiReorder()), ("substitute", TiSubstitute()),
        ("insert", TiInsert())]``. Each operator is cloned and fitted in
        ``fit``; its own ``random_state`` is ignored (this object's random
        state drives every draw).
    short_operators : tuple of str, default=("substitute", "insert", "mask")
        Names of the operators allowed for short sequences ("SIM" in the paper).
    augment_threshold : int >= -1, default=12
        Sequences with at most this many items are short; ``-1`` gives every
        sequence all operators.
    var_rank_not_aug_ratio : float in [0, 1], default=0.15
        Share of the *training* sequences with the lowest gap variance that is
        returned unchanged. ``fit`` learns the variance threshold; see Notes for
        ties.
    random_state : int, RandomState, Generator or None, default=None
        Seeds every draw; the same value gives identical output.

    Attributes
    ----------
    operators_ : list of (str, augmenter) tuples
        The fitted clones of ``operators``.
    variance_threshold_ : float
        Gap variance (squared timestamp units) below which a sequence is left
        unaugmented.
    tie_skip_probability_ : float
        Probability that a sequence whose variance equals
        ``variance_threshold_`` is left unaugmented.

    Notes
    -----
    Ties: many sequences share the same gap variance (on Amazon Beauty, a large
    share of sequences has variance exactly 0 because timestamps are
    day-granular). ``fit`` sorts the training variances and takes the value
    ``v`` of the ``ceil(ratio * N)``-th lowest one. At transform time a sequence
    with variance ``< v`` is left alone, and one with variance exactly ``v`` is
    left alone with probability ``tie_skip_probability_ = (ratio * N - N_below)
    / N_equal``, so that in expectation exactly the requested share of training
    sequences is skipped, without favouring any row order (the public reference
    implementation compares line numbers with user ids, which makes its skipped
    set effectively random).

    References
    ----------
    .. [1] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import ItemSimilarity, LengthAwareAugmenter
    >>> X = make_sequence_frame([[1, 2, 3], [2, 3, 4, 5], [1, 3, 5]])
    >>> aug = LengthAwareAugmenter(var_rank_not_aug_ratio=0.0, random_state=0)
    >>> aug = aug.set_params(substitute__similarity=ItemSimilarity(n_neighbors=2),
    ...                      insert__similarity=ItemSimilarity(n_neighbors=2))
    >>> aug.fit_transform(X).shape
    (3, 2)
    >>> aug.get_params()["mask__rate"]
    0.5
    """

    _requires_fit = True
    _fit_rejects_zero = True

    _parameter_constraints = {
        "operators": [list, None],
        "short_operators": [tuple, list],
        "augment_threshold": [Interval(Integral, -1, None, closed="left")],
        "var_rank_not_aug_ratio": [Interval(Real, 0, 1, closed="both")],
        "random_state": _RANDOM_STATE,
    }

    def __init__(
        self,
        operators=None,
        short_operators=("substitute", "insert", "mask"),
        augment_threshold=12,
        var_rank_not_aug_ratio=0.15,
        random_state=None,
    ):
        self.operators = operators
        self.short_operators = short_operators
        self.augment_threshold = augment_threshold
        self.var_rank_not_aug_ratio = var_rank_not_aug_ratio
        self.random_state = random_state

    @staticmethod
    def _default_operators():
        return [
            ("crop", TiCrop()),
            ("mask", TiMask()),
            ("reorder", TiReorder()),
            ("substitute", TiSubstitute()),
            ("insert", TiInsert()),
        ]

    def get_params(self, deep=True):
        """Get the parameters, including ``<name>__<param>`` of each operator.

        Parameters
        ----------
        deep : bool, default=True
            Also return the operators and their parameters.

        Returns
        -------
        params : dict
        """
        if self.operators is None and deep:
            params = self._get_params("operators", deep=False)
            steps = self._default_operators()
            params.update(steps)
            for name, op in steps:
                for key, value in op.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
            return params
        return self._get_params("operators", deep=deep)

    def set_params(self, **params):
        """Set parameters, including ``<name>__<param>`` of each operator.

        Parameters
        ----------
        **params : dict
            Parameters of this object, whole operators (``crop=TiCrop(0.5)``) or
            their parameters (``crop__rate=0.5``).

        Returns
        -------
        self : LengthAwareAugmenter
        """
        names = {k.split("__", 1)[0] for k in params}
        own = set(self._get_param_names())
        if self.operators is None and names - own:
            self.operators = self._default_operators()
        self._set_params("operators", **params)
        return self

    def _validate_steps(self):
        steps = self.operators if self.operators is not None else self._default_operators()
        if not all(isinstance(s, tuple) and len(s) == 2 for s in steps) or not steps:
            raise ValueError(
                "operators must be a non-empty list of (name, augmenter) tuples, got "
                f"{steps!r}."
            )
        names = [name for name, _ in steps]
        self._validate_names(names)
        for name, op in steps:
            if not isinstance(op, BaseSequenceAugmenter):
                raise TypeError(
                    f"Operator {name!r} must be a skrec augmentation operator (a "
                    f"BaseSequenceAugmenter), got {type(op).__name__}."
                )
        unknown = [n for n in self.short_operators if n not in names]
        if unknown or len(self.short_operators) == 0:
            raise ValueError(
                f"short_operators must name a non-empty subset of the operators "
                f"{names}; unknown: {unknown}."
            )
        return steps

    def _fit(self, ragged, cache=None):
        steps = self._validate_steps()
        cache = {}
        fitted = []
        for name, op in steps:
            op = clone(op)
            op._validate_params()
            op._fit(ragged, cache)
            op.n_sequences_fit_ = ragged.n_sequences
            fitted.append((name, op))
        self.operators_ = fitted
        var = gap_variance(ragged)
        n = len(var)
        n_skip = self.var_rank_not_aug_ratio * n
        if n == 0 or n_skip <= 0:
            self.variance_threshold_ = -np.inf
            self.tie_skip_probability_ = 0.0
            return
        v = np.sort(var)[int(np.ceil(n_skip)) - 1]
        below = int((var < v).sum())
        equal = int((var == v).sum())
        self.variance_threshold_ = float(v)
        self.tie_skip_probability_ = float(np.clip((n_skip - below) / equal, 0.0, 1.0))

    def _transform_ragged(self, ragged, rng):
        check_is_fitted(self, "operators_")
        n = ragged.n_sequences
        lengths = ragged.lengths
        names = [name for name, _ in self.operators_]
        n_ops = len(names)
        short_idx = np.array([names.index(s) for s in self.short_operators])
        var = gap_variance(ragged)
        u_skip, u_short, u_all = rng.random(n), rng.random(n), rng.random(n)
        skip = (var < self.variance_threshold_) | (
            (var == self.variance_threshold_) & (u_skip < self.tie_skip_probability_)
        )
        short = lengths <= self.augment_threshold
        choice = np.where(
            short,
            short_idx[np.minimum((u_short * len(short_idx)).astype(np.int64),
                                 len(short_idx) - 1)],
            np.minimum((u_all * n_ops).astype(np.int64), n_ops - 1),
        )
        choice = np.where(skip, -1, choice)
        pieces = []
        kept = np.flatnonzero(choice == -1)
        if len(kept):
            pieces.append((kept, ragged.take(kept)))
        for j, (_, op) in enumerate(self.operators_):
            rows = np.flatnonzero(choice == j)
            if len(rows):
                pieces.append((rows, op._transform_ragged(ragged.take(rows), rng)))
        if not pieces:
            return ragged
        return Ragged.concat_in_order(pieces, n)

