"""Turn interaction logs into sequence frames.

A *log* is a :class:`pandas.DataFrame` with one row per interaction and (by
default) the columns ``user_id``, ``item_id`` and ``timestamp``.
:class:`SequenceEncoder` turns it into a *sequence frame* (one row per user,
columns ``items`` and ``timestamps``; see :mod:`skrec.sequence`) whose item ids
are encoded as ``1..n_items`` (``0`` is reserved for padding and masking).
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skrec.sequence import (
    ITEMS,
    TIMESTAMPS,
    Ragged,
    check_item_ids,
    from_ragged,
    to_ragged,
)

__all__ = ["SequenceEncoder"]


def _parse_iso_dates(col, name):
    """Parse a column of date strings (ISO 8601) into UTC datetimes.

    Strings without a time zone are read as UTC; booleans and other
    non-string values are left for the caller to reject.
    """
    if pd.api.types.is_bool_dtype(col.dtype):
        return col
    values = col.dropna()
    if not len(values) or not all(isinstance(v, str) for v in values.iloc[:1000]):
        return col
    parsed = pd.to_datetime(col, format="ISO8601", utc=True, errors="coerce")
    bad = parsed.isna() & col.notna()
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        raise TypeError(
            f"Column {name!r} must hold numeric timestamps (for example Unix "
            "seconds), datetimes or ISO 8601 date strings (2020-09-14, "
            f"2020-09-14T10:00:00Z); log row {col.index[first]!r} holds "
            f"{col.iloc[first]!r}."
        )
    return parsed


def _timestamps_to_int64(col, name):
    """Validate a timestamp column and return int64 values (seconds for datetimes)."""
    if col.isna().any():
        raise ValueError(
            f"Column {name!r} contains missing timestamps (first at log row "
            f"{col.index[col.isna().to_numpy()][0]!r}). Drop or impute those "
            "interactions before encoding."
        )
    if not pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_datetime64_any_dtype(
        col.dtype
    ):
        col = _parse_iso_dates(col, name)
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        if getattr(col.dtype, "tz", None) is not None:
            col = col.dt.tz_convert("UTC").dt.tz_localize(None)
        # Integer seconds since the Unix epoch (sub-second parts are floored).
        values = col.to_numpy().astype("datetime64[s]").astype(np.int64)
    elif pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(
        col.dtype
    ):
        raise TypeError(
            f"Column {name!r} must hold numeric timestamps (for example Unix "
            f"seconds), datetimes or ISO 8601 date strings, got dtype {col.dtype}."
        )
    else:
        values = col.to_numpy()
        if values.dtype.kind == "f":
            if not np.isfinite(values).all():
                raise ValueError(
                    f"Column {name!r} contains infinite timestamps; timestamps must "
                    "be finite."
                )
            if (values != np.round(values)).any():
                raise ValueError(
                    f"Column {name!r} holds non-integer timestamps; sequence frames "
                    "store integer timestamps. Scale them to an integer unit first "
                    "(for example milliseconds: (log[col] * 1000).round())."
                )
        values = values.astype(np.int64)
    if (values < 0).any():
        first = col.index[np.flatnonzero(values < 0)[0]]
        raise ValueError(
            f"Column {name!r} contains negative timestamps (first at log row "
            f"{first!r}); timestamps must be non-negative (for example Unix seconds)."
        )
    return values


class SequenceEncoder(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Encode an interaction log into a sequence frame.

    ``fit`` learns the item vocabulary of a log and encodes item ids (of any
    hashable type, strings included) as ``1..n_items`` in sorted order of the
    original ids (ids of mixed types sort numbers before strings, as
    :func:`pandas.factorize` does; ids that cannot be ordered at all keep
    their order of first appearance); ``0`` stays free for padding and
    masking. ``transform`` groups the log by
    user, orders every user's events by time with a *stable* sort (events with
    equal timestamps keep their order in the log) and returns a sequence frame
    indexed by user id (sorted when the user ids can be sorted).

    This transformer changes the number of rows by design: its input is a log
    (one row per interaction), its output a sequence frame (one row per user).
    Use it once, before splitting; the frames it returns then flow unchanged
    through ``train_test_split``, ``KFold``, ``GridSearchCV`` and ``Pipeline``.

    Parameters
    ----------
    user_col : str, default="user_id"
        Column of the log holding user ids (any hashable type).
    item_col : str, default="item_id"
        Column of the log holding item ids (any hashable type).
    time_col : str or None, default="timestamp"
        Column of the log holding timestamps: non-negative integers (for
        example Unix seconds), integral floats, or datetimes (converted to
        integer seconds since the Unix epoch, UTC). ``None`` means the log's
        row order is the time order; timestamps become ``0, 1, 2, ...`` within
        each user.
    min_length : int, default=1
        Users with fewer events than this are dropped from the output (after
        unknown items are removed, see ``handle_unknown``). The number of users
        dropped from the log seen in ``fit`` is stored in ``n_dropped_users_``.
        The leave-last-out protocol needs at least 3 events per user.
    handle_unknown : {"error", "drop"}, default="error"
        What ``transform`` does with items not seen in ``fit``: ``"error"``
        raises a ``ValueError`` naming them; ``"drop"`` removes those events
        (and then users left with fewer than ``min_length`` events).

    Attributes
    ----------
    classes_ : ndarray of shape (n_items,)
        Original item ids; encoded id ``j`` stands for ``classes_[j - 1]``.
    n_items_ : int
        Number of distinct items seen in ``fit``.
    n_users_ : int
        Number of users kept from the log seen in ``fit``.
    n_dropped_users_ : int
        Number of users of the log seen in ``fit`` dropped for having fewer
        than ``min_length`` events.

    See Also
    --------
    skrec.sequence.check_sequence_frame : The sequence frame contract.
    skrec.datasets.load_interactions : Read a log from CSV or Parquet.

    Notes
    -----
    The item vocabulary is learned from every event of the log passed to
    ``fit``, including the events of users later dropped by ``min_length``;
    so ``fit_transform(log)`` equals ``fit(log).transform(log)``.

    The whole encoding is vectorized: ids are encoded with hash tables
    (:func:`pandas.factorize` / :meth:`pandas.Index.get_indexer`), events are
    ordered with two stable numpy sorts, and the sequence frame is built from a
    flat *values + offsets* array (:class:`skrec.sequence.Ragged`).

    Because the output is not a 2-D feature array, the encoder opts out of
    ``set_output`` wrapping (its ``set_output`` accepts ``"pandas"`` and
    changes nothing) and declares ``input_tags.two_d_array=False``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skrec.preprocessing import SequenceEncoder
    >>> log = pd.DataFrame({
    ...     "user_id": ["ann", "bob", "ann", "ann", "bob"],
    ...     "item_id": ["tea", "mug", "cup", "mug", "tea"],
    ...     "timestamp": [30, 10, 10, 20, 15],
    ... })
    >>> enc = SequenceEncoder()
    >>> X = enc.fit_transform(log)
    >>> X
             items    timestamps
    user_id
    ann      [1, 2, 3]  [10, 20, 30]
    bob         [2, 3]      [10, 15]
    >>> enc.classes_.tolist()
    ['cup', 'mug', 'tea']
    >>> enc.inverse_transform([[3, 1]]).tolist()
    [['tea', 'cup']]
    """

    _parameter_constraints = {
        "user_col": [str],
        "item_col": [str],
        "time_col": [str, None],
        "min_length": [Interval(Integral, 1, None, closed="left")],
        "handle_unknown": [StrOptions({"error", "drop"})],
    }

    def __init__(
        self,
        *,
        user_col="user_id",
        item_col="item_id",
        time_col="timestamp",
        min_length=1,
        handle_unknown="error",
    ):
        self.user_col = user_col
        self.item_col = item_col
        self.time_col = time_col
        self.min_length = min_length
        self.handle_unknown = handle_unknown

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The input is a log DataFrame (ids of any type, one row per event),
        # not a 2-D numeric array; the output has one row per user.
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.transformer_tags.preserves_dtype = []
        tags.requires_fit = True
        return tags

    # ------------------------------------------------------------------ checks
    def _as_log(self, X):
        """A pandas log of the needed columns of ``X``.

        Arrow tables and record batches, and frames that convert to Arrow
        (Polars), give only the user, item and time columns, each converted
        once to a numpy array: no copy of the other columns of a wide log.
        """
        if isinstance(X, pd.DataFrame):
            return X
        if hasattr(X, "to_arrow") and not hasattr(X, "column"):  # Polars
            names = [c for c in (self.user_col, self.item_col, self.time_col)
                     if c is not None and c in X.columns]
            X = X.select(names).to_arrow()
        try:
            import pyarrow as pa
        except ImportError:  # pragma: no cover - pyarrow is a dependency of pandas here
            return X
        if isinstance(X, (pa.Table, pa.RecordBatch)):
            names = [c for c in (self.user_col, self.item_col, self.time_col)
                     if c is not None and c in X.column_names]
            missing = [c for c in (self.user_col, self.item_col, self.time_col)
                       if c is not None and c not in X.column_names]
            if missing:
                raise ValueError(
                    f"The log is missing column(s) {missing}; found {X.column_names}. "
                    "Rename the columns or set user_col/item_col/time_col."
                )
            return pd.DataFrame({c: X.column(c).to_pandas() for c in names})
        return X

    def _check_log(self, X):
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                "SequenceEncoder expects an interaction log: a pandas DataFrame, an "
                "Arrow table or a Polars DataFrame with one row per interaction, got "
                f"{type(X).__name__}. To read a file, "
                "use skrec.datasets.load_interactions."
            )
        needed = [self.user_col, self.item_col]
        if self.time_col is not None:
            needed.append(self.time_col)
        missing = [c for c in needed if c not in X.columns]
        if missing:
            raise ValueError(
                f"The log is missing column(s) {missing}; found {list(X.columns)}. "
                "Rename the columns or set user_col/item_col/time_col."
            )
        if len(X) == 0:
            raise ValueError(
                "The log is empty (0 rows); pass at least one interaction."
            )
        for col in (self.user_col, self.item_col):
            na = X[col].isna().to_numpy()
            if na.any():
                raise ValueError(
                    f"Column {col!r} contains missing ids (first at log row "
                    f"{X.index[na][0]!r}). Drop those interactions first."
                )
        if self.time_col is None:
            return None
        return _timestamps_to_int64(X[self.time_col], self.time_col)

    # --------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the item vocabulary of a log.

        Parameters
        ----------
        X : pandas.DataFrame, pyarrow.Table or polars.DataFrame
            Interaction log with the columns named by ``user_col``,
            ``item_col`` and ``time_col``.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceEncoder
            The fitted encoder.
        """
        self._fit(X)
        return self

    def _fit(self, X):
        X = self._as_log(X)
        times = self._check_log(X)
        codes, classes = _factorize(X[self.item_col])
        self.classes_ = classes
        self.n_items_ = len(classes)
        self._index = pd.Index(classes)
        frame, n_dropped = self._encode(X, codes + 1, times)
        self.n_users_ = len(frame)
        self.n_dropped_users_ = n_dropped
        return frame

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit on a log and return its sequence frame.

        Equivalent to ``fit(X).transform(X)``, in one pass.

        Parameters
        ----------
        X : pandas.DataFrame, pyarrow.Table or polars.DataFrame
            Interaction log.
        y : None
            Ignored.

        Returns
        -------
        X_seq : pandas.DataFrame
            Sequence frame indexed by user id.
        """
        return self._fit(X)

    # --------------------------------------------------------------- transform
    def transform(self, X):
        """Encode a log into a sequence frame with the fitted vocabulary.

        Parameters
        ----------
        X : pandas.DataFrame, pyarrow.Table or polars.DataFrame
            Interaction log with the same columns as in ``fit``.

        Returns
        -------
        X_seq : pandas.DataFrame
            Sequence frame indexed by user id (index name ``user_col``), with
            int64 array cells; users with fewer than ``min_length`` events
            (after unknown items are handled) are left out.

        Raises
        ------
        ValueError
            If the log holds items unseen in ``fit`` and
            ``handle_unknown="error"``, or fails validation.
        """
        check_is_fitted(self)
        X = self._as_log(X)
        times = self._check_log(X)
        codes = self._index.get_indexer(X[self.item_col])
        unknown = codes < 0
        keep = None
        if unknown.any():
            if self.handle_unknown == "error":
                examples = pd.unique(X[self.item_col].to_numpy()[unknown])[:5]
                raise ValueError(
                    f"The log holds {int(unknown.sum())} interaction(s) with items "
                    f"unseen in fit, e.g. {list(examples)}. Refit the encoder on a "
                    "log containing them or set handle_unknown='drop'."
                )
            keep = ~unknown
        frame, _ = self._encode(X, codes + 1, times, keep=keep)
        return frame

    def _encode(self, X, items, times, keep=None):
        users = X[self.user_col]
        if keep is not None:
            users = users[keep]
            items = items[keep]
            times = None if times is None else times[keep]
        user_codes, user_ids = _factorize(users)
        n_users = len(user_ids)
        if times is None:
            order = np.argsort(user_codes, kind="stable")
        else:
            # Two stable sorts: by time, then by user. Ties in time keep the
            # log's order; the result is grouped by user and sorted by time.
            order = np.argsort(times, kind="stable")
            order = order[np.argsort(user_codes[order], kind="stable")]
        lengths = np.bincount(user_codes, minlength=n_users).astype(np.int64)
        items = np.asarray(items, dtype=np.int64)[order]
        if times is None:
            starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
            times = np.arange(len(items), dtype=np.int64) - starts
        else:
            times = times[order]
        offsets = np.zeros(n_users + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ragged = Ragged(items, times, offsets)
        kept = np.flatnonzero(lengths >= self.min_length)
        n_dropped = n_users - len(kept)
        if len(kept) == 0:
            raise ValueError(
                f"No user is left: all {n_users} user(s) have fewer than "
                f"min_length={self.min_length} events"
                + (" with known items" if keep is not None else "")
                + ". Lower min_length or pass a larger log."
            )
        if n_dropped:
            ragged = ragged.take(kept)
            user_ids = user_ids[kept]
        index = pd.Index(user_ids, name=self.user_col)
        return from_ragged(ragged, index=index), int(n_dropped)

    # ------------------------------------------------------- inverse transform
    def transform_items(self, item_ids, *, unknown_value=None):
        """Encode original item ids.

        Parameters
        ----------
        item_ids : array-like
            Original item ids, any shape.
        unknown_value : int or None, default=None
            Code given to ids unseen in ``fit``; ``None`` raises a
            ``ValueError`` instead (``0``, the padding id, is a common choice).

        Returns
        -------
        codes : ndarray of int64, same shape as ``item_ids``
            Encoded ids in ``1..n_items_``.

        Examples
        --------
        >>> import pandas as pd
        >>> log = pd.DataFrame({"user_id": [1, 1], "item_id": ["b", "a"],
        ...                     "timestamp": [0, 1]})
        >>> enc = SequenceEncoder().fit(log)
        >>> enc.transform_items(["a", "b", "a"]).tolist()
        [1, 2, 1]
        >>> enc.transform_items(["a", "zzz"], unknown_value=0).tolist()
        [1, 0]
        """
        check_is_fitted(self)
        arr = np.asarray(
            item_ids, dtype=object if _is_listlike_of_str(item_ids) else None
        )
        flat = arr.ravel()
        codes = self._index.get_indexer(pd.Index(flat)).astype(np.int64) + 1
        unknown = codes == 0
        if unknown.any():
            if unknown_value is None:
                raise ValueError(
                    f"{int(unknown.sum())} item id(s) were not seen in fit, e.g. "
                    f"{list(pd.unique(flat[unknown])[:5])}. Pass unknown_value=0 "
                    "to map them to the padding id instead."
                )
            codes[unknown] = unknown_value
        return codes.reshape(arr.shape)

    def inverse_transform(self, X):
        """Map encoded ids back to the original item ids.

        Parameters
        ----------
        X : sequence frame or array-like of int
            A sequence frame (as returned by ``transform``) or an array of
            encoded ids of any shape (for example top-k recommendations of
            shape ``(n_users, k)``).

        Returns
        -------
        log_or_ids : pandas.DataFrame or ndarray
            For a sequence frame, the log it encodes: columns ``user_col``,
            ``item_col`` (original ids) and ``time_col`` (when not ``None``),
            one row per event, grouped by user in time order. For an array,
            an array of the same shape holding original ids.

        Raises
        ------
        ValueError
            If an encoded id lies outside ``1..n_items_`` (``0`` is padding and
            has no original id).
        """
        check_is_fitted(self)
        if isinstance(X, pd.DataFrame):
            ragged = to_ragged(X)
            users = np.repeat(X.index.to_numpy(), ragged.lengths)
            data = {
                self.user_col: users,
                self.item_col: self._decode(ragged.items),
            }
            if self.time_col is not None:
                data[self.time_col] = ragged.timestamps
            return pd.DataFrame(data)
        arr = np.asarray(X)
        return self._decode(arr)

    def _decode(self, codes):
        codes = check_item_ids(codes, "the encoded ids", min_id=None)
        bad = (codes < 1) | (codes > self.n_items_)
        if bad.any():
            raise ValueError(
                f"Encoded item ids must lie in 1..{self.n_items_}; got "
                f"{int(codes[bad].ravel()[0])}. 0 is the padding id and has no "
                "original item."
            )
        return self.classes_[codes - 1]

    def set_output(self, *, transform=None):
        """Accept the ``set_output`` API without changing the output.

        The output is always a sequence frame (a pandas DataFrame whose cells
        are arrays), so there is nothing to wrap: this method exists so that
        ``Pipeline.set_output`` works with an encoder in the pipeline.

        Parameters
        ----------
        transform : {"default", "pandas"} or None, default=None
            Accepted and ignored; other containers (e.g. ``"polars"``) raise.

        Returns
        -------
        self : SequenceEncoder
            The encoder, unchanged.
        """
        if transform not in (None, "default", "pandas"):
            raise ValueError(
                f"SequenceEncoder always returns a pandas sequence frame; "
                f"set_output(transform={transform!r}) is not supported."
            )
        return self

    def get_feature_names_out(self, input_features=None):
        """Column names of the output sequence frame.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
            ``["items", "timestamps"]``.
        """
        return np.asarray([ITEMS, TIMESTAMPS], dtype=object)


def _is_listlike_of_str(values):
    return isinstance(values, (list, tuple)) and any(isinstance(v, str) for v in values)


def _factorize(values):
    """Codes 0..n-1 and uniques as a numpy array, sorted when possible."""
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # ids of mixed, unorderable types: order of first appearance
        codes, uniques = pd.factorize(values, sort=False)
    uniques = np.asarray(uniques)
    if uniques.dtype.kind in "OUT" or uniques.dtype.name.startswith("str"):
        uniques = uniques.astype(object)
    return codes.astype(np.int64), uniques
