"""The frame boundary: sequence frames in and out of the ragged core.

A *sequence frame* is a :class:`pandas.DataFrame` with one row per user and two
columns, ``items`` and ``timestamps``. Each cell holds a 1-D integer sequence;
the two sequences of a row have equal length and the timestamps are finite,
non-negative and non-decreasing. Encoded item ids are positive integers
(``0`` is reserved for padding and masking).

Two cell representations are accepted and produced:

* ``"object"`` (the default): object columns whose cells are numpy arrays or
  lists;
* ``"arrow"``: Arrow-backed list columns (``pandas.ArrowDtype`` of
  ``list<int64>``). They hold the flat *values + offsets* natively, so a frame
  converts to and from a :class:`~skrec.sequence.Ragged` without touching each
  row: the cheap boundary for large data.

:func:`check_sequence_frame` is the one validation of skrec for sequences; it is
called once, where a user hands a frame in.
"""

import numpy as np
import pandas as pd

from . import ITEMS, TIMESTAMPS  # defined (and documented) in the package
from ._ragged import Ragged, offsets_from_lengths

__all__ = [
    "ITEMS",
    "TIMESTAMPS",
    "check_sequence_frame",
    "check_ragged",
    "to_ragged",
    "from_ragged",
    "make_sequence_frame",
    "cell_format",
]

_FIX_HINT = (
    "Build sequence frames with skrec.preprocessing.SequenceEncoder or "
    "skrec.sequence.make_sequence_frame."
)


def _as_int_array(cell, name, row_label):
    arr = np.asarray(cell)
    if arr.ndim != 1:
        raise ValueError(
            f"Row {row_label!r}: column {name!r} must hold 1-D sequences, got an "
            f"array of shape {arr.shape}. {_FIX_HINT}"
        )
    return arr


def cell_format(X):
    """Representation of the sequence cells of a frame: ``"arrow"`` or ``"object"``.

    Parameters
    ----------
    X : pandas.DataFrame
        Sequence frame.

    Returns
    -------
    {"arrow", "object"}
        ``"arrow"`` when the ``items`` column is an Arrow-backed list column.

    Examples
    --------
    >>> X = make_sequence_frame([[1, 2], [3]])
    >>> cell_format(X), cell_format(make_sequence_frame([[1, 2], [3]], cells="arrow"))
    ('object', 'arrow')
    """
    col = X[ITEMS] if isinstance(X, pd.DataFrame) and ITEMS in X.columns else None
    return "arrow" if col is not None and _is_arrow_list(col) else "object"


def _is_arrow_list(column):
    dtype = column.dtype
    if not isinstance(dtype, pd.ArrowDtype):
        return False
    import pyarrow as pa

    return pa.types.is_list(dtype.pyarrow_dtype) or pa.types.is_large_list(
        dtype.pyarrow_dtype
    )


def _flatten_arrow(column, name):
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = column.array.__arrow_array__()  # the Arrow data, by the public protocol
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        row = column.index[int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])]
        raise ValueError(
            f"Column {name!r} holds a missing sequence in row {row!r}; every row "
            "needs a (possibly empty) sequence."
        )
    lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    flat = arr.flatten()
    if flat.null_count:
        raise ValueError(
            f"Column {name!r} contains missing values inside sequences. Drop or "
            "impute those events before building sequences."
        )
    if not (pa.types.is_integer(flat.type) or pa.types.is_floating(flat.type)):
        raise TypeError(
            f"Column {name!r} must hold integer sequences, got Arrow type "
            f"{flat.type}. {_FIX_HINT}"
        )
    return flat.to_numpy(zero_copy_only=False), lengths


def _flatten_column(column, name):
    """Concatenate a column of sequences and return (values, lengths)."""
    if _is_arrow_list(column):
        return _flatten_arrow(column, name)
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
        ignored): object columns whose cells are 1-D arrays or lists, or
        Arrow list columns (see :func:`cell_format`).
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
    offsets = offsets_from_lengths(item_lengths)
    items = _to_int64(items, ITEMS, offsets, X.index)
    times = _to_int64(times, TIMESTAMPS, offsets, X.index)
    return _check_content(
        Ragged(items, times, offsets), X.index,
        allow_empty_sequences=allow_empty_sequences, allow_zero_items=allow_zero_items,
    )


def check_ragged(
    ragged, *, allow_empty=True, allow_empty_sequences=False, allow_zero_items=False
):
    """Validate a :class:`~skrec.sequence.Ragged` against the sequence contract.

    The ragged-level twin of :func:`check_sequence_frame`, for the ragged entry
    points (``fit_ragged``, ``augment``): the same rules, checked on the flat
    arrays with a handful of vectorized passes. Errors name the sequence by
    its position.

    Parameters
    ----------
    ragged : Ragged
    allow_empty : bool, default=True
        Accept a Ragged without sequences.
    allow_empty_sequences : bool, default=False
        Accept sequences of length 0.
    allow_zero_items : bool, default=False
        Accept item id ``0`` (the padding/mask id).

    Returns
    -------
    ragged : Ragged
        ``ragged`` with int64 arrays (the same object when they already are).

    Raises
    ------
    TypeError
        If ``ragged`` is not a Ragged or its arrays are not integer.
    ValueError
        If the offsets are malformed or a rule of the contract is broken.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sequence import Ragged
    >>> check_ragged(Ragged(np.array([1, 2]), np.array([5, 3]), np.array([0, 2])))
    Traceback (most recent call last):
    ...
    ValueError: Timestamps must be sorted in non-decreasing order within each sequence; row 0 is not. ...
    """
    if not isinstance(ragged, Ragged):
        raise TypeError(
            f"Expected a skrec.sequence.Ragged, got {type(ragged).__name__}; build "
            "one with skrec.sequence.to_ragged(frame) or Ragged.from_lengths."
        )
    arrays = {}
    for name in ("items", "timestamps", "offsets"):
        arr = np.asarray(getattr(ragged, name))
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise TypeError(
                f"Ragged.{name} must be a 1-D integer array, got dtype {arr.dtype} "
                f"and shape {arr.shape}."
            )
        arrays[name] = arr.astype(np.int64, copy=False)
    items, times, offsets = arrays["items"], arrays["timestamps"], arrays["offsets"]
    if (
        len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(items)
        or len(times) != len(items) or (np.diff(offsets) < 0).any()
    ):
        raise ValueError(
            "Malformed Ragged: offsets must start at 0, never decrease and end at "
            f"len(items) ({len(items)}), and timestamps must have len(items) values."
        )
    if len(offsets) == 1 and not allow_empty:
        raise ValueError("The Ragged holds no sequence; pass at least one.")
    if any(arrays[n] is not np.asarray(getattr(ragged, n)) for n in arrays):
        ragged = Ragged(items, times, offsets)
    return _check_content(
        ragged, pd.RangeIndex(len(offsets) - 1),
        allow_empty_sequences=allow_empty_sequences, allow_zero_items=allow_zero_items,
    )


def _check_content(ragged, index, *, allow_empty_sequences, allow_zero_items):
    """The rules of the contract on int64 flat arrays; rows are named by ``index``.

    One reduction per rule on valid data (``min`` of the items, timestamps and
    within-sequence gaps); the offending row is located only on failure.
    """
    items, times, offsets = ragged.items, ragged.timestamps, ragged.offsets
    lengths = ragged.lengths
    if not allow_empty_sequences and len(lengths) and lengths.min() == 0:
        row = index[int(np.flatnonzero(lengths == 0)[0])]
        raise ValueError(
            f"Row {row!r} holds an empty sequence. Drop users without interactions "
            "(SequenceEncoder(min_length=...) does this)."
        )
    lowest = 0 if allow_zero_items else 1
    if len(items) and items.min() < lowest:
        bad_items = items < lowest
        row = _first_bad_row(bad_items, offsets, index)
        lower = "non-negative" if allow_zero_items else "positive (0 is padding)"
        raise ValueError(
            f"Item ids must be {lower} integers; row {row!r} holds "
            f"{int(items[bad_items][0])}. Encode raw ids with SequenceEncoder."
        )
    if len(times) and times.min() < 0:
        row = _first_bad_row(times < 0, offsets, index)
        raise ValueError(
            f"Timestamps must be non-negative; row {row!r} holds a negative value."
        )
    if len(times) > 1:
        d = np.diff(times)
        starts = offsets[1:-1]
        d[starts[(starts > 0) & (starts < len(times))] - 1] = 0  # across sequences
        if d.min() < 0:
            row = _first_bad_row(np.r_[d < 0, False], offsets, index)
            raise ValueError(
                f"Timestamps must be sorted in non-decreasing order within each "
                f"sequence; row {row!r} is not. Sort each user's events by time "
                "(SequenceEncoder does this with a stable sort)."
            )
    return ragged


def from_ragged(ragged, index=None, columns=None, *, cells="object", copy=True):
    """Build a sequence frame from a :class:`~skrec.sequence.Ragged`.

    Parameters
    ----------
    ragged : Ragged
    index : pandas.Index or array-like, default=None
        Index of the new frame (a RangeIndex by default).
    columns : dict, default=None
        Extra columns to add, ``{name: values}``.
    cells : {"object", "arrow"}, default="object"
        Representation of the sequence cells: ``"object"`` gives numpy array
        cells; ``"arrow"`` gives Arrow-backed list columns (needs pyarrow),
        built from the flat arrays without a loop over rows.
    copy : bool, default=True
        Copy the flat arrays first, so that the frame never shares memory with
        ``ragged``. ``False`` saves the copy when ``ragged`` is a temporary
        that nothing else will modify (as in ``transform``).

    Returns
    -------
    X : pandas.DataFrame
        Sequence frame. With ``copy=True`` its cells never share memory with
        ``ragged``.

    Examples
    --------
    >>> import numpy as np
    >>> r = Ragged(np.array([5, 6, 7]), np.array([1, 2, 3]), np.array([0, 2, 3]))
    >>> from_ragged(r, index=["u1", "u2"])["items"].tolist()
    [array([5, 6]), array([7])]
    >>> from_ragged(r, cells="arrow")["items"].tolist()
    [[5, 6], [7]]
    """
    if cells == "arrow":
        import pyarrow as pa

        offsets = ragged.offsets
        offsets = pa.array(offsets.astype(np.int32) if offsets[-1] < 2**31 else offsets)
        data = {ITEMS: _arrow_column(ragged.items, offsets, copy),
                TIMESTAMPS: _arrow_column(ragged.timestamps, offsets, copy)}
    elif cells == "object":
        items = np.array(ragged.items, dtype=np.int64, copy=copy or None)
        times = np.array(ragged.timestamps, dtype=np.int64, copy=copy or None)
        data = {ITEMS: _object_column(items, ragged.offsets),
                TIMESTAMPS: _object_column(times, ragged.offsets)}
    else:
        raise ValueError(f"cells must be 'object' or 'arrow', got {cells!r}.")
    if columns:
        data.update(columns)
    return pd.DataFrame(data, index=index)


def _arrow_column(values, offsets, copy):
    """Arrow list column over ``values`` (``offsets``: an Arrow int32 or int64
    array); without ``copy`` the Arrow buffer wraps ``values`` itself."""
    import pyarrow as pa

    values = pa.array(np.array(values, dtype=np.int64, copy=copy or None))
    list_type = pa.ListArray if offsets.type == pa.int32() else pa.LargeListArray
    return pd.arrays.ArrowExtensionArray(list_type.from_arrays(offsets, values))


def _object_column(values, offsets):
    # One view per row, made and stored by C loops (map + np.fromiter): no
    # copies, and numpy never turns equal-length sequences into a 2-D array.
    slices = map(slice, offsets[:-1].tolist(), offsets[1:].tolist())
    return np.fromiter(map(values.__getitem__, slices), dtype=object,
                       count=len(offsets) - 1)


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


def make_sequence_frame(items, timestamps=None, index=None, *, cells="object"):
    """Build a sequence frame from Python lists of sequences.

    Parameters
    ----------
    items : list of list of int
        Encoded item ids per user, in time order.
    timestamps : list of list of int, default=None
        Timestamps per user; by default ``0, 1, 2, ...`` (uniform gaps).
    index : array-like, default=None
        Row labels (user ids).
    cells : {"object", "arrow"}, default="object"
        Representation of the cells (see :func:`from_ragged`).

    Returns
    -------
    X : pandas.DataFrame
        A validated sequence frame with int64 cells.

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
    ragged = check_sequence_frame(X, allow_empty=True, allow_empty_sequences=True)
    if cells != "object":
        return from_ragged(ragged, index=X.index, cells=cells)
    return X


def _cells(arrays):
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
    return out


