"""Batch recommendation over the partitions of a large interaction log."""

import numbers

import numpy as np
import pandas as pd

__all__ = ["recommend_partitions"]


def _log_to_frame(log, user_col, item_col, time_col):
    """A sequence frame of ``log`` in its own item ids (no vocabulary needed)."""
    from skrec.preprocessing import SequenceEncoder
    from skrec.sequence import Ragged, from_ragged, to_ragged

    encoder = SequenceEncoder(user_col=user_col, item_col=item_col, time_col=time_col)
    coded = encoder.fit_transform(log)
    ragged = to_ragged(coded)
    raw = np.asarray(encoder.classes_)[ragged.items - 1]
    return from_ragged(Ragged(raw, ragged.timestamps, ragged.offsets), index=coded.index)


def _empty_result(user_col, item_col, user_dtype):
    """The result's columns and dtypes, without rows (also Dask's ``meta``)."""
    return pd.DataFrame({user_col: pd.Series([], dtype=user_dtype),
                         "rank": pd.Series([], dtype=np.int64),
                         item_col: pd.Series([], dtype=object)})


def _recommend_partition(log, model, encoder, k, exclude_seen, columns):
    """Top-``k`` rows ``(user, rank, item)`` of the users of one partition."""
    user_col, item_col, time_col = columns
    empty = _empty_result(user_col, item_col, log[user_col].dtype)
    if len(log) == 0:
        return empty
    if encoder is not None:
        X = encoder.transform(log)
    else:
        X = _log_to_frame(log, user_col, item_col, time_col)
    if len(X) == 0:
        return empty
    top = model.recommend(X, k=k, exclude_seen=exclude_seen)
    items = encoder.inverse_transform(top) if encoder is not None else top
    return pd.DataFrame({
        user_col: np.repeat(X.index.to_numpy(), k),
        "rank": np.tile(np.arange(1, k + 1, dtype=np.int64), len(X)),
        item_col: pd.Series(np.asarray(items).ravel(), dtype=object),
    })


def recommend_partitions(model, log, *, k=10, encoder=None, user_col="user_id",
                         item_col="item_id", time_col="timestamp", exclude_seen=True,
                         partitioned_by_user=False):
    """Top-``k`` items of every user of an interaction log, partition by partition.

    skrec's sequential recommenders are user-free: a user is the sequence of
    their items, so recommending for millions of users needs no distributed
    model, only the log split by user. Given a Dask DataFrame, every
    partition becomes one task that turns its rows into a sequence frame and
    calls ``model.recommend``; the fitted model enters the task graph once
    (as one ``dask.delayed`` object) and is sent to each worker once. A
    pandas DataFrame is processed in this process.

    Parameters
    ----------
    model : fitted recommender
        Anything with ``recommend(X, k, exclude_seen)`` and ``n_items_``
        (SASRec, GRU4Rec, BERT4Rec, CoSeRec, TiCoSeRec, CL4SRec, Popularity,
        ItemKNN, or the ``model`` of :func:`load_recommender`).
    log : dask.dataframe.DataFrame or pandas.DataFrame
        Interaction log, one row per event.
    k : int, default=10
        Items per user (at most the model's catalogue, ``model.n_items_``).
    encoder : fitted SequenceEncoder, default=None
        The encoder that made the model's item ids (``load_recommender``
        returns it): it encodes every partition and the recommendations come
        back in the log's own ids. Its columns replace ``user_col`` etc. Items
        it has not seen raise unless its ``handle_unknown="drop"``. ``None``
        means the log's item ids are the model's.
    user_col, item_col, time_col : str
        Columns of the log when ``encoder`` is None (``time_col=None``: the
        row order is the time order).
    exclude_seen : bool, default=True
        Never recommend an item already in the user's history.
    partitioned_by_user : bool, default=False
        Whether all events of a user already lie in one partition. If not,
        the log is first shuffled on ``user_col`` (``log.shuffle(on=...)``),
        otherwise a user split across partitions would get one partial list
        per partition.

    Returns
    -------
    recommendations : dask.dataframe.DataFrame or pandas.DataFrame
        Columns ``user_col``, ``"rank"`` (1 = best) and ``item_col``; lazy
        for a Dask input (call ``.compute()`` or write it with
        ``.to_parquet``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skrec.recommenders import Popularity, recommend_partitions
    >>> from skrec.sequence import make_sequence_frame
    >>> model = Popularity().fit(make_sequence_frame([[1, 2, 3], [2, 3], [3]]))
    >>> log = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": [3, 1, 2],
    ...                     "timestamp": [1, 2, 1]})
    >>> recommend_partitions(model, log, k=1)
      user_id  rank item_id
    0       a     1       2
    1       b     1       3
    """
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    if not hasattr(model, "recommend") or not hasattr(model, "n_items_"):
        raise TypeError(
            f"model must be a fitted skrec recommender, got {type(model).__name__}."
        )
    if k > model.n_items_:
        raise ValueError(
            f"k={k} exceeds the catalogue of {model.n_items_} items the model knows."
        )
    if not hasattr(log, "columns"):
        raise TypeError(
            f"log must be a pandas or Dask DataFrame, got {type(log).__name__}."
        )
    if encoder is not None:
        if not hasattr(encoder, "classes_"):
            raise ValueError("The encoder is not fitted; pass the fitted SequenceEncoder.")
        user_col, item_col, time_col = encoder.user_col, encoder.item_col, encoder.time_col
    columns = (user_col, item_col, time_col)
    needed = [c for c in columns if c is not None]
    missing = [c for c in needed if c not in log.columns]
    if missing:
        raise ValueError(
            f"The log has no column(s) {missing}; its columns are {list(log.columns)}. "
            "Pass user_col, item_col and time_col (or the encoder) that match it."
        )
    if isinstance(log, pd.DataFrame):
        return _recommend_partition(log, model, encoder, k, exclude_seen, columns)
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - dask is optional
        raise ImportError("recommend_partitions on a Dask DataFrame needs dask "
                          "(pip install 'skrec-learn[dask]').") from exc
    if not isinstance(log, dd.DataFrame):
        raise TypeError(
            f"log must be a pandas or Dask DataFrame, got {type(log).__name__}."
        )
    if not partitioned_by_user:
        log = log.shuffle(on=user_col)
    meta = _empty_result(user_col, item_col, log[user_col].dtype)
    model_d = dask.delayed(model, pure=True)
    encoder_d = None if encoder is None else dask.delayed(encoder, pure=True)
    return log.map_partitions(_recommend_partition, model_d, encoder_d, k, exclude_seen,
                              columns, meta=meta)
