"""Random augmentation operators of CoSeRec (Liu et al., 2021).

Same rates as the time-interval-aware operators, positions chosen uniformly at
random; used by TiCoSeRec as the baseline and for ablations.
"""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval

from . import _kernels as K
from ._base import BaseSequenceAugmenter
from ._ti import _RANDOM_STATE, _RATE, _SimilarityMixin

__all__ = [
    "RandomCrop",
    "RandomReorder",
    "RandomMask",
    "RandomSubstitute",
    "RandomInsert",
]



def _k_random(rate, lengths):
    """``min(max(1, floor(rate * n)), n)`` positions out of all n, 0 for n = 0."""
    return np.minimum(np.maximum(K.floor_rate(rate, lengths), 1), lengths)


class RandomCrop(BaseSequenceAugmenter):
    """Crop each sequence to a random window (CoSeRec crop).

    A window of ``L = max(1, floor(rate * n))`` consecutive items, its start drawn
    uniformly among the ``n - L + 1`` possible ones. Empty sequences stay empty.

    Parameters
    ----------
    rate : float in [0, 1], default=0.7
        Share of the sequence kept.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the window; the same value gives identical output on every call.

    See Also
    --------
    TiCrop : Keeps the window with the most uniform time gaps.

    References
    ----------
    .. [1] Z. Liu et al., "Contrastive Self-supervised Sequential
       Recommendation with Robust Augmentation", arXiv:2108.06479, 2021.
    .. [2] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import RandomCrop
    >>> X = make_sequence_frame([[1, 2, 3, 4, 5]])
    >>> len(RandomCrop(rate=0.6, random_state=0).fit_transform(X)["items"][0])
    3
    """

    _parameter_constraints = {"rate": _RATE, "random_state": _RANDOM_STATE}

    def __init__(self, rate=0.7, random_state=None):
        self.rate = rate
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        lengths = ragged.lengths
        window = np.where(lengths > 0, np.maximum(K.floor_rate(self.rate, lengths), 1), 0)
        starts = K.random_window_starts(lengths, window, rng)
        return K.crop(ragged, starts, window)


class RandomReorder(BaseSequenceAugmenter):
    """Shuffle the items of a random window (CoSeRec reorder).

    A window of ``L = floor(rate * n)`` items at a uniformly random start has its
    items permuted; timestamps stay in place. Sequences with ``L < 2`` are
    unchanged.

    Parameters
    ----------
    rate : float in [0, 1], default=0.2
        Share of the sequence reordered.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the window and the permutation.

    See Also
    --------
    TiReorder : Shuffles the window with the most uniform time gaps.

    References
    ----------
    .. [1] Z. Liu et al., "Contrastive Self-supervised Sequential
       Recommendation with Robust Augmentation", arXiv:2108.06479, 2021.
    .. [2] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import RandomReorder
    >>> X = make_sequence_frame([[1, 2, 3, 4, 5]])
    >>> out = RandomReorder(rate=1.0, random_state=0).fit_transform(X)
    >>> sorted(out["items"][0].tolist())
    [1, 2, 3, 4, 5]
    """

    _parameter_constraints = {"rate": _RATE, "random_state": _RANDOM_STATE}

    def __init__(self, rate=0.2, random_state=None):
        self.rate = rate
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        window = K.floor_rate(self.rate, ragged.lengths)
        ids = np.flatnonzero(window >= 2)
        window = window[ids]
        starts = K.random_window_starts(ragged.lengths[ids], window, rng)
        return K.shuffle_windows(ragged, ids, starts, window, rng)


class RandomMask(BaseSequenceAugmenter):
    """Mask random items (CoSeRec mask).

    ``k = floor(rate * n)`` positions drawn uniformly without replacement get
    ``mask_value``; timestamps are unchanged and sequences of length <= 1 are
    left alone (the same rule as ``TiMask(mode="random")``).

    Parameters
    ----------
    rate : float in [0, 1], default=0.5
        Share of the sequence masked.
    mask_value : int >= 0, default=0
        Id written over masked items (0, the padding id, by default).
    random_state : int, RandomState, Generator or None, default=None
        Seeds the positions.

    See Also
    --------
    TiMask : Can mask the items next to the largest or smallest gaps.

    References
    ----------
    .. [1] Z. Liu et al., "Contrastive Self-supervised Sequential
       Recommendation with Robust Augmentation", arXiv:2108.06479, 2021.
    .. [2] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import RandomMask
    >>> X = make_sequence_frame([[1, 2, 3, 4]])
    >>> int((RandomMask(random_state=0).fit_transform(X)["items"][0] == 0).sum())
    2
    """

    _parameter_constraints = {
        "rate": _RATE,
        "mask_value": [Interval(Integral, 0, None, closed="left")],
        "random_state": _RANDOM_STATE,
    }

    def __init__(self, rate=0.5, mask_value=0, random_state=None):
        self.rate = rate
        self.mask_value = mask_value
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        lengths = ragged.lengths
        k = np.where(lengths > 1, K.floor_rate(self.rate, lengths), 0)
        return K.mask(ragged, K.select_random(ragged.offsets, k, rng), self.mask_value)


class RandomSubstitute(_SimilarityMixin, BaseSequenceAugmenter):
    """Replace random items by their most similar items (CoSeRec substitute).

    ``k = min(max(1, floor(rate * n)), n)`` positions drawn uniformly among all
    ``n`` are replaced by their most similar item. Timestamps are unchanged;
    masked items (id 0) are left alone.

    Parameters
    ----------
    rate : float in [0, 1], default=0.1
        Share of the sequence substituted.
    similarity : ItemSimilarity or None, default=None
        Cloned and fitted in ``fit``; ``None`` means ``ItemSimilarity()``.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the positions.

    Attributes
    ----------
    similarity_ : ItemSimilarity
        The fitted similarity model.

    See Also
    --------
    TiSubstitute : Substitutes next to the smallest time gaps.

    References
    ----------
    .. [1] Z. Liu et al., "Contrastive Self-supervised Sequential
       Recommendation with Robust Augmentation", arXiv:2108.06479, 2021.
    .. [2] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import ItemSimilarity, RandomSubstitute
    >>> X = make_sequence_frame([[1, 2], [1, 2]])
    >>> op = RandomSubstitute(similarity=ItemSimilarity("itemcf", n_neighbors=1))
    >>> op.fit_transform(X)["items"][0].tolist() in ([2, 2], [1, 1])
    True
    """

    _parameter_constraints = {
        "rate": _RATE,
        "similarity": [None, HasMethods(["fit", "most_similar"])],
        "random_state": _RANDOM_STATE,
    }

    def __init__(self, rate=0.1, similarity=None, random_state=None):
        self.rate = rate
        self.similarity = similarity
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        k = _k_random(self.rate, ragged.lengths)
        selected = K.select_random(ragged.offsets, k, rng)
        return K.substitute(ragged, selected, self.similarity_)


class RandomInsert(_SimilarityMixin, BaseSequenceAugmenter):
    """Insert similar items after random positions (CoSeRec insert).

    After each of ``k = min(max(1, floor(rate * n)), n)`` positions drawn
    uniformly among all ``n``, its ``max_insert_per_position`` most similar
    items are inserted; they split the gap to the next item evenly (the
    midpoint for one item), or take the last timestamp after the last item.
    Nothing is inserted after a masked item (id 0).

    Parameters
    ----------
    rate : float in [0, 1], default=0.5
        Share of positions followed by an insertion.
    max_insert_per_position : int >= 1, default=1
        Items inserted after each chosen position.
    similarity : ItemSimilarity or None, default=None
        Cloned and fitted in ``fit``; ``None`` means ``ItemSimilarity()``.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the positions.

    Attributes
    ----------
    similarity_ : ItemSimilarity
        The fitted similarity model.

    See Also
    --------
    TiInsert : Inserts into the largest time gaps.

    References
    ----------
    .. [1] Z. Liu et al., "Contrastive Self-supervised Sequential
       Recommendation with Robust Augmentation", arXiv:2108.06479, 2021.
    .. [2] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import ItemSimilarity, RandomInsert
    >>> X = make_sequence_frame([[1, 2], [1, 2]], [[0, 10], [0, 10]])
    >>> op = RandomInsert(rate=0.5, similarity=ItemSimilarity("itemcf", n_neighbors=1))
    >>> [len(s) for s in op.fit_transform(X)["items"]]
    [3, 3]
    """

    _parameter_constraints = {
        "rate": _RATE,
        "max_insert_per_position": [Interval(Integral, 1, None, closed="left")],
        "similarity": [None, HasMethods(["fit", "most_similar"])],
        "random_state": _RANDOM_STATE,
    }

    def __init__(
        self, rate=0.5, max_insert_per_position=1, similarity=None, random_state=None
    ):
        self.rate = rate
        self.max_insert_per_position = max_insert_per_position
        self.similarity = similarity
        self.random_state = random_state

    def _fit(self, ragged, cache=None):
        super()._fit(ragged, cache)
        self._check_neighbors()

    def _transform_ragged(self, ragged, rng):
        k = _k_random(self.rate, ragged.lengths)
        selected = K.select_random(ragged.offsets, k, rng)
        return K.insert(ragged, selected, self.similarity_, self.max_insert_per_position)
