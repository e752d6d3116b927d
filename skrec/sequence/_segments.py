"""Segment sorts and selections on flat arrays split by offsets.

The building blocks of the augmentation operators, usable by any operator
written on :class:`~skrec.sequence.Ragged`: a stable sort inside every segment
(:func:`pack_segment_keys` + :func:`sort_segments`), the ``k`` smallest values
of every segment (:func:`select_smallest`), the items before the ``k``
smallest or largest time gaps (:func:`select_before_gaps`), ``k`` uniformly
random positions per segment (:func:`select_random`) and uniformly random
window starts (:func:`random_window_starts`). All work on whole batches with
numpy; ``lengths`` are per segment, "flat" arrays per element.
"""

import numpy as np

__all__ = [
    "pack_segment_keys",
    "sort_segments",
    "select_smallest",
    "select_before_gaps",
    "select_random",
    "random_window_starts",
]


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


def random_window_starts(lengths, window, rng):
    """Uniformly random start of a window of ``window[i]`` items per sequence."""
    n_windows = np.maximum(lengths - window + 1, 0)
    u = rng.random(len(lengths))
    return np.minimum((u * n_windows).astype(np.int64), np.maximum(n_windows - 1, 0))
