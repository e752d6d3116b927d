"""The one transformer template of the augmentation operators, and the
vectorized segment kernels they share.

Every operator is a :class:`BaseSequenceAugmenter`. Its public ``fit`` and
``transform`` validate the sequence frame once (through :mod:`skrec.sequence`),
convert it to the flat :class:`~skrec.sequence.Ragged` view and call the
operator's only method, ``_transform_ragged(ragged, rng)``, which works on all
sequences at once with numpy (segment-wise sorts, prefix sums and
``np.repeat``/``cumsum`` index arithmetic; no Python loop over sequences).

Item id 0 policy
----------------
``0`` is the padding/mask id of skrec. A masked item (the output of
:class:`~skrec.augmentation.TiMask` with the default ``mask_value=0``) is a
valid input of every operator's ``transform`` so that operators can be chained:
crop and reorder move it like any item, mask leaves it masked, substitute never
replaces it and insert never inserts after it (a masked item has no similar
item). Operators that learn an item similarity in ``fit`` (substitute, insert and
the control strategy) reject id 0 in ``fit``: the similarity must be learned from
unmasked training sequences.
"""

from abc import ABCMeta, abstractmethod
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequence import Ragged, check_sequence_frame, from_ragged, segment_ids

__all__ = ["BaseSequenceAugmenter"]


def make_rng(random_state):
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    ``None`` gives fresh entropy, an int or a ``Generator`` are used as
    :func:`numpy.random.default_rng` uses them, and a legacy
    :class:`numpy.random.RandomState` seeds a new generator from one draw.

    Examples
    --------
    >>> make_rng(0).integers(10) == make_rng(0).integers(10)
    np.True_
    """
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, (Integral, np.random.Generator)) or random_state is None:
        return np.random.default_rng(random_state)
    raise TypeError(
        "random_state must be None, an int, a numpy Generator or RandomState; got "
        f"{type(random_state).__name__}."
    )


class BaseSequenceAugmenter(
    TransformerMixin, BaseEstimator, metaclass=ABCMeta, auto_wrap_output_keys=None
):
    """Template of the sequence augmentation operators.

    Subclasses only implement ``_transform_ragged(ragged, rng) -> Ragged``.
    ``transform`` validates ``X``, converts it to a :class:`~skrec.sequence.Ragged`,
    calls that method with ``numpy.random.default_rng(random_state)`` and returns a
    new sequence frame with the index of ``X`` (``X`` itself is never modified).
    The same ``random_state`` therefore gives bit-identical output on every call.

    Training code that needs fresh random views on every step calls
    ``_transform_ragged`` directly with one persistent
    :class:`numpy.random.Generator`; two calls give two independent views.
    ``_transform_ragged`` never modifies its input; the Ragged it returns may
    share unchanged arrays (for example the timestamps) with it.

    Examples
    --------
    A minimal operator that hides one item (writes the mask id 0 over it):

    >>> import numpy as np
    >>> from skrec.augmentation import BaseSequenceAugmenter
    >>> from skrec.sequence import Ragged, make_sequence_frame
    >>> class HideItem(BaseSequenceAugmenter):
    ...     def __init__(self, item=1, random_state=None):
    ...         self.item = item
    ...         self.random_state = random_state
    ...     def _transform_ragged(self, ragged, rng):
    ...         items = np.where(ragged.items == self.item, 0, ragged.items)
    ...         return Ragged(items, ragged.timestamps, ragged.offsets)
    >>> X = make_sequence_frame([[1, 2, 1], [3]], index=["ann", "bob"])
    >>> HideItem(item=1).fit_transform(X)["items"].tolist()
    [array([0, 2, 0]), array([3])]
    """

    _parameter_constraints: dict = {}

    # Operators that learn nothing in fit work unfitted (like FunctionTransformer).
    _requires_fit = False
    # Operators that learn an item similarity reject the mask id 0 in fit.
    _fit_rejects_zero = False

    def __init_subclass__(cls, **kwargs):
        # Sequence frames are not 2-D arrays: never wrap the output with set_output.
        kwargs.setdefault("auto_wrap_output_keys", None)
        super().__init_subclass__(**kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = self._requires_fit
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _check_X(self, X, *, fitting):
        return check_sequence_frame(
            X,
            allow_empty_sequences=True,
            allow_zero_items=not (fitting and self._fit_rejects_zero),
        )

    def fit(self, X, y=None):
        """Validate the parameters and the sequence frame ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame (columns ``items`` and ``timestamps``) of training
            sequences.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted operator.
        """
        self._validate_params()
        ragged = self._check_X(X, fitting=True)
        self._fit(X, ragged)
        self.n_sequences_fit_ = ragged.n_sequences
        return self

    def _fit(self, X, ragged, cache=None):
        """Learn what the operator needs; nothing by default.

        ``cache`` lets a composite share fitted sub-models (item similarities)
        between its operators.
        """

    def transform(self, X):
        """Return an augmented copy of the sequence frame ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame; item id 0 (a masked item) is accepted.

        Returns
        -------
        X_aug : pandas.DataFrame
            New sequence frame with the same index as ``X``; other columns of
            ``X`` are not carried over.
        """
        if self._requires_fit:
            check_is_fitted(self)
        else:
            self._validate_params()
        ragged = self._check_X(X, fitting=False)
        out = self._transform_ragged(ragged, make_rng(self.random_state))
        return from_ragged(out, index=X.index)

    def fit_transform(self, X, y=None):
        """Fit to ``X`` and return its augmented copy (see :meth:`transform`).

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        y : None
            Ignored.

        Returns
        -------
        X_aug : pandas.DataFrame
        """
        return self.fit(X, y).transform(X)

    @abstractmethod
    def _transform_ragged(self, ragged, rng):
        """Augment every sequence of ``ragged``; return a new :class:`Ragged`."""


# --------------------------------------------------------------------------
# Vectorized kernels. ``lengths`` are per sequence; "flat" arrays are per item.
# --------------------------------------------------------------------------


def floor_rate(rate, lengths):
    """``floor(rate * n)`` per sequence, as the reference's ``int(rate * n)``."""
    return np.floor(rate * lengths.astype(np.float64)).astype(np.int64)


def _segment_sort(seg, values, n_segments, lengths=None):
    """Stable argsort by (segment, value) for non-negative int64 ``values``.

    Packs both into one uint64 key when they fit (a stable sort of a key whose
    high bits are already sorted is fast), else falls back to ``np.lexsort``.
    With ``lengths`` (segment sizes) the high bits are built by ``np.repeat``.
    """
    shift = np.uint64(64 - max(int(n_segments).bit_length(), 1))
    vmax = int(values.max()) if len(values) else 0
    if vmax < (1 << int(shift)):
        if lengths is not None:
            key = np.repeat(np.arange(n_segments, dtype=np.uint64) << shift, lengths)
        else:
            key = seg.astype(np.uint64) << shift
        np.bitwise_or(key, values.view(np.uint64), out=key)
        return np.argsort(key, kind="stable")
    if seg is None:
        seg = np.repeat(np.arange(n_segments, dtype=np.int64), lengths)
    return np.lexsort((values, seg))


def select_before_gaps(ragged, k, mode):
    """Boolean flat mask of the items preceding the ``k`` smallest/largest gaps.

    ``k`` is per sequence (capped at ``n - 1``). Equal gaps are taken in
    position order, the earliest first. The last item of each sequence (no
    following gap) sorts last and is never chosen.
    """
    t, offsets, lengths = ragged.timestamps, ragged.offsets, ragged.lengths
    n = len(t)
    selected = np.zeros(n, dtype=bool)
    if n == 0:
        return selected
    k = np.clip(k, 0, lengths - 1)
    after = np.empty(n, dtype=np.int64)
    np.subtract(t[1:], t[:-1], out=after[:-1])
    after[-1] = 0
    big = int(after.max()) + 1
    if mode == "maximum":
        np.subtract(big - 1, after, out=after)
    after[offsets[1:][lengths > 0] - 1] = big
    order = _segment_sort(None, after, len(lengths), lengths)
    # ``order`` is grouped by sequence: its first k entries of each group are
    # the chosen ones.
    limit = np.repeat(offsets[:-1] + k, lengths)
    selected[order[np.arange(n, dtype=np.int64) < limit]] = True
    return selected


def select_random(offsets, k, rng):
    """Boolean flat mask of ``k`` positions per sequence, uniformly at random.

    Floyd's sampling algorithm run on all sequences at once: step ``i`` (up to
    the largest ``k``) draws one position for every sequence with ``k > i``,
    so each ``k``-subset is equally likely.
    """
    n = np.diff(offsets)
    k = np.minimum(k, n)
    selected = np.zeros(int(offsets[-1]), dtype=bool)
    if len(k) == 0 or k.max() <= 0:
        return selected
    by_k = np.argsort(-k, kind="stable")
    ks, ns, starts = k[by_k], n[by_k], offsets[:-1][by_k]
    n_active = np.searchsorted(-ks, -np.arange(int(ks[0])), side="left")
    for i, c in enumerate(n_active):
        j = ns[:c] - ks[:c] + i  # Floyd: j runs over n - k .. n - 1
        pos = starts[:c] + (rng.random(c) * (j + 1)).astype(np.int64)
        pos = np.where(selected[pos], starts[:c] + j, pos)
        selected[pos] = True
    return selected


def ti_window_starts(ragged, window, mode, rng):
    """Start (within its sequence) of the chosen window of every sequence.

    Among the ``n - L + 1`` contiguous windows of ``L = window[i]`` items, the
    one whose ``L - 1`` gaps have the minimum (``mode="minimum"``) or maximum
    population variance; ties go to the most recent window. Windows of fewer
    than 3 items (under two gaps) are drawn uniformly at random. Sequences with
    ``L < 1`` or ``L > n`` get start 0 (callers skip them).

    Variances of the windows of one sequence are compared exactly: with ``m``
    gaps, ``m * sum(g**2) - sum(g)**2 = m**2 * variance`` is an integer (gaps
    divided by their common divisor; float64 only if int64 could overflow).
    """
    lengths = ragged.lengths
    n_seq = len(lengths)
    starts = np.zeros(n_seq, dtype=np.int64)
    active = (window >= 1) & (window <= lengths)
    if not active.any():
        return starts
    n_windows = np.where(active, lengths - window + 1, 0)
    u = rng.random(n_seq)
    random_start = np.minimum((u * n_windows).astype(np.int64),
                              np.maximum(n_windows - 1, 0))
    by_var = active & (window >= 3)
    starts[active] = random_start[active]
    if not by_var.any():
        return starts
    t = ragged.timestamps
    # Flat differences; those across two sequences are zeroed (never inside a
    # window). All gaps are divided by their common divisor (Amazon: a day).
    d = np.diff(t)
    bounds = ragged.offsets[1:-1]
    d[bounds[(bounds > 0) & (bounds < len(t))] - 1] = 0
    unit = int(np.gcd.reduce(d)) if len(d) else 0
    if unit > 1:
        d //= unit
    unit = max(unit, 1)
    ids = np.flatnonzero(by_var)
    W = n_windows[ids]
    w_off = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(W, out=w_off[1:])
    wseg = np.repeat(np.arange(len(ids), dtype=np.int64), W)
    s = np.arange(int(w_off[-1]), dtype=np.int64) - w_off[:-1][wseg]
    m_w = (window[ids] - 1)[wseg]
    p = ragged.offsets[:-1][ids][wseg] + s  # flat position of the window's first item
    # m * S2 <= m**3 * max_gap**2 must fit int64 for exact comparisons.
    max_gap = float(d.max()) if len(d) else 0.0
    exact = float(lengths.max()) ** 3 * max_gap**2 < 2.0**62
    dtype = np.int64 if exact else np.float64
    c2 = np.zeros(len(t), dtype=dtype)
    d = d.astype(dtype, copy=False)
    # int64 prefix sums may wrap on huge data; differences of them stay exact
    # (modular arithmetic) because every window sum fits.
    np.cumsum(np.square(d, out=d), out=c2[1:])
    s1 = (t[p + m_w] - t[p]) // unit
    if not exact:
        s1 = s1.astype(dtype)
    s2 = c2[p + m_w] - c2[p]
    key = m_w * s2 - s1 * s1  # m**2 * variance of the window's gaps
    if mode == "maximum":
        key = -key
    best = np.minimum.reduceat(key, w_off[:-1])
    candidate = np.where(key == best[wseg], s, -1)
    starts[ids] = np.maximum.reduceat(candidate, w_off[:-1])
    return starts


def random_window_starts(lengths, window, rng):
    """Uniformly random start of a window of ``window[i]`` items per sequence."""
    n_windows = np.maximum(lengths - window + 1, 0)
    u = rng.random(len(lengths))
    return np.minimum((u * n_windows).astype(np.int64), np.maximum(n_windows - 1, 0))


def _window_positions(ragged, starts, window):
    """Flat positions of each sequence's window, in order, and their lengths."""
    flat_start = ragged.offsets[:-1] + starts
    total = int(window.sum())
    w_off = np.zeros(len(window) + 1, dtype=np.int64)
    np.cumsum(window, out=w_off[1:])
    pos = np.repeat(flat_start - w_off[:-1], window) + np.arange(total, dtype=np.int64)
    return pos, w_off


def crop(ragged, starts, window):
    """Keep ``window[i]`` items from ``starts[i]`` (``window`` 0 keeps nothing)."""
    pos, w_off = _window_positions(ragged, starts, window)
    return Ragged(ragged.items[pos], ragged.timestamps[pos], w_off)


def shuffle_windows(ragged, starts, window, rng):
    """Permute the items inside each window; timestamps stay in place."""
    window = np.where(window >= 2, window, 0)
    pos, w_off = _window_positions(ragged, starts, window)
    items = ragged.items.copy()
    if len(pos):
        wseg = segment_ids(w_off)
        noise = rng.integers(0, 1 << 32, size=len(pos), dtype=np.int64)
        order = _segment_sort(wseg, noise, len(window))
        items[pos] = ragged.items[pos[order]]
    return Ragged(items, ragged.timestamps, ragged.offsets)


def mask(ragged, selected, value):
    """Replace the selected items by ``value``."""
    items = ragged.items.copy()
    items[selected] = value
    return Ragged(items, ragged.timestamps, ragged.offsets)


def substitute(ragged, selected, similarity):
    """Replace each selected (non-masked) item by its most similar item."""
    items = ragged.items.copy()
    idx = np.flatnonzero(selected & (items != 0))
    if len(idx):
        items[idx] = np.asarray(similarity.most_similar(items[idx], k=1))[:, 0]
    return Ragged(items, ragged.timestamps, ragged.offsets)


def insert(ragged, selected, similarity, per_position):
    """Insert the ``per_position`` most similar items after each selected item.

    The inserted items fill the gap to the next item with evenly spread integer
    timestamps ``t + (gap * q) // (per_position + 1)``, ``q = 1..per_position``
    (the midpoint for one item); after the last item of a sequence they get its
    timestamp. Nothing is inserted after a masked item (id 0).
    """
    items, times, offsets = ragged.items, ragged.timestamps, ragged.offsets
    n_items = len(items)
    anchors = np.flatnonzero(selected & (items != 0))
    r = int(per_position)
    if len(anchors) == 0 or r == 0:
        return ragged
    neigh = np.asarray(similarity.most_similar(items[anchors], k=r), dtype=np.int64)
    # Gap after each anchor; 0 when the anchor ends its sequence.
    starts_next = np.zeros(n_items + 1, dtype=bool)
    starts_next[offsets] = True
    nxt = anchors + 1
    gap_after = np.where(
        starts_next[nxt], 0, times[np.minimum(nxt, n_items - 1)] - times[anchors]
    )
    # before[i] = number of items inserted before original position i.
    inserted = np.zeros(n_items + 1, dtype=np.int64)
    inserted[nxt] = r
    before = np.cumsum(inserted)
    dest = np.arange(n_items, dtype=np.int64) + before[:-1]
    total = n_items + len(anchors) * r
    new_items = np.empty(total, dtype=np.int64)
    new_times = np.empty(total, dtype=np.int64)
    new_items[dest] = items
    new_times[dest] = times
    q = np.arange(1, r + 1, dtype=np.int64)
    ins_pos = (dest[anchors][:, None] + q).ravel()
    new_items[ins_pos] = neigh.ravel()
    new_times[ins_pos] = (times[anchors][:, None] + (gap_after[:, None] * q) // (r + 1)).ravel()
    return Ragged(new_items, new_times, offsets + before[offsets])


def concat_in_order(pieces, n_sequences):
    """Reassemble ``[(rows, Ragged), ...]`` into one Ragged in row order."""
    rows = np.concatenate([np.asarray(r, dtype=np.int64) for r, _ in pieces])
    items = np.concatenate([p.items for _, p in pieces])
    times = np.concatenate([p.timestamps for _, p in pieces])
    lengths = np.concatenate([p.lengths for _, p in pieces])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    stacked = Ragged(items, times, offsets)
    order = np.empty(n_sequences, dtype=np.int64)
    order[rows] = np.arange(len(rows), dtype=np.int64)
    return stacked.take(order)
