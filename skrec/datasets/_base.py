"""Bundled data sets and a reader for users' interaction logs."""

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from skrec.sequence import Ragged, from_ragged

__all__ = ["load_beauty", "load_interactions"]

_DATA = resources.files("skrec.datasets").joinpath("data")
_BEAUTY_FILE = "beauty.npz"
_LOG_COLUMNS = ("user_id", "item_id", "timestamp")


def _read_descr(name):
    return _DATA.joinpath(name).read_text(encoding="utf-8")


def _load_beauty_ragged():
    with _DATA.joinpath(_BEAUTY_FILE).open("rb") as fh:
        with np.load(fh) as npz:
            users = npz["user_id"].astype(np.int64)
            lengths = npz["lengths"].astype(np.int64)
            items = npz["items"].astype(np.int64)
            timestamps = npz["days"].astype(np.int64) * int(npz["seconds_per_day"])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return users, Ragged(items, timestamps, offsets)


def load_beauty(*, kind="sequences", return_bunch=False, cells="object"):
    """Load the Amazon Beauty sequential-recommendation data set.

    The 5-core Amazon Beauty reviews as processed and published with the
    TiCoSeRec paper's code: 22,363 users, 12,101 items (ids ``1..12101``) and
    198,502 interactions with day-resolution Unix timestamps. The data ship
    compressed inside the package; nothing is downloaded.

    ================  ==============
    users             22,363
    items             12,101
    interactions      198,502
    sequence length   5 -- 204 (median 6)
    ================  ==============

    Parameters
    ----------
    kind : {"sequences", "log"}, default="sequences"
        ``"sequences"`` returns a sequence frame (one row per user, index
        ``user_id``, columns ``items`` and ``timestamps`` in time order);
        ``"log"`` returns the interaction log with columns ``user_id``,
        ``item_id`` and ``timestamp`` (one row per interaction, grouped by
        user in time order).
    return_bunch : bool, default=False
        If True, return a :class:`~sklearn.utils.Bunch` with the frame and a
        description instead of the bare frame.
    cells : {"object", "arrow"}, default="object"
        Cell format of the sequence frame (``kind="sequences"``): numpy-array
        cells, or Arrow list columns, the cheap format at the frame boundary
        (see :func:`skrec.sequence.from_ragged`; needs pyarrow).

    Returns
    -------
    frame : pandas.DataFrame
        The sequence frame or log (when ``return_bunch=False``).
    data : :class:`~sklearn.utils.Bunch`
        When ``return_bunch=True``, with attributes ``frame`` (the frame
        above), ``n_users``, ``n_items``, ``n_interactions`` and ``DESCR``
        (provenance, licence and format).

    See Also
    --------
    load_interactions : Read your own log from CSV or Parquet.
    skrec.preprocessing.SequenceEncoder : Turn a log into a sequence frame.

    Notes
    -----
    Item ids are already encoded as ``1..12101`` (``0`` is free for padding),
    so the sequence frame can be used directly. Users appear in the
    original file's order (user ids ``1..22363``).

    References
    ----------
    .. [1] J. McAuley, C. Targett, Q. Shi and A. van den Hengel, "Image-based
       recommendations on styles and substitutes", SIGIR 2015.
    .. [2] Y. Dang et al., "Uniform sequence better: time interval aware data
       augmentation for sequential recommendation", AAAI 2023
       (code and data: github.com/KingGugu/TiCoSeRec, Apache-2.0).

    Examples
    --------
    >>> from skrec.datasets import load_beauty
    >>> X = load_beauty()
    >>> X.shape
    (22363, 2)
    >>> X["items"].map(len).sum()
    np.int64(198502)
    >>> load_beauty(kind="log").columns.tolist()
    ['user_id', 'item_id', 'timestamp']
    """
    if kind not in ("sequences", "log"):
        raise ValueError(f"kind must be 'sequences' or 'log', got {kind!r}.")
    users, ragged = _load_beauty_ragged()
    if kind == "sequences":
        frame = from_ragged(ragged, index=pd.Index(users, name="user_id"), cells=cells)
    else:
        frame = pd.DataFrame(
            {
                "user_id": np.repeat(users, ragged.lengths),
                "item_id": ragged.items,
                "timestamp": ragged.timestamps,
            }
        )
    if not return_bunch:
        return frame
    return Bunch(
        frame=frame,
        n_users=int(ragged.n_sequences),
        n_items=int(len(np.unique(ragged.items))),
        n_interactions=int(len(ragged.items)),
        DESCR=_read_descr("beauty_descr.rst"),
    )


def load_interactions(
    path,
    *,
    user_col="user_id",
    item_col="item_id",
    time_col="timestamp",
    sep=",",
    **read_kwargs,
):
    """Read an interaction log from a CSV or Parquet file.

    The format is chosen by the file's suffix: ``.parquet``/``.pq`` are read
    with :func:`pandas.read_parquet` (needs ``pyarrow`` or ``fastparquet``),
    anything else with :func:`pandas.read_csv` (compressed CSV such as
    ``.csv.gz`` works). The three named columns are renamed to the standard
    log columns ``user_id``, ``item_id`` and ``timestamp``; other columns are
    dropped.

    Parameters
    ----------
    path : str or path-like
        File to read.
    user_col, item_col : str, default="user_id", "item_id"
        Names of the user and item columns in the file.
    time_col : str or None, default="timestamp"
        Name of the timestamp column; ``None`` when the file has none (the
        returned log then has no ``timestamp`` column; use
        ``SequenceEncoder(time_col=None)``).
    sep : str, default=","
        Field separator of a CSV file (ignored for Parquet).
    **read_kwargs
        Passed to :func:`pandas.read_csv` or :func:`pandas.read_parquet`.

    Returns
    -------
    log : pandas.DataFrame
        Columns ``user_id``, ``item_id`` and ``timestamp`` (when ``time_col``
        is given), in the file's row order. Values are not validated here;
        :class:`~skrec.preprocessing.SequenceEncoder` validates them.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If a named column is missing from the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skrec.datasets import load_interactions
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "log.csv"
    ...     _ = path.write_text("uid;sku;ts\\nu1;A;5\\nu1;B;9\\n")
    ...     log = load_interactions(path, user_col="uid", item_col="sku",
    ...                             time_col="ts", sep=";")
    >>> log
      user_id item_id  timestamp
    0      u1       A          5
    1      u1       B          9
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such interaction log: {str(path)!r}.")
    columns = [user_col, item_col] + ([] if time_col is None else [time_col])
    if len(set(columns)) != len(columns):
        raise ValueError(
            f"user_col, item_col and time_col must name different columns, got "
            f"{columns}."
        )
    names = dict(zip(columns, _LOG_COLUMNS))
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        frame = pd.read_parquet(path, **read_kwargs)
    else:
        try:
            frame = pd.read_csv(path, sep=sep, **read_kwargs)
        except pd.errors.EmptyDataError as exc:
            raise ValueError(
                f"{path.name} is empty: no header line and no interactions."
            ) from exc
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path.name} has no column(s) {missing}; its columns are "
            f"{list(frame.columns)}. Pass user_col=, item_col=, time_col= (and sep= "
            "for CSV) to name the right ones."
        )
    return frame[list(names)].rename(columns=names)


def _read_beauty_text(item_path, time_path):
    """Parse the original TiCoSeRec text files (``user item item ...``).

    Used to build and to verify the bundled ``beauty.npz``; returns the user
    ids and a :class:`~skrec.sequence.Ragged`.
    """
    import gzip

    def read(path):
        with gzip.open(path, "rt") as fh:
            rows = [np.array(line.split(), dtype=np.int64) for line in fh]
        return rows

    item_rows, time_rows = read(item_path), read(time_path)
    users = np.array([r[0] for r in item_rows])
    if not np.array_equal(users, [r[0] for r in time_rows]):
        raise ValueError("The item and time files list different users.")
    lengths = np.array([len(r) - 1 for r in item_rows])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    items = np.concatenate([r[1:] for r in item_rows])
    times = np.concatenate([r[1:] for r in time_rows])
    return users, Ragged(items, times, offsets)


def _bundle_beauty(item_path, time_path, out_path):
    """Write ``beauty.npz`` from the original text files (maintainers only)."""
    users, r = _read_beauty_text(item_path, time_path)
    day = 86400
    if (r.timestamps % day).any():
        raise ValueError("Beauty timestamps are expected at day resolution.")
    np.savez_compressed(
        out_path,
        user_id=users.astype(np.int16),
        lengths=r.lengths.astype(np.int16),
        items=r.items.astype(np.int16),
        days=(r.timestamps // day).astype(np.int16),
        seconds_per_day=np.int64(day),
    )
