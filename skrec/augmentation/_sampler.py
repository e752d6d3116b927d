"""Offline augmentation as an imbalanced-learn sampler."""

from collections import Counter
from numbers import Integral

import numpy as np
import pandas as pd
from imblearn.base import BaseSampler
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..sampling._base import WeightCarryingMixin, check_strategy_dict
from ..sequence import (
    ITEMS,
    TIMESTAMPS,
    Ragged,
    cell_format,
    check_sequence_frame,
    from_ragged,
)
from ..utils._random import check_generator
from ._base import BaseSequenceAugmenter
from ._ti import _RANDOM_STATE

__all__ = ["AugmentationSampler"]

_STRATEGIES = ("all", "minority", "not majority", "not minority")


class AugmentationSampler(WeightCarryingMixin, BaseSampler):
    """Append augmented copies of sequences, for offline augmentation.

    ``fit_resample(X, y)`` fits a clone of ``augmenter`` on ``X``, draws
    ``n_copies`` augmented views of the selected rows and returns the original
    rows followed by the copies, with ``y`` repeated for the copies. Because the
    number of rows changes it is a sampler, for use inside
    :class:`imblearn.pipeline.Pipeline` (it only acts during ``fit``; at predict
    time the pipeline passes data through untouched).

    Parameters
    ----------
    augmenter : augmentation operator or None, default=None
        Any skrec augmentation operator; ``None`` means
        :class:`~skrec.augmentation.LengthAwareAugmenter` with its defaults.
    n_copies : int >= 0, default=1
        Augmented copies appended per selected row.
    sampling_strategy : str, dict or callable, default="all"
        Which rows get copies, in the spirit of imbalanced-learn's parameter,
        but counted in *copies per row* rather than in target class sizes:

        - ``"all"``: every row (``y`` may then be anything, including None);
        - ``"minority"``, ``"not majority"``, ``"not minority"``: rows whose
          class label ``y`` is in those classes, to oversample rare classes
          with augmented rather than duplicated sequences;
        - ``dict`` ``{label: n_copies}``: copies per row of each class
          (classes not listed get none; overrides ``n_copies``);
        - callable ``f(y) -> dict`` returning such a dict.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the augmentation; the same value gives identical output.

    Attributes
    ----------
    augmenter_ : augmentation operator
        The fitted clone of ``augmenter``.
    sampling_strategy_ : dict or None
        Copies per row of each class, or None for ``"all"``.
    sample_indices_ : ndarray of shape (n_samples_new,)
        Position in ``X`` of the row each output row comes from.
    sample_origins_ : ndarray of shape (n_samples_new,)
        The same: ``fit_resample(X, y, sample_weight=w)`` gives every
        augmented copy the weight of its source row (see
        :class:`~skrec.sampling.WeightCarryingMixin`).

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import AugmentationSampler, TiCrop
    >>> X = make_sequence_frame([[1, 2, 3, 4], [5, 6, 7, 8]],
    ...                         [[0, 1, 2, 9], [0, 5, 6, 7]])
    >>> y = np.array([0, 1])
    >>> X_res, y_res = AugmentationSampler(TiCrop(rate=0.75)).fit_resample(X, y)
    >>> X_res["items"].tolist()
    [array([1, 2, 3, 4]), array([5, 6, 7, 8]), array([1, 2, 3]), array([6, 7, 8])]
    >>> y_res.tolist()
    [0, 1, 0, 1]
    """

    _sampling_type = "bypass"

    _parameter_constraints = {
        "augmenter": [None, HasMethods(["fit_ragged", "augment"])],
        "n_copies": [Interval(Integral, 0, None, closed="left")],
        "sampling_strategy": [StrOptions(set(_STRATEGIES)), dict, callable],
        "random_state": _RANDOM_STATE,
    }

    def __init__(self, augmenter=None, n_copies=1, *, sampling_strategy="all",
                 random_state=None):
        self.augmenter = augmenter
        self.n_copies = n_copies
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags

    def fit(self, X, y=None, **params):
        """Validate the inputs; use :meth:`fit_resample` to resample.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        y : array-like of shape (n_samples,) or None
            Targets (class labels unless ``sampling_strategy="all"``).
        **params : dict
            Ignored.

        Returns
        -------
        self : AugmentationSampler
        """
        self._validate_params()
        check_sequence_frame(X, allow_empty_sequences=True, allow_zero_items=True)
        y = self._check_y(X, y)
        self.sampling_strategy_ = self._parse_strategy(y)
        return self

    def fit_resample(self, X, y=None, *, sample_weight=None, **params):
        """Append augmented copies of the rows of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame of training sequences. Other columns are copied
            along with each row.
        y : array-like of shape (n_samples,) or None
            Targets, repeated for the copies.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the input rows; when given they are resampled with the
            rows and returned third (see
            :class:`~skrec.sampling.WeightCarryingMixin`).
        **params : dict
            Ignored.

        Returns
        -------
        X_resampled : pandas.DataFrame
            The rows of ``X`` followed by the augmented copies, with a fresh
            ``RangeIndex`` (as imbalanced-learn's samplers return).
        y_resampled : same type as ``y``, or None
            ``y`` followed by the copies' targets.
        """
        self._validate_params()
        ragged = check_sequence_frame(X, allow_empty_sequences=True)
        w = self._check_resample_weight(X, sample_weight)
        y_arr = self._check_y(X, y)
        self.sampling_strategy_ = self._parse_strategy(y_arr)
        return self._carry_weight(self._fit_resample(X, y, ragged=ragged, y_arr=y_arr), w)

    def _check_y(self, X, y):
        if y is None:
            if self.sampling_strategy != "all":
                raise ValueError(
                    f"sampling_strategy={self.sampling_strategy!r} needs class labels "
                    "y; pass y or use sampling_strategy='all'."
                )
            return None
        y_arr = np.asarray(y)
        if y_arr.ndim == 0 or len(y_arr) != len(X):
            raise ValueError(
                f"y has {0 if y_arr.ndim == 0 else len(y_arr)} entries but X has "
                f"{len(X)} rows; pass one target per sequence."
            )
        return y_arr

    def _parse_strategy(self, y):
        strategy = self.sampling_strategy
        if isinstance(strategy, str) and strategy == "all":
            return None
        if callable(strategy):
            strategy = strategy(y)
        counts = Counter(y.tolist())
        if isinstance(strategy, dict):
            # Values are copies per row of the class (not target sizes).
            return check_strategy_dict(strategy, counts, what="class")
        if len(counts) < 2:
            raise ValueError(
                f"sampling_strategy={strategy!r} needs at least two classes in y, got "
                f"{len(counts)}."
            )
        lo, hi = min(counts.values()), max(counts.values())
        if strategy == "minority":
            chosen = [c for c, n in counts.items() if n == lo]
        elif strategy == "not majority":
            chosen = [c for c, n in counts.items() if n != hi]
        else:  # "not minority"
            chosen = [c for c, n in counts.items() if n != lo]
        return {c: self.n_copies for c in chosen}

    def _fit_resample(self, X, y, ragged=None, y_arr=None):
        if ragged is None:
            ragged = check_sequence_frame(X, allow_empty_sequences=True)
            y_arr = None if y is None else np.asarray(y)
        augmenter = self.augmenter
        if augmenter is None:
            from ._control import LengthAwareAugmenter

            augmenter = LengthAwareAugmenter()
        if not isinstance(augmenter, BaseSequenceAugmenter):
            raise TypeError(
                "augmenter must be a skrec augmentation operator, got "
                f"{type(augmenter).__name__}."
            )
        self.augmenter_ = clone(augmenter).fit_ragged(ragged, check_input=False)
        n = ragged.n_sequences
        if self.sampling_strategy_ is None:
            copies = np.full(n, self.n_copies, dtype=np.int64)
        else:
            copies = np.array(
                [self.sampling_strategy_.get(label, 0) for label in y_arr.tolist()],
                dtype=np.int64,
            ) if n else np.zeros(0, dtype=np.int64)
        # Copy c of every row, c = 0..copies-1, grouped copy by copy.
        max_c = int(copies.max()) if n else 0
        rows = np.concatenate(
            [np.flatnonzero(copies > c) for c in range(max_c)]
            or [np.zeros(0, dtype=np.int64)]
        )
        rng = check_generator(self.random_state)
        views = self.augmenter_.augment(ragged.take(rows), rng, check_input=False)
        self.sample_indices_ = np.concatenate([np.arange(n, dtype=np.int64), rows])
        frame = from_ragged(Ragged.concat([ragged, views]), cells=cell_format(X), copy=False)
        X_res = X.iloc[self.sample_indices_].reset_index(drop=True)
        X_res[ITEMS] = frame[ITEMS].array
        X_res[TIMESTAMPS] = frame[TIMESTAMPS].array
        if y is None:
            return X_res, None
        y_res = _take_y(y, self.sample_indices_)
        return X_res, y_res

    @property
    def sample_origins_(self):
        return self.sample_indices_


def _take_y(y, indices):
    if isinstance(y, (pd.Series, pd.DataFrame)):
        return y.iloc[indices].reset_index(drop=True)
    return np.asarray(y)[indices]
