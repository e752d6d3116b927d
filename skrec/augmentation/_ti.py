"""Time-interval-aware augmentation operators of TiCoSeRec (Dang et al., 2023)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..sequence import from_ragged
from . import _kernels as K
from ._base import BaseSequenceAugmenter

__all__ = ["TiCrop", "TiReorder", "TiMask", "TiSubstitute", "TiInsert"]

_RANDOM_STATE = ["random_state", np.random.Generator]
_RATE = [Interval(Real, 0, 1, closed="both")]


class _SimilarityMixin:
    """Fit an :class:`~skrec.augmentation.ItemSimilarity` in ``fit``.

    ``similarity=None`` means ``ItemSimilarity()`` (ItemCF-IUF). The fitted copy
    is stored in ``similarity_``; transform only looks neighbours up.
    """

    _requires_fit = True
    _fit_rejects_zero = True

    def _fit(self, ragged, cache=None):
        from ._similarity import ItemSimilarity

        template = ItemSimilarity() if self.similarity is None else self.similarity
        if isinstance(template, FrozenEstimator):
            # A model fitted elsewhere (sklearn.frozen): used as is.
            self.similarity_ = template
            return
        key = repr(template)
        if cache is not None and key in cache:
            self.similarity_ = cache[key]
            return
        model = clone(template)
        if hasattr(model, "fit_ragged"):
            self.similarity_ = model.fit_ragged(ragged, check_input=False)
        else:  # a user's similarity model that only knows frames
            self.similarity_ = model.fit(from_ragged(ragged))
        if cache is not None:
            cache[key] = self.similarity_

    def _check_neighbors(self):
        n_neighbors = getattr(self.similarity_, "n_neighbors", None)
        per = getattr(self, "max_insert_per_position", 1)
        if n_neighbors is not None and per > n_neighbors:
            raise ValueError(
                f"max_insert_per_position={per} exceeds the similarity's "
                f"n_neighbors={n_neighbors}; raise n_neighbors of the similarity."
            )


class TiCrop(BaseSequenceAugmenter):
    """Crop each sequence to its most uniform window (Ti-Crop).

    A window of ``L = max(1, floor(rate * n))`` consecutive items is kept: among
    all ``n - L + 1`` windows, the one whose ``L - 1`` time gaps have the lowest
    population variance (``mode="minimum"``) or the highest (``"maximum"``, the
    paper's worst case for ablations). Equal variances go to the most recent
    window. Windows of fewer than 3 items (under two gaps) are drawn uniformly
    at random. Empty sequences stay empty.

    Parameters
    ----------
    rate : float in [0, 1], default=0.7
        Share of the sequence kept.
    mode : {"minimum", "maximum"}, default="minimum"
        Keep the window of minimum or maximum gap variance.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the random window of short crops; the same value gives identical
        output on every call.

    See Also
    --------
    RandomCrop : Window chosen uniformly at random.

    References
    ----------
    .. [1] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import TiCrop
    >>> X = make_sequence_frame([[1, 2, 3, 4, 5]], [[0, 1, 2, 10, 30]])
    >>> TiCrop(rate=0.6).fit_transform(X)["items"][0]
    array([1, 2, 3])
    """

    _parameter_constraints = {
        "rate": _RATE,
        "mode": [StrOptions({"minimum", "maximum"})],
        "random_state": _RANDOM_STATE,
    }

    def __init__(self, rate=0.7, mode="minimum", random_state=None):
        self.rate = rate
        self.mode = mode
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        lengths = ragged.lengths
        window = np.where(lengths > 0, np.maximum(K.floor_rate(self.rate, lengths), 1), 0)
        starts = K.ti_window_starts(ragged, window, self.mode, rng)
        return K.crop(ragged, starts, window)


class TiReorder(BaseSequenceAugmenter):
    """Shuffle the items of each sequence's most uniform window (Ti-Reorder).

    The window of ``L = floor(rate * n)`` items is chosen as :class:`TiCrop`
    chooses it; its items are permuted uniformly at random while the timestamps
    stay in place (the time slots are kept). Sequences with ``L < 2`` are
    unchanged.

    Parameters
    ----------
    rate : float in [0, 1], default=0.2
        Share of the sequence reordered.
    mode : {"minimum", "maximum"}, default="minimum"
        Shuffle the window of minimum or maximum gap variance.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the permutation.

    See Also
    --------
    RandomReorder : Window chosen uniformly at random.

    References
    ----------
    .. [1] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import TiReorder
    >>> X = make_sequence_frame([[1, 2, 3, 4, 5]], [[0, 10, 20, 21, 22]])
    >>> out = TiReorder(rate=0.6, random_state=0).fit_transform(X)
    >>> out["items"][0][:2].tolist(), sorted(out["items"][0][2:].tolist())
    ([1, 2], [3, 4, 5])
    """

    _parameter_constraints = TiCrop._parameter_constraints

    def __init__(self, rate=0.2, mode="minimum", random_state=None):
        self.rate = rate
        self.mode = mode
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        window = K.floor_rate(self.rate, ragged.lengths)
        window = np.where(window >= 2, window, 0)
        starts = K.ti_window_starts(ragged, window, self.mode, rng)
        ids = np.flatnonzero(window)
        return K.shuffle_windows(ragged, ids, starts[ids], window[ids], rng)


class TiMask(BaseSequenceAugmenter):
    """Mask items of each sequence (Ti-Mask).

    ``k = floor(rate * n)`` items are replaced by ``mask_value``; timestamps are
    unchanged and sequences of length <= 1 are left alone. ``mode="random"``
    masks ``k`` positions drawn uniformly without replacement; ``"maximum"`` /
    ``"minimum"`` mask the items that precede the ``k`` largest / smallest time
    gaps (at most ``n - 1``; equal gaps are taken in position order, earliest
    first).

    Parameters
    ----------
    rate : float in [0, 1], default=0.5
        Share of the sequence masked.
    mode : {"random", "maximum", "minimum"}, default="random"
        How the masked positions are chosen.
    mask_value : int >= 0, default=0
        Id written over masked items. The default, the padding id 0, makes the
        attention of a recommender drop the item while keeping its position
        (item dropout, as in the reference); pass a dedicated id (for example
        ``n_items + 1``) to learn a ``[MASK]`` token in a model of your own.
        Inside :class:`~skrec.recommenders.CoSeRec` and ``TiCoSeRec`` only 0
        is accepted: their views are in internal item ids, where any other
        value is a real item.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the random positions.

    See Also
    --------
    RandomMask : Equivalent to ``TiMask(mode="random")``.

    References
    ----------
    .. [1] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import TiMask
    >>> X = make_sequence_frame([[1, 2, 3, 4]], [[0, 50, 51, 90]])
    >>> TiMask(mode="maximum").fit_transform(X)["items"][0]
    array([0, 2, 0, 4])
    """

    _parameter_constraints = {
        "rate": _RATE,
        "mode": [StrOptions({"random", "maximum", "minimum"})],
        "mask_value": [Interval(Integral, 0, None, closed="left")],
        "random_state": _RANDOM_STATE,
    }

    def __init__(self, rate=0.5, mode="random", mask_value=0, random_state=None):
        self.rate = rate
        self.mode = mode
        self.mask_value = mask_value
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        lengths = ragged.lengths
        k = np.where(lengths > 1, K.floor_rate(self.rate, lengths), 0)
        if self.mode == "random":
            selected = K.select_random(ragged.offsets, k, rng)
        else:
            selected = K.select_before_gaps(ragged, k, self.mode)
        return K.mask(ragged, selected, self.mask_value)


def _k_before_gaps(rate, lengths):
    """``min(max(1, floor(rate * n)), n - 1)``, 0 for n <= 1."""
    k = np.minimum(np.maximum(K.floor_rate(rate, lengths), 1), lengths - 1)
    return np.where(lengths > 1, k, 0)


class TiSubstitute(_SimilarityMixin, BaseSequenceAugmenter):
    """Replace items next to the smallest gaps by similar items (Ti-Substitute).

    ``k = min(max(1, floor(rate * n)), n - 1)`` items, those preceding the ``k``
    smallest (``mode="minimum"``) or largest time gaps, are each replaced by
    their most similar item under the fitted item similarity. Timestamps are
    unchanged; sequences of length <= 1 and masked items (id 0) are left alone.
    Equal gaps are taken in position order, earliest first.

    Parameters
    ----------
    rate : float in [0, 1], default=0.1
        Share of the sequence substituted.
    mode : {"minimum", "maximum"}, default="minimum"
        Substitute before the smallest or the largest gaps.
    similarity : ItemSimilarity or None, default=None
        Item similarity model, cloned and fitted on the training sequences in
        ``fit``; ``None`` means ``ItemSimilarity()`` (ItemCF-IUF).
    random_state : int, RandomState, Generator or None, default=None
        Unused by this deterministic operator; kept for a uniform API.

    Attributes
    ----------
    similarity_ : ItemSimilarity
        The fitted similarity model.

    See Also
    --------
    RandomSubstitute : Positions chosen uniformly at random.

    References
    ----------
    .. [1] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import ItemSimilarity, TiSubstitute
    >>> X = make_sequence_frame([[1, 2, 3], [1, 2]], [[0, 5, 6], [0, 9]])
    >>> op = TiSubstitute(rate=0.3, similarity=ItemSimilarity("itemcf", n_neighbors=2))
    >>> op.fit_transform(X)["items"].tolist()
    [array([1, 1, 3]), array([2, 2])]
    """

    _parameter_constraints = {
        "rate": _RATE,
        "mode": [StrOptions({"minimum", "maximum"})],
        "similarity": [None, HasMethods(["fit", "most_similar"])],
        "random_state": _RANDOM_STATE,
    }

    def __init__(self, rate=0.1, mode="minimum", similarity=None, random_state=None):
        self.rate = rate
        self.mode = mode
        self.similarity = similarity
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        k = _k_before_gaps(self.rate, ragged.lengths)
        selected = K.select_before_gaps(ragged, k, self.mode)
        return K.substitute(ragged, selected, self.similarity_)


class TiInsert(_SimilarityMixin, BaseSequenceAugmenter):
    """Insert similar items into the largest time gaps (Ti-Insert).

    After each item preceding one of the ``k = min(max(1, floor(rate * n)),
    n - 1)`` largest (``mode="maximum"``) or smallest gaps, its
    ``max_insert_per_position`` most similar items are inserted (most similar
    first). Inserted items split the gap they fill evenly: one item gets the
    midpoint ``t + gap // 2``, so the output stays time-sorted and its gaps
    become more uniform. The output has ``n + k * max_insert_per_position``
    items; sequences of length <= 1 are unchanged and nothing is inserted after
    a masked item (id 0). Equal gaps are taken in position order, earliest
    first.

    Parameters
    ----------
    rate : float in [0, 1], default=0.5
        Share of the gaps filled.
    mode : {"maximum", "minimum"}, default="maximum"
        Fill the largest or the smallest gaps.
    max_insert_per_position : int >= 1, default=1
        Items inserted into each chosen gap (at most the similarity's
        ``n_neighbors``).
    similarity : ItemSimilarity or None, default=None
        Item similarity model, cloned and fitted in ``fit``; ``None`` means
        ``ItemSimilarity()`` (ItemCF-IUF).
    random_state : int, RandomState, Generator or None, default=None
        Unused by this deterministic operator; kept for a uniform API.

    Attributes
    ----------
    similarity_ : ItemSimilarity
        The fitted similarity model.

    See Also
    --------
    RandomInsert : Positions chosen uniformly at random.

    References
    ----------
    .. [1] Y. Dang et al., "Uniform Sequence Better: Time Interval Aware Data
       Augmentation for Sequential Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import ItemSimilarity, TiInsert
    >>> X = make_sequence_frame([[1, 2, 3], [1, 2]], [[0, 10, 12], [0, 9]])
    >>> op = TiInsert(rate=0.3, similarity=ItemSimilarity("itemcf", n_neighbors=2))
    >>> out = op.fit_transform(X)
    >>> out["items"][0], out["timestamps"][0]
    (array([1, 2, 2, 3]), array([ 0,  5, 10, 12]))
    """

    _parameter_constraints = {
        "rate": _RATE,
        "mode": [StrOptions({"minimum", "maximum"})],
        "max_insert_per_position": [Interval(Integral, 1, None, closed="left")],
        "similarity": [None, HasMethods(["fit", "most_similar"])],
        "random_state": _RANDOM_STATE,
    }

    def __init__(
        self,
        rate=0.5,
        mode="maximum",
        max_insert_per_position=1,
        similarity=None,
        random_state=None,
    ):
        self.rate = rate
        self.mode = mode
        self.max_insert_per_position = max_insert_per_position
        self.similarity = similarity
        self.random_state = random_state

    def _fit(self, ragged, cache=None):
        super()._fit(ragged, cache)
        self._check_neighbors()

    def _transform_ragged(self, ragged, rng):
        k = _k_before_gaps(self.rate, ragged.lengths)
        selected = K.select_before_gaps(ragged, k, self.mode)
        return K.insert(ragged, selected, self.similarity_, self.max_insert_per_position)
