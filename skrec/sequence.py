"""The sequence data contract and its vectorized core.

A *sequence frame* is a :class:`pandas.DataFrame` with one row per user and two
columns, ``items`` and ``timestamps``. Each cell holds a 1-D integer sequence
(a numpy array or a list); the two sequences of a row have equal length and the
timestamps are finite, non-negative and non-decreasing. Encoded item ids are
positive integers (``0`` is reserved for padding and masking).

Every module of skrec that touches sequences goes through this one:

* :func:`check_sequence_frame` validates a frame at a public boundary;
* :func:`to_ragged` / :func:`from_ragged` convert between a frame and the flat
  *values + offsets* representation :class:`Ragged` that all hot paths use;
* :func:`to_padded` builds left-padded 2-D arrays for torch models;
* small segment helpers (:func:`segment_ids`, :func:`gaps`,
  :func:`gap_variance`) work on whole data
  sets at once with numpy, without Python loops over rows.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ITEMS",
    "TIMESTAMPS",
    "Ragged",
    "check_sequence_frame",
    "to_ragged",
    "from_ragged",
    "to_padded",
    "segment_ids",
    "gaps",
    "gap_variance",
    "make_sequence_frame",
]

ITEMS = "items"
TIMESTAMPS = "timestamps"
PAD = 0

_FIX_HINT = (
    "Build sequence frames with skrec.preprocessing.SequenceEncoder or "
    "skrec.sequence.make_sequence_frame."
)


@dataclass(frozen=True)
class Ragged:
    """Flat *values + offsets* view of many variable-length sequences.

    Sequence ``i`` is ``items[offsets[i]:offsets[i + 1]]`` with timestamps
    ``timestamps[offsets[i]:offsets[i + 1]]``.

    Parameters
    ----------
    items : ndarray of shape (n_events,), dtype int64
        Concatenated item ids.
    timestamps : ndarray of shape (n_events,), dtype int64
        Concatenated timestamps, aligned with ``items``.
    offsets : ndarray of shape (n_sequences + 1,), dtype int64
        Start of each sequence in the flat arrays; ``offsets[0] == 0`` and
        ``offsets[-1] == n_events``.

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

    @property
    def lengths(self):
        """Length of every sequence, shape (n_sequences,)."""
        return np.diff(self.offsets)

    @property
    def n_sequences(self):
        """Number of sequences."""
        return len(self.offsets) - 1

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
        starts = self.offsets[:-1][indices]
        lengths = self.lengths[indices]
        new_offsets = np.zeros(len(indices) + 1, dtype=np.int64)
        np.cumsum(lengths, out=new_offsets[1:])
        flat = np.repeat(starts - new_offsets[:-1], lengths) + np.arange(
            new_offsets[-1], dtype=np.int64
        )
        return Ragged(self.items[flat], self.timestamps[flat], new_offsets)


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
    lengths = ragged.lengths
    n_gaps = np.maximum(lengths - 1, 0)
    gap_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(n_gaps, out=gap_offsets[1:])
    if len(t) < 2:
        return np.zeros(0, dtype=t.dtype), gap_offsets
    diffs = np.diff(t)
    # A diff is a within-sequence gap unless position j + 1 starts a sequence.
    keep = np.ones(len(diffs), dtype=bool)
    starts = ragged.offsets[1:-1]
    starts = starts[(starts > 0) & (starts < len(t))]
    keep[starts - 1] = False
    return diffs[keep], gap_offsets


def _as_int_array(cell, name, row_label):
    arr = np.asarray(cell)
    if arr.ndim != 1:
        raise ValueError(
            f"Row {row_label!r}: column {name!r} must hold 1-D sequences, got an "
            f"array of shape {arr.shape}. {_FIX_HINT}"
        )
    return arr


def _flatten_column(column, name):
    """Concatenate a column of sequences and return (values, lengths)."""
    cells = column.to_numpy()
    try:
        lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    except TypeError as exc:
        bad = next(
            (i for i, c in zip(column.index, cells) if not hasattr(c, "__len__")), None
        )
        raise TypeError(
            f"Column {name!r} must hold list-like sequences (lists or 1-D arrays); "
            f"row {bad!r} holds {type(column.loc[bad]).__name__}. {_FIX_HINT}"
        ) from exc
    if len(cells) == 0 or lengths.sum() == 0:
        return np.zeros(0, dtype=np.float64), lengths
    try:
        values = np.concatenate(cells)
        if values.ndim != 1:
            raise ValueError("cells are not 1-D")
    except ValueError:
        # Concatenate failed because some cell is not 1-D; find it for the message.
        for label, c in zip(column.index, cells):
            _as_int_array(c, name, label)
        raise
    return values, lengths


def _first_bad_row(mask_flat, offsets, index):
    pos = int(np.flatnonzero(mask_flat)[0])
    row = int(np.searchsorted(offsets, pos, side="right") - 1)
    return index[row]


def _to_int64(values, name, offsets, index):
    if values.dtype == object:
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"Column {name!r} must hold numeric sequences; got non-numeric "
                f"values. {_FIX_HINT}"
            ) from exc
    if values.dtype.kind == "b" or values.dtype.kind not in "iuf":
        raise TypeError(
            f"Column {name!r} must hold integer sequences, got dtype "
            f"{values.dtype}. {_FIX_HINT}"
        )
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values)
        if bad.any():
            row = _first_bad_row(bad, offsets, index)
            raise ValueError(
                f"Column {name!r} contains NaN or infinite values (first in row "
                f"{row!r}). Drop or impute those events before building sequences."
            )
        frac = values != np.round(values)
        if frac.any():
            row = _first_bad_row(frac, offsets, index)
            raise ValueError(
                f"Column {name!r} must hold integers, found a non-integer value in "
                f"row {row!r}. Encode items with SequenceEncoder and use integer "
                "timestamps (for example Unix seconds)."
            )
    return values.astype(np.int64, copy=False)


def check_sequence_frame(
    X,
    *,
    allow_empty=False,
    allow_empty_sequences=False,
    allow_zero_items=False,
):
    """Validate a sequence frame and return its :class:`Ragged` view.

    This is the one validation path of skrec for sequences. It never modifies
    ``X``.

    Parameters
    ----------
    X : pandas.DataFrame
        Frame with columns ``items`` and ``timestamps`` (other columns are
        ignored).
    allow_empty : bool, default=False
        Accept a frame with no rows.
    allow_empty_sequences : bool, default=False
        Accept rows whose sequences have length 0.
    allow_zero_items : bool, default=False
        Accept item id ``0`` (the padding/mask id), as in the output of a mask
        operator.

    Returns
    -------
    ragged : Ragged
        Flat int64 items, timestamps and offsets of the frame's rows, in row
        order.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame or cells are not integer sequences.
    ValueError
        If a column is missing, the frame or a sequence is empty, lengths of
        ``items`` and ``timestamps`` differ, item ids are not positive,
        timestamps are NaN, negative or not sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"items": [[3, 1], [2]], "timestamps": [[10, 20], [5]]})
    >>> check_sequence_frame(X).offsets
    array([0, 2, 3])
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            "Expected a sequence frame (a pandas DataFrame with columns 'items' and "
            f"'timestamps'), got {type(X).__name__}. {_FIX_HINT}"
        )
    missing = [c for c in (ITEMS, TIMESTAMPS) if c not in X.columns]
    if missing:
        raise ValueError(
            f"The sequence frame is missing column(s) {missing}; it needs 'items' "
            f"and 'timestamps'. Found columns {list(X.columns)}. {_FIX_HINT}"
        )
    if len(X) == 0 and not allow_empty:
        raise ValueError(
            "The sequence frame is empty (0 rows); pass at least one sequence."
        )
    items, item_lengths = _flatten_column(X[ITEMS], ITEMS)
    times, time_lengths = _flatten_column(X[TIMESTAMPS], TIMESTAMPS)
    if not np.array_equal(item_lengths, time_lengths):
        row = X.index[int(np.flatnonzero(item_lengths != time_lengths)[0])]
        raise ValueError(
            f"'items' and 'timestamps' have different lengths in row {row!r}; every "
            "item needs exactly one timestamp."
        )
    if not allow_empty_sequences and (item_lengths == 0).any():
        row = X.index[int(np.flatnonzero(item_lengths == 0)[0])]
        raise ValueError(
            f"Row {row!r} holds an empty sequence. Drop users without interactions "
            "(SequenceEncoder(min_length=...) does this)."
        )
    offsets = np.zeros(len(X) + 1, dtype=np.int64)
    np.cumsum(item_lengths, out=offsets[1:])
    items = _to_int64(items, ITEMS, offsets, X.index)
    times = _to_int64(times, TIMESTAMPS, offsets, X.index)
    bad_items = items < 0 if allow_zero_items else items <= 0
    if bad_items.any():
        row = _first_bad_row(bad_items, offsets, X.index)
        lower = "non-negative" if allow_zero_items else "positive (0 is padding)"
        raise ValueError(
            f"Item ids must be {lower} integers; row {row!r} holds "
            f"{int(items[bad_items][0])}. Encode raw ids with SequenceEncoder."
        )
    if (times < 0).any():
        row = _first_bad_row(times < 0, offsets, X.index)
        raise ValueError(
            f"Timestamps must be non-negative; row {row!r} holds a negative value."
        )
    ragged = Ragged(items, times, offsets)
    g, _ = gaps(ragged)
    if (g < 0).any():
        # Map the first negative gap back to its row.
        gap_len = np.maximum(ragged.lengths - 1, 0)
        gap_off = np.concatenate([[0], np.cumsum(gap_len)])
        row = _first_bad_row(g < 0, gap_off, X.index)
        raise ValueError(
            f"Timestamps must be sorted in non-decreasing order within each sequence; "
            f"row {row!r} is not. Sort each user's events by time (SequenceEncoder "
            "does this with a stable sort)."
        )
    return ragged


def from_ragged(ragged, index=None, columns=None):
    """Build a sequence frame from a :class:`Ragged`.

    Parameters
    ----------
    ragged : Ragged
    index : pandas.Index or array-like, default=None
        Index of the new frame (a RangeIndex by default).
    columns : dict, default=None
        Extra columns to add, ``{name: values}``.

    Returns
    -------
    X : pandas.DataFrame
        Sequence frame whose cells are int64 numpy arrays (views of fresh
        copies, never of the input arrays of another frame).

    Examples
    --------
    >>> import numpy as np
    >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
    >>> from_ragged(r, index=["u1", "u2"])["items"].tolist()
    [array([5, 6]), array([7])]
    """
    items = np.array(ragged.items, dtype=np.int64, copy=True)
    times = np.array(ragged.timestamps, dtype=np.int64, copy=True)
    data = {ITEMS: _object_column(items, ragged.offsets),
            TIMESTAMPS: _object_column(times, ragged.offsets)}
    if columns:
        data.update(columns)
    return pd.DataFrame(data, index=index)


def _object_column(values, offsets):
    # Filling an object array needs one pointer store per row; plain slicing is
    # the cheapest way to do it (views, no copies) and avoids numpy turning
    # equal-length sequences into a 2-D array.
    out = np.empty(len(offsets) - 1, dtype=object)
    for i, (a, b) in enumerate(zip(offsets[:-1].tolist(), offsets[1:].tolist())):
        out[i] = values[a:b]
    return out


def to_ragged(X, **check_params):
    """Validate a sequence frame and return its flat representation.

    Alias of :func:`check_sequence_frame` for readability at call sites that
    want the data rather than the check.

    Parameters
    ----------
    X : pandas.DataFrame
        Sequence frame.
    **check_params
        Passed to :func:`check_sequence_frame`.

    Returns
    -------
    Ragged

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"items": [[3, 1], [2]], "timestamps": [[10, 20], [5]]})
    >>> to_ragged(X).items
    array([3, 1, 2])
    """
    return check_sequence_frame(X, **check_params)


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


def make_sequence_frame(items, timestamps=None, index=None):
    """Build a sequence frame from Python lists of sequences.

    Parameters
    ----------
    items : list of list of int
        Encoded item ids per user, in time order.
    timestamps : list of list of int, default=None
        Timestamps per user; by default ``0, 1, 2, ...`` (uniform gaps).
    index : array-like, default=None
        Row labels (user ids).

    Returns
    -------
    X : pandas.DataFrame
        A validated sequence frame with int64 array cells.

    Examples
    --------
    >>> X = make_sequence_frame([[1, 2, 3], [4]], [[0, 5, 7], [3]])
    >>> X.shape
    (2, 2)
    """
    if timestamps is None:
        timestamps = [np.arange(len(s)) for s in items]
    if len(items) != len(timestamps):
        raise ValueError(
            f"items has {len(items)} sequences but timestamps has {len(timestamps)}."
        )
    X = pd.DataFrame(
        {
            ITEMS: _cells([np.asarray(s, dtype=np.int64) for s in items]),
            TIMESTAMPS: _cells([np.asarray(t, dtype=np.int64) for t in timestamps]),
        },
        index=index,
    )
    check_sequence_frame(X, allow_empty=True, allow_empty_sequences=True)
    return X


def _cells(arrays):
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
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
