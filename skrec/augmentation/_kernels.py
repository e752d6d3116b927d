"""Whole-batch kernels of the augmentation operators.

Each kernel maps a :class:`~skrec.sequence.Ragged` (and per-sequence
parameters) to a new one with numpy index arithmetic; the generic segment
sorts and selections they use are public in :mod:`skrec.sequence`. ``lengths``
are per sequence; "flat" arrays are per item.
"""

import numpy as np

from ..sequence import Ragged, offsets_from_lengths
from ..sequence._segments import (  # noqa: F401  (re-exported for operators)
    _segment_sort,
    pack_segment_keys,
    random_window_starts,
    select_before_gaps,
    select_random,
    select_smallest,
    sort_segments,
)


def floor_rate(rate, lengths):
    """``floor(rate * n)`` per sequence, as the reference's ``int(rate * n)``."""
    return np.floor(rate * lengths.astype(np.float64)).astype(np.int64)


def ti_window_starts(ragged, window, mode, rng):
    """Start (within its sequence) of the chosen window of every sequence.

    Among the ``n - L + 1`` contiguous windows of ``L = window[i]`` items, the
    one whose ``L - 1`` gaps have the minimum (``mode="minimum"``) or maximum
    population variance; ties go to the most recent window. Windows of fewer
    than 3 items (under two gaps) are drawn uniformly at random. Sequences with
    ``L < 1`` or ``L > n`` get start 0 (callers skip them).

    Variances of the windows of one sequence are compared exactly: with ``m``
    gaps, ``m * sum(g**2) - sum(g)**2 = m**2 * variance`` is an integer (gaps
    divided by their common divisor). The arithmetic is chosen per sequence:
    int64 where ``m**2 * max_gap**2`` fits, Python integers only for the
    sequences where it could overflow (gaps of years in seconds over long
    windows), so one such sequence never slows down the others.
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
    d, unit = _divide_by_gcd(_gaps_after(ragged))
    # With m gaps per window, m * S2 - S1**2 and the prefix-sum differences
    # stay below m**2 * max_gap**2: int64 is exact when that fits everywhere.
    m_max, gap_max = float(window[ids].max() - 1), float(d.max())
    if m_max * m_max * gap_max * gap_max < 2.0**62:  # the usual case: one pass
        starts[ids] = _least_variance_windows(ragged, d, unit, ids, window[ids], mode)
        return starts
    # Each sequence's sum of squared gaps decides its arithmetic: a window's
    # m * S2 and S1**2 (<= m * S2, Cauchy-Schwarz) stay below m * S2_sequence.
    nonempty = np.minimum(ragged.offsets[:-1], max(len(d) - 1, 0))
    df = d.astype(np.float64)
    s2_seq = np.add.reduceat(df * df, nonempty)[ids]
    m = (window[ids] - 1).astype(np.float64)
    fits = m * s2_seq * (1 + 1e-9) < 2.0**62  # float sums: a relative margin
    wide = ids[~fits]
    exact = ids[fits]
    if len(exact):
        # d is consumed (squared in place): the wide sequences below take
        # their own gaps from their own copy.
        starts[exact] = _least_variance_windows(
            ragged, d, unit, exact, window[exact], mode
        )
    if len(wide):
        # Only these sequences leave int64, on their own copy.
        sub = ragged.take(wide)
        starts[wide] = _least_variance_windows_wide(
            sub, _gaps_after(sub) // unit, unit, window[wide], mode
        )
    return starts


def _least_variance_windows_wide(ragged, d, unit, window, mode):
    """:func:`_least_variance_windows` for keys beyond int64, still exact.

    Window keys are first computed in float64 with an error bound per window;
    only windows whose lower bound does not exceed the best upper bound of
    their sequence can be the exact best, and only those are compared again
    with Python integers (usually one or two per sequence).
    """
    t, offsets, lengths = ragged.timestamps, ragged.offsets, ragged.lengths
    n_seq = len(lengths)
    W = lengths - window + 1
    w_off = offsets_from_lengths(W)
    first = offsets[:-1]
    p = np.repeat(first - w_off[:-1], W)
    p += np.arange(int(w_off[-1]), dtype=np.int64)
    m_w = np.repeat(window - 1, W)
    end = p + m_w
    # Each window's sum of squared gaps summed on its own (reduceat over the
    # interleaved bounds), so its rounding error is relative to itself.
    bounds = np.empty(2 * len(p), dtype=np.int64)
    bounds[0::2], bounds[1::2] = p, end
    df = d.astype(np.float64)
    s2 = np.add.reduceat(df * df, bounds)[0::2]
    s1 = ((t[end] - t[p]) // unit).astype(np.float64)
    key = m_w * s2 - s1 * s1
    tol = 4 * np.finfo(np.float64).eps * ((m_w + 2.0) * m_w * s2 + s1 * s1 + 1.0)
    if mode == "maximum":
        key = -key
    best_upper = np.minimum.reduceat(key + tol, w_off[:-1])
    wseg = np.repeat(np.arange(n_seq), W)
    cand = np.flatnonzero(key - tol <= best_upper[wseg])
    # Exact keys of the candidates (Python integers in object arrays).
    cp, ce = p[cand], end[cand]
    d_obj = d.astype(object)
    c2 = np.zeros(len(t) + 1, dtype=object)
    np.cumsum(d_obj * d_obj, out=c2[1:])
    cs1 = ((t[ce] - t[cp]) // unit).astype(object)
    exact = m_w[cand].astype(object) * (c2[ce] - c2[cp]) - cs1 * cs1
    if mode == "maximum":
        exact = -exact
    # Per sequence (candidates are grouped by sequence, every sequence has
    # one): the smallest exact key, ties to the most recent window.
    cseg = wseg[cand]
    group = np.flatnonzero(np.r_[True, cseg[1:] != cseg[:-1]])
    lowest = np.minimum.reduceat(exact, group)
    is_best = (exact == np.repeat(lowest, np.diff(np.r_[group, len(cand)]))).astype(bool)
    chosen = np.maximum.reduceat(np.where(is_best, cp, -1), group)
    return chosen - first


def _gaps_after(ragged):
    """Gap after every flat position; 0 after the last item of a sequence."""
    t, offsets = ragged.timestamps, ragged.offsets
    d = np.zeros(len(t), dtype=np.int64)
    if len(t) > 1:
        np.subtract(t[1:], t[:-1], out=d[:-1])
        bounds = offsets[1:-1]
        d[bounds[(bounds > 0) & (bounds < len(t))] - 1] = 0
    return d


def _least_variance_windows(ragged, d, unit, ids, window, mode):
    """Start of the least (or most) variable window of sequences ``ids``.

    ``d`` are the flat gaps after each position divided by ``unit`` (squared
    in place); every window key of these sequences must fit int64.
    """
    t, offsets, lengths = ragged.timestamps, ragged.offsets, ragged.lengths
    W = lengths[ids] - window + 1
    w_off = offsets_from_lengths(W)
    first = offsets[:-1][ids]
    # Flat position of every window's first and last item.
    p = np.repeat(first - w_off[:-1], W)
    p += np.arange(int(w_off[-1]), dtype=np.int64)
    m_w = np.repeat(window - 1, W)  # gaps per window
    end = p + m_w
    # Prefix sums of the squared gaps (d is squared in place); they may wrap where other
    # sequences have huge gaps, but differences of them stay exact (modular
    # arithmetic) because every window sum of these sequences fits.
    c2 = np.zeros(len(t), dtype=np.int64)
    with np.errstate(over="ignore"):
        np.cumsum(np.square(d[:-1], out=d[:-1]), out=c2[1:])
        # np.take: the fastest flat gather.
        s1 = np.take(t, end) - np.take(t, p)
        if unit > 1:
            s1 //= unit
        key = np.take(c2, end) - np.take(c2, p)
    key *= m_w
    key -= s1 * s1  # m**2 * variance of the window's gaps, >= 0
    if mode == "maximum":
        key = key.max() - key
    low = int(len(t) - 1).bit_length()
    if int(key.max()).bit_length() + low <= 62:
        # One reduction over (key, most recent first) packed in an int64.
        top = (1 << low) - 1
        key = key << low
        key += top - p
        best = top - (np.minimum.reduceat(key, w_off[:-1]) & top)
    else:
        wseg = np.repeat(np.arange(len(ids), dtype=np.int64), W)
        lowest = np.minimum.reduceat(key, w_off[:-1])
        best = np.maximum.reduceat(np.where(key == lowest[wseg], p, -1), w_off[:-1])
    return best - first


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


def crop(ragged, starts, window):
    """Keep ``window[i]`` items from ``starts[i]`` (``window`` 0 keeps nothing)."""
    return ragged.windows(starts, window)


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
