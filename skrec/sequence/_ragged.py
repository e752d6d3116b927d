"""The ragged core: many variable-length sequences as flat *values + offsets*.

:class:`Ragged` and every structural operation on it live here and nowhere
else: gathering sequences (:meth:`Ragged.take`) or windows of them
(:meth:`Ragged.windows`, :func:`window_positions`), dropping or appending the
last event, concatenating batches, per-event segment ids, time gaps and
left-padding for torch models. All of them are whole-batch numpy index
arithmetic (``np.repeat``/``np.cumsum``), without a Python loop over
sequences. The segment sorts and selections that operators build on are in
:mod:`skrec.sequence._segments`.
"""

import numbers
from dataclasses import dataclass

import numpy as np

PAD = 0


def offsets_from_lengths(lengths):
    """Offsets ``[0, l0, l0 + l1, ...]`` of sequences of the given lengths.

    Parameters
    ----------
    lengths : array-like of int, shape (n_sequences,)

    Returns
    -------
    offsets : ndarray of shape (n_sequences + 1,), dtype int64

    Examples
    --------
    >>> offsets_from_lengths([2, 0, 3])
    array([0, 2, 2, 5])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def window_positions(flat_starts, lengths):
    """Flat positions of windows ``[flat_starts[i], flat_starts[i] + lengths[i])``.

    The one gather of skrec: every window, crop, take and prefix is this
    index array fed to ``np.take``.

    Parameters
    ----------
    flat_starts : ndarray of int64, shape (n_windows,)
        Flat position of each window's first element.
    lengths : ndarray of int64, shape (n_windows,)
        Length of each window (``>= 0``).

    Returns
    -------
    positions : ndarray of shape (lengths.sum(),), dtype int64
        Positions of window 0, then window 1, and so on.
    offsets : ndarray of shape (n_windows + 1,), dtype int64
        Offsets of the windows in ``positions``.

    Examples
    --------
    >>> import numpy as np
    >>> window_positions(np.array([4, 0]), np.array([2, 3]))
    (array([4, 5, 0, 1, 2]), array([0, 2, 5]))
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = offsets_from_lengths(lengths)
    positions = np.repeat(np.asarray(flat_starts, dtype=np.int64) - offsets[:-1], lengths)
    positions += np.arange(offsets[-1], dtype=np.int64)
    return positions, offsets


@dataclass(frozen=True)
class Ragged:
    """Flat *values + offsets* view of many variable-length sequences.

    Sequence ``i`` is ``items[offsets[i]:offsets[i + 1]]`` with timestamps
    ``timestamps[offsets[i]:offsets[i + 1]]``. This is the representation of
    every hot path of skrec and the extension point for new operators: an
    augmentation operator maps a ``Ragged`` to a new ``Ragged``
    (:meth:`skrec.augmentation.BaseSequenceAugmenter.augment`), a model fits
    from one (:meth:`skrec.augmentation.ItemSimilarity.fit_ragged`). A
    ``Ragged`` is never modified in place; operations return new objects that
    may share unchanged arrays with their input.

    Parameters
    ----------
    items : ndarray of shape (n_events,), dtype int64
        Concatenated item ids.
    timestamps : ndarray of shape (n_events,), dtype int64
        Concatenated timestamps, aligned with ``items``.
    offsets : ndarray of shape (n_sequences + 1,), dtype int64
        Start of each sequence in the flat arrays; ``offsets[0] == 0`` and
        ``offsets[-1] == n_events``.

    See Also
    --------
    skrec.sequence.to_ragged : Validate a sequence frame and return its Ragged.
    skrec.sequence.from_ragged : Build a sequence frame from a Ragged.

    Examples
    --------
    >>> import numpy as np
    >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
    >>> r.lengths
    array([2, 1])
    >>> r.n_sequences
    2
    """

    items: np.ndarray
    timestamps: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_lengths(cls, items, timestamps, lengths):
        """Build a Ragged from flat arrays and per-sequence lengths.

        Examples
        --------
        >>> Ragged.from_lengths([5, 6, 7], [1, 2, 3], [1, 2]).offsets
        array([0, 1, 3])
        """
        return cls(
            np.asarray(items, dtype=np.int64),
            np.asarray(timestamps, dtype=np.int64),
            offsets_from_lengths(lengths),
        )

    @property
    def lengths(self):
        """Length of every sequence, shape (n_sequences,)."""
        return np.diff(self.offsets)

    @property
    def n_sequences(self):
        """Number of sequences."""
        return len(self.offsets) - 1

    @property
    def n_events(self):
        """Total number of events (items) over all sequences."""
        return int(self.offsets[-1])

    def segment_ids(self):
        """Sequence index of every flat position (see :func:`segment_ids`)."""
        return segment_ids(self.offsets)

    def take(self, indices):
        """Return the sequences at ``indices`` (in that order) as a new Ragged.

        Parameters
        ----------
        indices : array-like of int
            Positions of the sequences to keep.

        Returns
        -------
        Ragged

        Examples
        --------
        >>> import numpy as np
        >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
        >>> r.take([1, 0]).items
        array([7, 5, 6])
        """
        indices = np.asarray(indices, dtype=np.int64)
        return self.gather(self.offsets[:-1][indices], self.lengths[indices])

    def windows(self, starts, lengths, rows=None):
        """Cut one window ``[starts[i], starts[i] + lengths[i])`` per sequence.

        Parameters
        ----------
        starts : array-like of int
            Start of each window inside its sequence.
        lengths : array-like of int
            Length of each window; ``0`` gives an empty sequence. Windows must
            lie inside their sequence.
        rows : array-like of int, default=None
            Sequences the windows are cut from (default: every sequence, in
            order, one window each).

        Returns
        -------
        Ragged
            One sequence per window.

        Examples
        --------
        >>> import numpy as np
        >>> r = Ragged(np.arange(1, 6), np.arange(5), np.array([0, 3, 5]))
        >>> r.windows([1, 0], [2, 1]).items
        array([2, 3, 4])
        """
        rows = np.arange(self.n_sequences) if rows is None else np.asarray(rows, np.int64)
        starts = np.asarray(starts, dtype=np.int64)
        lengths = np.asarray(lengths, dtype=np.int64)
        if len(starts) and (
            starts.min() < 0 or lengths.min() < 0
            or ((starts + lengths) > self.lengths[rows]).any()
        ):
            raise ValueError(
                "Every window must lie inside its sequence: 0 <= starts and "
                "0 <= lengths and starts + lengths <= the sequence's length."
            )
        return self.gather(self.offsets[:-1][rows] + starts, lengths)

    def gather(self, flat_starts, lengths):
        """Gather windows given by flat positions into a new Ragged.

        Window ``i`` is ``[flat_starts[i], flat_starts[i] + lengths[i])`` of the
        flat arrays (``lengths[i] >= 0``); it should lie inside one sequence.

        Parameters
        ----------
        flat_starts : array-like of int
            Flat position of each window's first event.
        lengths : array-like of int
            Length of each window.

        Returns
        -------
        Ragged
            One sequence per window.

        Examples
        --------
        >>> import numpy as np
        >>> r = Ragged(np.arange(1, 6), np.arange(5), np.array([0, 3, 5]))
        >>> r.gather([0, 3], [2, 2]).items
        array([1, 2, 4, 5])
        """
        positions, offsets = window_positions(flat_starts, lengths)
        return Ragged(np.take(self.items, positions), np.take(self.timestamps, positions),
                      offsets)

    def drop_last(self, n=1):
        """Return every sequence without its last ``n`` events.

        Sequences of ``n`` events or fewer become empty.

        Parameters
        ----------
        n : int, default=1

        Returns
        -------
        Ragged

        Examples
        --------
        >>> import numpy as np
        >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
        >>> r.drop_last().items
        array([5])
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}.")
        return self.gather(self.offsets[:-1], np.maximum(self.lengths - int(n), 0))

    def last_items(self, fill=PAD):
        """Last item of every sequence (``fill`` for an empty one).

        Examples
        --------
        >>> import numpy as np
        >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
        >>> r.last_items()
        array([6, 7])
        """
        nonempty = self.lengths > 0
        last = np.full(self.n_sequences, fill, dtype=np.int64)
        last[nonempty] = self.items[self.offsets[1:][nonempty] - 1]
        return last

    def append(self, items, timestamps=None):
        """Append one event to the end of every sequence.

        Parameters
        ----------
        items : array-like of int, shape (n_sequences,)
            Item appended to each sequence.
        timestamps : array-like of int, shape (n_sequences,), default=None
            Their timestamps; by default each sequence's last timestamp (0 for
            an empty sequence), which keeps the timestamps sorted.

        Returns
        -------
        Ragged

        Examples
        --------
        >>> import numpy as np
        >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
        >>> r.append([8, 9]).items
        array([5, 6, 8, 7, 9])
        """
        n = self.n_sequences
        items = np.asarray(items, dtype=np.int64)
        if items.shape != (n,):
            raise ValueError(
                f"append needs one item per sequence ({n}), got shape {items.shape}."
            )
        if timestamps is None:
            timestamps = np.zeros(n, dtype=np.int64)
            nonempty = self.lengths > 0
            timestamps[nonempty] = self.timestamps[self.offsets[1:][nonempty] - 1]
        offsets = self.offsets + np.arange(n + 1, dtype=np.int64)
        last = offsets[1:] - 1
        body = np.ones(offsets[-1], dtype=bool)
        body[last] = False
        new_items = np.empty(offsets[-1], dtype=np.int64)
        new_times = np.empty(offsets[-1], dtype=np.int64)
        new_items[body] = self.items
        new_times[body] = self.timestamps
        new_items[last] = items
        new_times[last] = np.asarray(timestamps, dtype=np.int64)
        return Ragged(new_items, new_times, offsets)

    @classmethod
    def concat(cls, raggeds):
        """Stack several Ragged batches into one (sequences in order).

        Examples
        --------
        >>> import numpy as np
        >>> a = Ragged(np.array([1, 2]), np.array([0, 1]), np.array([0, 2]))
        >>> Ragged.concat([a, a]).offsets
        array([0, 2, 4])
        """
        raggeds = list(raggeds)
        if not raggeds:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty.copy(), np.zeros(1, dtype=np.int64))
        return cls(
            np.concatenate([r.items for r in raggeds]),
            np.concatenate([r.timestamps for r in raggeds]),
            offsets_from_lengths(np.concatenate([r.lengths for r in raggeds])),
        )

    @classmethod
    def concat_in_order(cls, pieces, n_sequences):
        """Reassemble ``[(rows, Ragged), ...]`` into one Ragged in row order.

        ``pieces`` partition the rows ``0..n_sequences - 1``: piece ``j``
        holds the sequences of rows ``rows_j`` in that order (how a composite
        operator that routes rows to different operators puts them back).

        Examples
        --------
        >>> import numpy as np
        >>> a = Ragged(np.array([1, 2]), np.array([0, 1]), np.array([0, 2]))
        >>> b = Ragged(np.array([3]), np.array([5]), np.array([0, 1]))
        >>> Ragged.concat_in_order([([1], a), ([0], b)], 2).items
        array([3, 1, 2])
        """
        rows = np.concatenate([np.asarray(r, dtype=np.int64) for r, _ in pieces])
        stacked = cls.concat(p for _, p in pieces)
        order = np.empty(n_sequences, dtype=np.int64)
        order[rows] = np.arange(len(rows), dtype=np.int64)
        return stacked.take(order)


def segment_ids(offsets):
    """Sequence index of every flat position.

    Parameters
    ----------
    offsets : ndarray of shape (n_sequences + 1,)

    Returns
    -------
    ids : ndarray of shape (offsets[-1],), dtype int64

    Examples
    --------
    >>> segment_ids(np.array([0, 2, 2, 5]))
    array([0, 0, 2, 2, 2])
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    return np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))


def gaps(ragged):
    """Time gaps between consecutive events of every sequence.

    A sequence of length ``n`` has ``max(n - 1, 0)`` gaps.

    Parameters
    ----------
    ragged : Ragged

    Returns
    -------
    values : ndarray of shape (n_gaps,), dtype int64
        ``t[j + 1] - t[j]`` for every sequence, concatenated.
    offsets : ndarray of shape (n_sequences + 1,)
        Offsets of each sequence's gaps in ``values``.

    Examples
    --------
    >>> r = Ragged(np.array([1, 2, 3, 4]), np.array([0, 5, 9, 3]), np.array([0, 3, 4]))
    >>> g, off = gaps(r)
    >>> g, off
    (array([5, 4]), array([0, 2, 2]))
    """
    t = ragged.timestamps
    gap_offsets = offsets_from_lengths(np.maximum(ragged.lengths - 1, 0))
    if len(t) < 2:
        return np.zeros(0, dtype=t.dtype), gap_offsets
    diffs = np.diff(t)
    # A diff is a within-sequence gap unless position j + 1 starts a sequence.
    keep = np.ones(len(diffs), dtype=bool)
    starts = ragged.offsets[1:-1]
    starts = starts[(starts > 0) & (starts < len(t))]
    keep[starts - 1] = False
    return diffs[keep], gap_offsets


def to_padded(ragged, max_length, *, pad_value=PAD, values="items"):
    """Left-pad the most recent ``max_length`` events of every sequence.

    Parameters
    ----------
    ragged : Ragged
    max_length : int
        Width of the output; longer sequences keep their last ``max_length``
        events.
    pad_value : int, default=0
        Fill value for the padding on the left.
    values : {"items", "timestamps"}, default="items"
        Which flat array to pad.

    Returns
    -------
    padded : ndarray of shape (n_sequences, max_length), dtype int64

    Examples
    --------
    >>> import numpy as np
    >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
    >>> to_padded(r, 3)
    array([[0, 5, 6],
           [0, 0, 7]])
    >>> to_padded(r, 1)
    array([[6],
           [7]])
    """
    src = ragged.items if values == "items" else ragged.timestamps
    n = ragged.n_sequences
    out = np.full((n, max_length), pad_value, dtype=np.int64)
    lengths = np.minimum(ragged.lengths, max_length)
    total = int(lengths.sum())
    if total == 0:
        return out
    rows = np.repeat(np.arange(n), lengths)
    out_offsets = np.concatenate([[0], np.cumsum(lengths)])
    within = np.arange(total) - np.repeat(out_offsets[:-1], lengths)
    cols = max_length - np.repeat(lengths, lengths) + within
    src_pos = np.repeat(ragged.offsets[1:] - lengths, lengths) + within
    out[rows, cols] = src[src_pos]
    return out


def gap_variance(ragged):
    """Population variance of the time gaps of every sequence.

    A sequence of length ``n`` has ``n - 1`` gaps; with fewer than two gaps its
    variance is ``0``. Computed for all sequences at once (two-pass, centred, so
    that sequences with equal gaps get exactly ``0``).

    Parameters
    ----------
    ragged : Ragged

    Returns
    -------
    variance : ndarray of shape (n_sequences,), dtype float64
        In squared timestamp units.

    Examples
    --------
    >>> r = Ragged(np.arange(6), np.array([0, 2, 4, 0, 1, 5]), np.array([0, 3, 6]))
    >>> gap_variance(r)
    array([0.  , 2.25])
    """
    g, gap_offsets = gaps(ragged)
    n = ragged.n_sequences
    m = np.diff(gap_offsets)
    out = np.zeros(n, dtype=np.float64)
    if len(g) == 0:
        return out
    seg = segment_ids(gap_offsets)
    g = g.astype(np.float64)
    denom = np.maximum(m, 1)
    mean = np.bincount(seg, weights=g, minlength=n) / denom
    centred = g - mean[seg]
    var = np.bincount(seg, weights=centred * centred, minlength=n) / denom
    return np.where(m >= 2, var, 0.0)
