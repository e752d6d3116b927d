"""Online temperature sampling for torch data loaders (and skorch)."""

import numbers

import numpy as np
from torch.utils.data import Sampler

from skrec.sampling._temperature import temperature_probabilities

__all__ = ["TemperatureBatchSampler"]


class TemperatureBatchSampler(Sampler):
    """Draw training indices with temperature-sampled class (group) shares.

    Index ``i`` of class (or group) ``k(i)`` is drawn with probability
    ``p_{k(i)}(T) / n_{k(i)}``, where ``p_c(T)`` is
    :func:`~skrec.sampling.temperature_probabilities` of the class sizes
    ``n_c``: every class as a whole is drawn with probability ``p_c(T)`` and its
    members uniformly. This is :class:`torch.utils.data.WeightedRandomSampler`
    with temperature weights; unlike it, :attr:`temperature` can be changed
    between epochs (the :class:`~skrec.callbacks.Cooldown` callback lowers it
    during training) and the draws are reproducible under ``random_state``.

    Pass it to a skorch net as ``iterator_train__sampler`` (the loader must not
    shuffle itself). The indices refer to the rows of the training data, so
    ``y`` must be the labels of exactly the rows the net trains on: use
    ``train_split=None`` (e.g. inside ``GridSearchCV``) or a fixed split whose
    training labels you pass here.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class or group label of every training row.
    temperature : float, default=1.0
        ``T > 0``: 1 keeps the natural class shares, larger values flatten
        them, ``np.inf`` draws every class equally often.
    num_samples : int, default=None
        Indices drawn per epoch; None draws ``n_samples``.
    replacement : bool, default=True
        Draw with replacement. Without replacement ``num_samples`` cannot
        exceed ``n_samples`` and the class shares only approximate ``p(T)``.
    random_state : int, numpy Generator, RandomState instance or None, \
            default=None
        Seed of the draws. An int makes the sequence of epochs reproducible.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted distinct labels of ``y``.
    class_counts_ : ndarray of shape (n_classes,)
        Number of rows of each class.
    labels_ : ndarray of shape (n_samples,)
        Index into ``classes_`` of every row.

    See Also
    --------
    skrec.sampling.TemperatureSampler : Offline resampling with the same
        probabilities, for any estimator.
    skrec.sampling.temperature_weights : The loss weights with the same
        expectation ("scalarization").

    References
    ----------
    .. [1] T. Li, H. Xu, W. Tan, K. Murray and D. Khashabi, "Upsample or
       Upweight? Balanced Training on Heavily Imbalanced Datasets", NAACL 2025
       (arXiv:2410.04579).

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import TemperatureBatchSampler
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> sampler = TemperatureBatchSampler(y, temperature=2.0, num_samples=10000,
    ...                                   random_state=0)
    >>> sampler.class_probabilities().round(2)
    array([0.75, 0.25])
    >>> idx = np.fromiter(sampler, dtype=int)
    >>> float(np.round((y[idx] == 1).mean(), 2))
    0.25
    >>> sampler.temperature = 1.0  # e.g. set by the Cooldown callback
    >>> float(np.round((y[np.fromiter(sampler, dtype=int)] == 1).mean(), 2))
    0.1

    In skorch:

    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> net = NeuralNetClassifier(
    ...     torch.nn.Linear(4, 2), criterion=torch.nn.CrossEntropyLoss,
    ...     train_split=None,
    ...     iterator_train__sampler=TemperatureBatchSampler(y, temperature=5.0))
    """

    def __init__(
        self, y, temperature=1.0, num_samples=None, replacement=True, random_state=None
    ):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"y must be 1-D (one class or group label per row), got shape {y.shape}."
            )
        if y.shape[0] == 0:
            raise ValueError("y is empty; pass the labels of the training rows.")
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinite values; label every row.")
        if y.dtype == object:
            from pandas import isna

            if np.any(isna(y)):
                raise ValueError("y contains missing values; label every row.")
        classes, labels, counts = np.unique(y, return_inverse=True, return_counts=True)
        if classes.size < 2:
            raise ValueError(
                "y holds a single class; temperature sampling needs at least two "
                "classes (or groups)."
            )
        if num_samples is not None:
            if (
                isinstance(num_samples, bool)
                or not isinstance(num_samples, numbers.Integral)
                or num_samples <= 0
            ):
                raise ValueError(
                    f"num_samples must be a positive integer or None, got {num_samples!r}."
                )
            if not replacement and num_samples > y.shape[0]:
                raise ValueError(
                    f"num_samples={num_samples} exceeds the {y.shape[0]} rows; draw "
                    "with replacement=True or ask for fewer samples."
                )
        self.classes_ = classes
        self.labels_ = labels.reshape(-1)
        self.class_counts_ = counts
        self.num_samples = None if num_samples is None else int(num_samples)
        self.replacement = bool(replacement)
        self.random_state = random_state
        seed = random_state
        if isinstance(seed, np.random.RandomState):
            seed = seed.randint(np.iinfo(np.int32).max)
        self._rng = np.random.default_rng(seed)
        # rows grouped by class, and where each class starts in that order
        self._order = np.argsort(self.labels_, kind="stable")
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.temperature = temperature

    @property
    def temperature(self):
        """Current sampling temperature (settable; validated on assignment)."""
        return self._temperature

    @temperature.setter
    def temperature(self, value):
        # temperature_probabilities validates T (> 0, not NaN; inf allowed).
        self._probabilities = temperature_probabilities(self.class_counts_, value)
        self._temperature = float(value)

    def class_probabilities(self):
        """Share ``p_c(T)`` of every class among the drawn indices.

        Returns
        -------
        probabilities : ndarray of shape (n_classes,)
        """
        return self._probabilities.copy()

    def sample_weights(self):
        """Probability ``p_{k(i)}(T) / n_{k(i)}`` of drawing each row.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            Sums to one.
        """
        return (self._probabilities / self.class_counts_)[self.labels_]

    def __len__(self):
        return self.labels_.shape[0] if self.num_samples is None else self.num_samples

    def __iter__(self):
        size = len(self)
        if self.replacement:
            # Two stages with the same law as per-row weights p_k / n_k: draw
            # the class of every index by p(T), then a row uniformly within it.
            # O(size log n_classes) instead of a search over all rows.
            cls = self._rng.choice(self.classes_.size, size=size, p=self._probabilities)
            offset = (self._rng.random(size) * self.class_counts_[cls]).astype(np.intp)
            indices = self._order[self._starts[cls] + offset]
        else:
            weights = self.sample_weights()
            weights /= weights.sum()
            if size > np.count_nonzero(weights):
                raise ValueError(
                    "Without replacement there are fewer rows with positive "
                    "probability than num_samples."
                )
            indices = self._rng.choice(
                weights.shape[0], size=size, replace=False, p=weights
            )
        return iter(indices.tolist())

    def __repr__(self):
        return (
            f"{type(self).__name__}(n_samples={self.labels_.shape[0]}, "
            f"n_classes={self.classes_.size}, temperature={self.temperature!r}, "
            f"num_samples={self.num_samples!r}, replacement={self.replacement!r}, "
            f"random_state={self.random_state!r})"
        )
