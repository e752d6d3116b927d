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

from ..sequence import Ragged, check_sequence_frame, from_ragged

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

    The general fallback of :func:`sort_segments` (keys too wide to pack): one
    uint64 key when both fit (a stable sort of a key whose high bits are
    already sorted is fast), else ``np.lexsort``. With ``lengths`` (segment
    sizes) the high bits are built by ``np.repeat``.
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


# numpy sorts rows of up to 256 int64 with SIMD sorting networks, an order of
# magnitude faster per key than one sort of a long array.
_ROW = 256
_SENTINEL = np.iinfo(np.int64).max


def pack_segment_keys(values, lengths, offsets):
    """Keys ``(segment, value, position in segment)`` packed into one int64.

    Returns ``(keys, low_bits)`` where ``keys & (2**low_bits - 1)`` is each
    key's position inside its segment, or ``None`` when the three fields do not
    fit in 62 bits (callers then fall back to :func:`_segment_sort`). The
    keys are unique, increase from one segment to the next and, inside a
    segment, order by ``(value, position)``: a stable order by value.
    ``values`` must be non-negative int64.
    """
    n_seg = len(lengths)
    if n_seg == 0 or len(values) == 0:
        return np.zeros(0, dtype=np.int64), 0
    low = int(lengths.max() - 1).bit_length()
    mid = int(values.max()).bit_length()
    if (n_seg - 1).bit_length() + mid + low > 62:
        return None
    high = np.arange(n_seg, dtype=np.int64) << (mid + low)
    # (segment << ...) - offset, repeated, plus the flat position: the offset
    # cancels and leaves the position inside the segment in the low bits.
    keys = np.repeat(high - offsets[:-1], lengths)
    keys += np.arange(len(values), dtype=np.int64)
    keys += values << low
    return keys, low


def sort_segments(keys, lengths):
    """Return a copy of ``keys`` sorted inside every segment.

    ``keys`` (int64 in ``[0, 2**63 - 1)``) must increase from one segment to
    the next, as :func:`pack_segment_keys` makes them: sorting any run of
    positions then sorts each segment's part of it and moves nothing across
    segments. Two passes of row sorts of ``_ROW`` keys, the second shifted by
    half a row, sort every segment of up to ``_ROW // 2`` keys (one that
    crosses a row boundary of the first pass lies inside one row of the
    second). The keys of longer segments are sorted together afterwards.
    """
    n = len(keys)
    n_rows = -(-n // _ROW)
    buf = np.full((n_rows + 1) * _ROW, _SENTINEL, dtype=np.int64)
    buf[:n] = keys
    half = _ROW // 2
    buf[: n_rows * _ROW].reshape(n_rows, _ROW).sort(axis=1)
    if n > half:
        buf[half : half + n_rows * _ROW].reshape(n_rows, _ROW).sort(axis=1)
    long = lengths > half
    if long.any():
        # Their flat positions, in segment order; sorting their keys together
        # keeps them grouped by segment in the same order.
        starts = np.cumsum(lengths) - lengths
        ls, ll = starts[long], lengths[long]
        loff = np.cumsum(ll) - ll
        pos = np.repeat(ls - loff, ll) + np.arange(int(ll.sum()), dtype=np.int64)
        buf[pos] = np.sort(keys[pos])
    return buf[:n]


def select_smallest(values, offsets, lengths, k):
    """Boolean flat mask of the ``k[i]`` smallest ``values`` of each segment.

    Equal values are taken in position order, the earliest first. ``values``
    are non-negative int64; ``0 <= k <= lengths``.
    """
    n = len(values)
    selected = np.zeros(n, dtype=bool)
    if n == 0:
        return selected
    packed = pack_segment_keys(values, lengths, offsets)
    if packed is None:
        order = _segment_sort(None, values, len(lengths), lengths)
        limit = np.repeat(offsets[:-1] + k, lengths)
        selected[order[np.arange(n, dtype=np.int64) < limit]] = True
        return selected
    keys, _ = packed
    ordered = sort_segments(keys, lengths)
    # Threshold: the (k+1)-th smallest key of each segment (above all keys
    # when every item is taken).
    nth = offsets[:-1] + k
    full = k >= lengths
    threshold = ordered[np.where(full, 0, np.minimum(nth, n - 1))]
    threshold[full] = _SENTINEL
    return np.less(keys, np.repeat(threshold, lengths), out=selected)


def select_before_gaps(ragged, k, mode):
    """Boolean flat mask of the items preceding the ``k`` smallest/largest gaps.

    ``k`` is per sequence (capped at ``n - 1``). Equal gaps are taken in
    position order, the earliest first. The last item of each sequence (no
    following gap) sorts last and is never chosen.
    """
    t, offsets, lengths = ragged.timestamps, ragged.offsets, ragged.lengths
    n = len(t)
    if n == 0:
        return np.zeros(0, dtype=bool)
    k = np.clip(k, 0, np.maximum(lengths - 1, 0))
    after = np.empty(n, dtype=np.int64)
    np.subtract(t[1:], t[:-1], out=after[:-1])
    last = offsets[1:][lengths > 0] - 1
    after[last] = 0  # no gap follows the last item
    big = int(after.max()) + 1
    if mode == "maximum":
        np.subtract(big - 1, after, out=after)
    after[last] = big
    return select_smallest(after, offsets, lengths, k)


def _argsort_small(values):
    """Stable argsort of non-negative ints, by radix sort when they fit 16 bits."""
    if len(values) and values.max() < (1 << 16):
        values = values.astype(np.uint16)
    return np.argsort(values, kind="stable")


def select_random(offsets, k, rng):
    """Boolean flat mask of ``k`` positions per sequence, uniformly at random.

    Floyd's sampling algorithm run on all sequences at once: step ``i`` (up to
    the largest ``k``) draws one position uniformly among the first
    ``n - k + i + 1`` of every sequence with ``k > i`` and takes position
    ``n - k + i`` instead if the draw is already taken, so each ``k``-subset is
    equally likely. The draws of all steps are made up front; only the
    "already taken" test runs step by step.
    """
    n = np.diff(offsets)
    k = np.minimum(k, n)
    selected = np.zeros(int(offsets[-1]), dtype=bool)
    if len(k) == 0 or k.max() <= 0:
        return selected
    by_k = _argsort_small(k.max() - k)
    ks, starts = k[by_k], offsets[:-1][by_k]
    # Step i involves the first n_active[i] sequences (k sorted decreasingly).
    n_active = np.searchsorted(-ks, -np.arange(int(ks[0])), side="left")
    s_off = np.zeros(len(n_active) + 1, dtype=np.int64)
    np.cumsum(n_active, out=s_off[1:])
    total = int(s_off[-1])
    step = np.repeat(np.arange(len(n_active), dtype=np.int64), n_active)
    seq = np.arange(total, dtype=np.int64) - s_off[:-1][step]
    # Flat index of position n - k + i: the fallback of step i.
    fallback = (starts + n[by_k] - ks)[seq] + step
    draw = (rng.random(total) * (fallback - starts[seq] + 1)).astype(np.int64)
    draw += starts[seq]
    for lo, hi in zip(s_off[:-1].tolist(), s_off[1:].tolist()):
        pos = draw[lo:hi]
        pos = np.where(selected[pos], fallback[lo:hi], pos)
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
    divided by their common divisor; Python integers if int64 could overflow).
    """
    lengths = ragged.lengths
    starts = np.zeros(len(lengths), dtype=np.int64)
    n_windows = lengths - window + 1
    # Windows of 1 or 2 items: a uniformly random start.
    few = np.flatnonzero((window >= 1) & (window < 3) & (n_windows >= 1))
    if len(few):
        u = rng.random(len(few))
        starts[few] = np.minimum((u * n_windows[few]).astype(np.int64), n_windows[few] - 1)
    ids = np.flatnonzero((window >= 3) & (n_windows >= 1))
    if len(ids) == 0:
        return starts
    t, offsets = ragged.timestamps, ragged.offsets
    # Flat gaps; those across two sequences are zeroed (never inside a window)
    # and all are divided by their common divisor (Amazon: a day) so that the
    # variance keys below stay exact in int64.
    d = np.diff(t)
    bounds = offsets[1:-1]
    d[bounds[(bounds > 0) & (bounds < len(t))] - 1] = 0
    d, unit = _divide_by_gcd(d)
    W = n_windows[ids]
    w_off = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(W, out=w_off[1:])
    first = offsets[:-1][ids]
    # Flat position of every window's first and last item.
    p = np.repeat(first - w_off[:-1], W)
    p += np.arange(int(w_off[-1]), dtype=np.int64)
    m_w = np.repeat(window[ids] - 1, W)  # gaps per window
    end = p + m_w
    # m * S2 <= m**3 * max_gap**2 must fit int64 for exact comparisons;
    # beyond that (gaps of centuries in seconds) Python integers keep them exact.
    max_gap = float(d.max()) if len(d) else 0.0
    fits = float(lengths.max()) ** 3 * max_gap**2 < 2.0**62
    dtype = np.int64 if fits else object
    d = d.astype(dtype, copy=False)
    # Prefix sums of the squared gaps; int64 ones may wrap on huge data, but
    # differences of them stay exact (modular arithmetic) because every
    # window sum fits.
    c2 = np.zeros(len(t), dtype=dtype)
    np.cumsum(np.square(d, out=d), out=c2[1:])
    # np.take: the fastest flat gather.
    s1 = np.take(t, end) - np.take(t, p)
    if unit > 1:
        s1 //= unit
    s1 = s1.astype(dtype, copy=False)
    key = np.take(c2, end) - np.take(c2, p)
    key *= m_w
    key -= s1 * s1  # m**2 * variance of the window's gaps, >= 0
    if mode == "maximum":
        key = key.max() - key
    low = int(len(t) - 1).bit_length()
    if fits and int(key.max()).bit_length() + low <= 62:
        # One reduction over (key, most recent first) packed in an int64.
        top = (1 << low) - 1
        key = key.astype(np.int64, copy=False) << low
        key += top - p
        best = top - (np.minimum.reduceat(key, w_off[:-1]) & top)
    else:
        wseg = np.repeat(np.arange(len(ids), dtype=np.int64), W)
        lowest = np.minimum.reduceat(key, w_off[:-1])
        best = np.maximum.reduceat(np.where(key == lowest[wseg], p, -1), w_off[:-1])
    starts[ids] = best - first
    return starts


def _divide_by_gcd(d):
    """``(d // g, g)`` for the greatest common divisor ``g >= 1`` of ``d``.

    The gcd of all values divides the gcd ``g`` of a small sample, so it *is*
    ``g`` when ``g`` divides every value: one checked division replaces a gcd
    reduction over every gap in the usual case.
    """
    unit = int(np.gcd.reduce(d[:1024])) if len(d) else 1
    if unit == 1:
        return d, 1
    if unit > 1:
        q = d // unit
        if np.array_equal(q * unit, d):
            return q, unit
    unit = int(np.gcd.reduce(d))
    return (d // unit, unit) if unit > 1 else (d, 1)


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
    return Ragged(np.take(ragged.items, pos), np.take(ragged.timestamps, pos), w_off)


def shuffle_windows(ragged, ids, starts, window, rng):
    """Permute the items inside a window of each sequence ``ids[j]``.

    The window of sequence ``ids[j]`` holds ``window[j] >= 2`` items from
    position ``starts[j]``; timestamps stay in place. Each window's items are
    ordered by 32-bit random keys (equal keys, with probability under
    ``window**2 / 2**33``, keep their order).
    """
    items = ragged.items.copy()
    total = int(window.sum())
    if total == 0:
        return Ragged(items, ragged.timestamps, ragged.offsets)
    w_off = np.zeros(len(window) + 1, dtype=np.int64)
    np.cumsum(window, out=w_off[1:])
    noise = rng.integers(0, 1 << 32, size=total, dtype=np.int64)
    packed = pack_segment_keys(noise, window, w_off)
    if packed is None:
        order = _segment_sort(None, noise, len(window), window)
    else:
        keys, low = packed
        ordered = sort_segments(keys, window)
        # Slot i of a window takes the item at the source position packed in
        # its sorted key: i - (position of slot i) + (position of the source).
        mask_low = (1 << low) - 1
        order = np.arange(total, dtype=np.int64) - (keys & mask_low)
        order += ordered & mask_low
    pos = np.repeat(ragged.offsets[ids] + starts - w_off[:-1], window)
    pos += np.arange(total, dtype=np.int64)
    items[pos] = ragged.items[pos[order]]
    return Ragged(items, ragged.timestamps, ragged.offsets)


def mask(ragged, selected, value):
    """Replace the selected items by ``value``."""
    # Branch-free ``np.where(selected, value, items)``, which stalls on the
    # random masks of augmentation: items - value, zeroed where selected, + value.
    value = np.int64(value)
    items = ragged.items - value
    items *= ~selected
    items += value
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
    after = np.empty(n_items, dtype=np.int64)
    np.subtract(times[1:], times[:-1], out=after[:-1])
    after[offsets[1:][offsets[1:] > offsets[:-1]] - 1] = 0
    gap_after = after[anchors]
    nxt = anchors + 1
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
