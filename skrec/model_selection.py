"""The leave-last-out protocol of sequential recommendation.

Every user's last item is the test target, the second-to-last the validation
target, and the rest the training sequence. :func:`leave_last_out` returns the
three parts; :func:`leave_last_out_cv` lays the train/validation part out as
rows plus a one-split ``cv`` so that :class:`~sklearn.model_selection.GridSearchCV`
runs the protocol.

Convention shared by skrec's recommenders: ``fit(X, y)`` with ``y`` given
treats ``y[i]`` as the item that follows row ``i``'s sequence, so the training
sequence of row ``i`` is ``X.items[i]`` followed by ``y[i]``; ``decision_function(X)``
returns a score matrix of shape ``(n_rows, n_items + 1)`` whose column ``j``
scores item ``j`` as the next item after row ``i`` (column 0 is padding).
"""

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import PredefinedSplit

from skrec.sequence import Ragged, from_ragged, to_ragged

__all__ = [
    "LeaveLastOutSplit",
    "leave_last_out",
    "leave_last_out_cv",
    "HoldoutSplit",
    "temporal_split",
    "temporal_split_cv",
    "cold_user_split",
]

_MIN_LENGTH = 3


@dataclass(frozen=True, repr=False)
class LeaveLastOutSplit:
    """Result of :func:`leave_last_out`.

    All frames are sequence frames indexed by the kept users, in the input's
    row order; ``y_*`` are int64 arrays aligned with those rows.

    Parameters
    ----------
    X_train : pandas.DataFrame
        Training sequences: every user's events but the last two
        (``items[:-2]``). Train on them (for example on all their prefixes).
    X_valid : pandas.DataFrame
        Validation inputs, the same sequences as ``X_train``.
    y_valid : ndarray of shape (n_users,)
        Validation targets, ``items[-2]``.
    X_test : pandas.DataFrame
        Test inputs, every user's events but the last (``items[:-1]``).
    y_test : ndarray of shape (n_users,)
        Test targets, ``items[-1]``.
    users : pandas.Index
        Users kept (those with at least 3 events).
    dropped_users : pandas.Index
        Users left out for having fewer than 3 events.

    Examples
    --------
    >>> from skrec.model_selection import leave_last_out
    >>> from skrec.sequence import make_sequence_frame
    >>> split = leave_last_out(make_sequence_frame([[4, 5, 6]]))
    >>> split.X_test["items"].tolist(), split.y_test.tolist()
    ([array([4, 5])], [6])
    """

    X_train: pd.DataFrame
    X_valid: pd.DataFrame
    y_valid: np.ndarray
    X_test: pd.DataFrame
    y_test: np.ndarray
    users: pd.Index
    dropped_users: pd.Index

    def __repr__(self):
        return (
            f"LeaveLastOutSplit(n_users={len(self.users)}, "
            f"n_dropped_users={len(self.dropped_users)}, "
            f"n_train_events={int(self.X_train['items'].map(len).sum())})"
        )


def _kept(X, on_short, min_length):
    if on_short not in ("drop", "error"):
        raise ValueError(f"on_short must be 'drop' or 'error', got {on_short!r}.")
    ragged = to_ragged(X)
    short = ragged.lengths < min_length
    if short.any():
        if on_short == "error":
            raise ValueError(
                f"{int(short.sum())} user(s) have fewer than {min_length} events "
                f"(e.g. {X.index[short][0]!r}); leave-last-out needs {min_length} "
                "(training, validation and test). Drop them with "
                f"SequenceEncoder(min_length={min_length}) or use on_short='drop'."
            )
        keep = np.flatnonzero(~short)
        if len(keep) == 0:
            raise ValueError(
                f"No user has at least {min_length} events; leave-last-out needs "
                f"{min_length} per user."
            )
        ragged = ragged.take(keep)
    return ragged, short


def leave_last_out(X, *, on_short="drop"):
    """Split sequences by the leave-last-out (leave-one-out) protocol.

    For every user with items ``i_1 .. i_n``: the test target is ``i_n``
    (input ``i_1 .. i_{n-1}``), the validation target ``i_{n-1}`` (input
    ``i_1 .. i_{n-2}``), and ``i_1 .. i_{n-2}`` is the training sequence.
    Timestamps travel with their items.

    Parameters
    ----------
    X : pandas.DataFrame
        Sequence frame (see :mod:`skrec.sequence`). Columns other than
        ``items`` and ``timestamps`` are not carried over.
    on_short : {"drop", "error"}, default="drop"
        What to do with users having fewer than 3 events (no room for a
        training, a validation and a test item): ``"drop"`` leaves them out
        of every part and lists them in ``dropped_users``; ``"error"`` raises
        a ``ValueError``.

    Returns
    -------
    split : LeaveLastOutSplit
        With ``X_train``, ``X_valid``, ``y_valid``, ``X_test``, ``y_test``,
        ``users`` and ``dropped_users``.

    See Also
    --------
    leave_last_out_cv : The same protocol laid out for ``GridSearchCV``.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.model_selection import leave_last_out
    >>> X = make_sequence_frame([[1, 2, 3, 4], [5, 6, 7], [8, 9]],
    ...                         index=["ann", "bob", "cy"])
    >>> split = leave_last_out(X)
    >>> split
    LeaveLastOutSplit(n_users=2, n_dropped_users=1, n_train_events=3)
    >>> split.X_train["items"].tolist()
    [array([1, 2]), array([5])]
    >>> split.y_valid, split.y_test
    (array([3, 6]), array([4, 7]))
    >>> split.X_test["items"].tolist()
    [array([1, 2, 3]), array([5, 6])]
    >>> split.dropped_users.tolist()
    ['cy']
    """
    ragged, short = _kept(X, on_short, _MIN_LENGTH)
    users = X.index[~short]
    ends = ragged.offsets[1:]
    train = ragged.drop_last(2)
    return LeaveLastOutSplit(
        X_train=from_ragged(train, index=users),
        X_valid=from_ragged(train, index=users),
        y_valid=ragged.items[ends - 2].copy(),
        X_test=from_ragged(ragged.drop_last(1), index=users),
        y_test=ragged.items[ends - 1].copy(),
        users=users,
        dropped_users=X.index[short],
    )


def leave_last_out_cv(X, *, on_short="drop"):
    """Lay out the leave-last-out train/validation protocol for ``GridSearchCV``.

    Returns rows ``X_cv`` with next-item targets ``y_cv`` and a one-split
    ``cv`` (a :class:`~sklearn.model_selection.PredefinedSplit`):

    * training rows: ``items[:-3]`` with target ``items[-3]``, i.e. each
      user's whole training sequence ``items[:-2]`` given as input plus next
      item (users with exactly 3 events have a one-item training sequence,
      which holds no next-item pair, and get no training row);
    * validation rows: ``items[:-2]`` with target ``items[-2]``.

    An estimator following skrec's convention (``fit(X, y)`` trains on each
    row's items followed by ``y``; ``decision_function(X)`` scores every item
    as the next one) thus trains on the training sequences and is scored on
    the validation targets, with
    :func:`~skrec.metrics.make_ranking_scorer` excluding each row's seen items.
    The test part (``items[-1]``) never enters ``X_cv``; get it from
    :func:`leave_last_out`.

    Parameters
    ----------
    X : pandas.DataFrame
        Sequence frame.
    on_short : {"drop", "error"}, default="drop"
        Users with fewer than 3 events are left out (``"drop"``) or raise a
        ``ValueError`` (``"error"``), as in :func:`leave_last_out`.

    Returns
    -------
    X_cv : pandas.DataFrame
        Sequence frame of the training rows followed by the validation rows;
        its index holds the user ids (each user appears up to twice).
    y_cv : ndarray of int64
        Next-item target of every row.
    cv : PredefinedSplit
        One split: training rows versus validation rows.

    Notes
    -----
    With ``refit=True``, ``GridSearchCV`` refits the best estimator on all of
    ``X_cv``; under the convention above the validation rows then add each
    user's sequence up to ``items[-2]`` (their training part overlapping the
    training rows). To evaluate on the test targets as the protocol does,
    either use ``refit=False`` and fit the best parameters on
    ``split.X_train`` alone, or (train + validation) fit on
    ``split.X_valid, split.y_valid`` from :func:`leave_last_out`; then score
    on ``split.X_test, split.y_test``.

    Examples
    --------
    A popularity recommender that follows the convention, tuned by
    ``GridSearchCV`` on the validation targets:

    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skrec.metrics import make_ranking_scorer
    >>> from skrec.model_selection import leave_last_out_cv
    >>> from skrec.sequence import make_sequence_frame, to_ragged
    >>> class Popularity(BaseEstimator):
    ...     # Scores items by how often they occur (only last items if recent).
    ...     def __init__(self, n_items=6, recent=False):
    ...         self.n_items = n_items
    ...         self.recent = recent
    ...     def fit(self, X, y=None):
    ...         r = to_ragged(X)
    ...         items = r.items[r.offsets[1:] - 1] if self.recent else r.items
    ...         if y is not None:  # y[i] is the item after row i
    ...             items = np.concatenate([items, y])
    ...         self.counts_ = np.bincount(items, minlength=self.n_items + 1)
    ...         return self
    ...     def decision_function(self, X):
    ...         return np.tile(self.counts_.astype(float), (len(X), 1))
    >>> X = make_sequence_frame([[2, 3, 1, 6, 5], [2, 4, 5, 3], [4, 1, 6, 2, 5],
    ...                          [3, 6, 1, 5]])
    >>> X_cv, y_cv, cv = leave_last_out_cv(X)
    >>> X_cv["items"].map(len).tolist(), y_cv.tolist()
    ([2, 1, 2, 1, 3, 2, 3, 2], [1, 4, 6, 6, 6, 5, 2, 1])
    >>> search = GridSearchCV(Popularity(), {"recent": [False, True]}, cv=cv,
    ...                       scoring=make_ranking_scorer("hit_rate", k=1))
    >>> search.fit(X_cv, y_cv).cv_results_["mean_test_score"]
    array([0. , 0.5])
    >>> search.best_params_
    {'recent': True}
    """
    ragged, short = _kept(X, on_short, _MIN_LENGTH)
    users = X.index[~short]
    ends = ragged.offsets[1:]
    valid = ragged.drop_last(2)
    y_valid = ragged.items[ends - 2]
    has_train = ragged.lengths > _MIN_LENGTH
    train_rows = np.flatnonzero(has_train)
    train = ragged.take(train_rows).drop_last(3)
    y_train = ragged.items[(ends - 3)[train_rows]]
    n_train = len(train_rows)
    both = Ragged.concat([train, valid])
    index = users[train_rows].append(users)
    X_cv = from_ragged(both, index=index)
    y_cv = np.concatenate([y_train, y_valid]).astype(np.int64)
    test_fold = np.r_[np.full(n_train, -1), np.zeros(len(users), dtype=np.int64)]
    return X_cv, y_cv, PredefinedSplit(test_fold)


@dataclass(frozen=True, repr=False)
class HoldoutSplit:
    """Result of :func:`temporal_split` and :func:`cold_user_split`.

    Parameters
    ----------
    X_train : pandas.DataFrame
        Training sequences.
    X_test : pandas.DataFrame
        Test inputs (one row per test user: the history the model sees).
    y_test : ndarray of shape (n_test_users,)
        The next item of every test row.
    """

    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_test: np.ndarray

    def __repr__(self):
        return (f"HoldoutSplit(n_train_users={len(self.X_train)}, "
                f"n_test_users={len(self.X_test)})")


def _as_seconds(cutoff):
    if isinstance(cutoff, numbers.Real) and not isinstance(cutoff, bool):
        if not np.isfinite(cutoff):
            raise ValueError(f"cutoff must be finite, got {cutoff!r}.")
        return cutoff  # a number in the frame's own unit, compared as is
    try:
        stamp = pd.Timestamp(cutoff)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"cutoff must be an integer timestamp (same unit as the frame's), a "
            f"datetime or an ISO 8601 string, got {cutoff!r}."
        ) from exc
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int((stamp - pd.Timestamp(0)) // pd.Timedelta(seconds=1))


def temporal_split(X, cutoff):
    """Split at one global time: train on the past, test on what comes next.

    Every interaction strictly before ``cutoff`` is training data; none at or
    after it is. Each user with events on both sides becomes a test row: the
    input is their history before the cutoff and the target their first item
    at or after it. Unlike leave-last-out, which takes every user's own last
    item and so trains on other users' interactions that happened after a
    test interaction, this split never lets the future leak into training.

    Parameters
    ----------
    X : pandas.DataFrame
        Sequence frame.
    cutoff : number, datetime or str
        The split time: a number in the frame's timestamp unit, or a datetime
        or ISO 8601 string (converted to Unix seconds, as
        :class:`~skrec.preprocessing.SequenceEncoder` stores them).

    Returns
    -------
    split : HoldoutSplit
        ``X_train``: every user's events before the cutoff (users without
        any are left out); ``X_test``/``y_test``: the test rows described above.

    Examples
    --------
    >>> from skrec.model_selection import temporal_split
    >>> from skrec.sequence import make_sequence_frame
    >>> X = make_sequence_frame([[1, 2, 3], [4, 5]], [[0, 5, 9], [6, 7]], index=["a", "b"])
    >>> split = temporal_split(X, cutoff=6)
    >>> split.X_train["items"].tolist(), split.X_test.index.tolist(), split.y_test.tolist()
    ([array([1, 2])], ['a'], [3])
    """
    ragged = to_ragged(X)
    cut = _as_seconds(cutoff)
    # Timestamps are sorted within each row: the events before the cutoff
    # are a prefix of it.
    before = ragged.timestamps < cut
    n_before = np.bincount(ragged.segment_ids()[before], minlength=ragged.n_sequences)
    train_rows = np.flatnonzero(n_before > 0)
    train = ragged.gather(ragged.offsets[train_rows], n_before[train_rows])
    test_rows = np.flatnonzero((n_before > 0) & (n_before < ragged.lengths))
    history = ragged.gather(ragged.offsets[test_rows], n_before[test_rows])
    y_test = ragged.items[ragged.offsets[test_rows] + n_before[test_rows]].copy()
    return HoldoutSplit(
        X_train=from_ragged(train, index=X.index[train_rows]),
        X_test=from_ragged(history, index=X.index[test_rows]),
        y_test=y_test,
    )


def cold_user_split(X, *, test_size=0.2, random_state=None):
    """Hold out whole users: test on people the model never saw in training.

    A share ``test_size`` of the users with at least two events is drawn at
    random; their sequences minus the last item are the test inputs and their
    last items the targets. Every other user's whole sequence is training
    data, so no user is on both sides.

    Parameters
    ----------
    X : pandas.DataFrame
        Sequence frame.
    test_size : float in (0, 1), default=0.2
        Share of the eligible users held out.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the draw of the test users.

    Returns
    -------
    split : HoldoutSplit

    Examples
    --------
    >>> from skrec.model_selection import cold_user_split
    >>> from skrec.sequence import make_sequence_frame
    >>> X = make_sequence_frame([[1, 2], [2, 3], [3, 4], [4, 5]])
    >>> split = cold_user_split(X, test_size=0.5, random_state=0)
    >>> len(split.X_train), len(split.X_test)
    (2, 2)
    """
    from skrec.utils._random import check_generator

    if not (isinstance(test_size, (float, np.floating)) and 0 < test_size < 1):
        raise ValueError(f"test_size must be a float in (0, 1), got {test_size!r}.")
    ragged = to_ragged(X)
    eligible = np.flatnonzero(ragged.lengths >= 2)
    n_test = int(round(test_size * len(eligible)))
    if n_test == 0:
        raise ValueError(
            f"test_size={test_size} of {len(eligible)} users with at least two "
            "events holds out no user; raise test_size or pass more users."
        )
    rng = check_generator(random_state)
    test_rows = np.sort(rng.choice(eligible, size=n_test, replace=False))
    is_test = np.zeros(ragged.n_sequences, dtype=bool)
    is_test[test_rows] = True
    train_rows = np.flatnonzero(~is_test)
    test = ragged.take(test_rows)
    return HoldoutSplit(
        X_train=from_ragged(ragged.take(train_rows), index=X.index[train_rows]),
        X_test=from_ragged(test.drop_last(1), index=X.index[test_rows]),
        y_test=test.last_items(),
    )


def temporal_split_cv(X, cutoff):
    """Lay out :func:`temporal_split` as rows plus a one-split ``cv``.

    For :class:`~sklearn.model_selection.GridSearchCV` with the convention of
    skrec's recommenders (``y[i]`` follows row ``i``): the training rows are
    every user's events before the cutoff without the last one, with that
    last event as ``y`` (users with at least two events before the cutoff);
    the validation rows are the test rows of :func:`temporal_split`. No event
    at or after the cutoff is in a training row.

    Parameters
    ----------
    X : pandas.DataFrame
        Sequence frame.
    cutoff : int, datetime or str
        As in :func:`temporal_split`.

    Returns
    -------
    X_cv : pandas.DataFrame
        Training rows, then validation rows (index: the users, repeated).
    y_cv : ndarray of int64
    cv : PredefinedSplit

    Examples
    --------
    >>> from skrec.model_selection import temporal_split_cv
    >>> from skrec.sequence import make_sequence_frame
    >>> X = make_sequence_frame([[1, 2, 3, 4]], [[0, 1, 2, 9]])
    >>> X_cv, y_cv, cv = temporal_split_cv(X, cutoff=5)
    >>> X_cv["items"].map(len).tolist(), y_cv.tolist(), cv.test_fold.tolist()
    ([2, 3], [3, 4], [-1, 0])
    """
    split = temporal_split(X, cutoff)
    train = to_ragged(split.X_train, allow_empty=True)
    rows = np.flatnonzero(train.lengths >= 2)
    fit_part = train.take(rows)
    history = to_ragged(split.X_test, allow_empty=True)
    if len(rows) == 0 or history.n_sequences == 0:
        raise ValueError(
            f"cutoff={cutoff!r} leaves {len(rows)} training row(s) (users with two "
            f"events before it) and {history.n_sequences} validation row(s) (users "
            "with events on both sides); choose a cutoff inside the data's time span."
        )
    both = Ragged.concat([fit_part.drop_last(1), history])
    index = split.X_train.index[rows].append(split.X_test.index)
    y_cv = np.concatenate([fit_part.last_items(), split.y_test]).astype(np.int64)
    test_fold = np.r_[np.full(len(rows), -1), np.zeros(len(split.X_test), dtype=np.int64)]
    return from_ragged(both, index=index), y_cv, PredefinedSplit(test_fold)
