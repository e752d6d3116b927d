"""The sequence-frame contract, as checks any estimator on sequence frames can run.

scikit-learn's :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`
skips almost everything for estimators whose input is not a 2-D array (their
tags say ``input_tags.two_d_array=False``). These checks cover what such an
estimator owes its users instead: clone and parameters, pickling, determinism
under ``random_state``, the index of the input preserved, the input never
modified, and bad input rejected with a clear error.

Examples
--------
>>> from skrec.augmentation import TiCrop
>>> from skrec.utils.estimator_checks import check_sequence_estimator
>>> check_sequence_estimator(TiCrop(random_state=0))
"""

import pickle
import re

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import clone

from skrec.sequence import ITEMS, TIMESTAMPS, make_sequence_frame

__all__ = [
    "check_sequence_estimator",
    "make_contract_frame",
    "sequence_checks",
]


def make_contract_frame(n_users=40, n_items=25, max_length=15, random_state=0):
    """A small, varied sequence frame for contract checks.

    Lengths run from 3 to ``max_length`` (so that leave-last-out and every
    operator have work to do), timestamps are day-granular with many ties, and
    the index holds non-default user labels so that lost indices show.

    Parameters
    ----------
    n_users, n_items, max_length : int
        Size of the frame.
    random_state : int, default=0
        Seed.

    Returns
    -------
    X : pandas.DataFrame
        Sequence frame indexed by strings ``"u000"``, ``"u001"``, ...

    Examples
    --------
    >>> X = make_contract_frame(n_users=5)
    >>> X.shape, X.index[0]
    ((5, 2), 'u000')
    """
    rng = np.random.default_rng(random_state)
    lengths = rng.integers(3, max_length + 1, size=n_users)
    items, times = [], []
    for n in lengths:
        # A repeating walk over the catalogue keeps the data learnable and gives
        # the item-similarity model co-occurrences to find.
        start = rng.integers(1, n_items + 1)
        items.append((start - 1 + np.arange(n) + rng.integers(0, 2, n)) % n_items + 1)
        times.append(np.cumsum(rng.choice([0, 0, 86400, 172800, 864000], size=n)))
    return make_sequence_frame(items, times, index=[f"u{i:03d}" for i in range(n_users)])


def _frames_equal(a, b):
    if not isinstance(a, pd.DataFrame) or not isinstance(b, pd.DataFrame):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if list(a.index) != list(b.index) or list(a.columns) != list(b.columns):
        return False
    for col in (ITEMS, TIMESTAMPS):
        if col in a.columns:
            for x, y in zip(a[col], b[col]):
                if not np.array_equal(np.asarray(x), np.asarray(y)):
                    return False
    return True


def _output(estimator, X):
    """Fit ``estimator`` on ``X`` and return what it produces on ``X``."""
    if hasattr(estimator, "fit_resample"):
        y = np.zeros(len(X), dtype=int)
        X_res, y_res = estimator.fit_resample(X, y)
        return X_res
    estimator.fit(X)
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    if hasattr(estimator, "predict"):
        return estimator.predict(X)
    fitted = {k: v for k, v in vars(estimator).items() if k.endswith("_")}
    return fitted


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, pd.DataFrame):
        return _frames_equal(a, b)
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b)
    if sparse.issparse(a):
        return a.shape == b.shape and (a != b).nnz == 0
    if hasattr(a, "get_params"):  # fitted sub-estimators: compared by their own checks
        return type(a) is type(b)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - objects without a usable equality
        return True


def _fitted_attributes(estimator):
    return {k for k in vars(estimator) if k.endswith("_") and not k.startswith("_")}


def _is_fitted(estimator):
    if hasattr(estimator, "__sklearn_is_fitted__"):
        return bool(estimator.__sklearn_is_fitted__())
    return False


def check_clone_and_params(estimator, X):
    """Parameters round-trip through ``get_params``/``set_params``/``clone``.

    A clone of a *fitted* estimator has the same parameters and none of the
    fitted state: the same trailing-underscore attributes as a freshly built
    instance (skorch nets set a few bookkeeping ones in ``__init__``).
    """
    params = estimator.get_params(deep=False)
    fresh = clone(estimator)
    fresh_attributes = _fitted_attributes(fresh)
    fitted = clone(estimator)
    _output(fitted, X)
    cloned = clone(fitted)
    leaked = _fitted_attributes(cloned) - fresh_attributes
    assert not leaked and not _is_fitted(cloned), (
        f"clone() of a fitted estimator must be unfitted; it kept {sorted(leaked)}"
    )
    assert cloned.get_params(deep=False).keys() == params.keys()
    cloned.set_params(**params)
    for key, value in params.items():
        assert cloned.get_params(deep=False)[key] is value, key


def check_deterministic(estimator, X):
    """The same ``random_state`` gives bit-identical results."""
    if "random_state" not in estimator.get_params():
        return
    first = _output(clone(estimator).set_params(random_state=0), X)
    second = _output(clone(estimator).set_params(random_state=0), X)
    assert _same(first, second), "same random_state gave different results"


def check_pickle_round_trip(estimator, X):
    """A fitted estimator survives pickling and gives the same results."""
    est = clone(estimator)
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    before = _output(est, X)
    restored = pickle.loads(pickle.dumps(est))
    if hasattr(est, "transform"):
        after = restored.transform(X)
        again = est.transform(X)
        assert _same(after, again), "pickled transformer transforms differently"
    elif hasattr(est, "predict"):
        assert _same(restored.predict(X), before)
    else:
        assert _same({k: v for k, v in vars(restored).items() if k.endswith("_")},
                     {k: v for k, v in vars(est).items() if k.endswith("_")})


def check_input_not_modified(estimator, X):
    """Neither ``fit`` nor the output methods modify the input frame."""
    snapshot = pickle.dumps(X)
    est = clone(estimator)
    _output(est, X)
    assert pickle.dumps(X) == snapshot, "the input frame was modified"


def check_index_preserved(estimator, X):
    """Row-wise outputs keep the index (frames) or the row count (arrays)."""
    est = clone(estimator)
    out = _output(est, X)
    if hasattr(est, "fit_resample"):
        # Like imbalanced-learn, samplers return a fresh RangeIndex; the original
        # rows come first and unchanged.
        head = out.iloc[: len(X)].set_axis(X.index)
        assert _frames_equal(head, X[list(out.columns)]), "original rows not kept first"
    elif isinstance(out, pd.DataFrame):
        assert list(out.index) == list(X.index), "the index of X was not kept"
    elif isinstance(out, np.ndarray):
        assert len(out) == len(X)


def _bad_frames(X):
    first = X.index[0]
    unsorted = X.copy()
    unsorted[TIMESTAMPS] = unsorted[TIMESTAMPS].copy()
    n_first = len(X.at[first, TIMESTAMPS])
    unsorted.at[first, TIMESTAMPS] = 10 * np.arange(n_first, 0, -1)  # decreasing
    nan = X.copy()
    nan[TIMESTAMPS] = nan[TIMESTAMPS].copy()
    bad = nan.at[first, TIMESTAMPS].astype(float)
    bad[0] = np.nan
    nan.at[first, TIMESTAMPS] = bad
    mismatched = X.copy()
    mismatched[ITEMS] = mismatched[ITEMS].copy()
    mismatched.at[first, ITEMS] = mismatched.at[first, ITEMS][:-1]
    negative = X.copy()
    negative[ITEMS] = negative[ITEMS].copy()
    neg = negative.at[first, ITEMS].copy()
    neg[0] = -4
    negative.at[first, ITEMS] = neg
    return {
        "missing column": (X[[ITEMS]], "missing column"),
        "not a frame": (np.zeros((3, 2)), "sequence frame"),
        "empty frame": (X.iloc[:0], "empty"),
        "unsorted timestamps": (unsorted, "sorted"),
        "NaN timestamps": (nan, "NaN"),
        "mismatched lengths": (mismatched, "different lengths"),
        "negative item ids": (negative, "negative|positive"),
    }


def check_bad_input_rejected(estimator, X):
    """Malformed frames raise a ValueError/TypeError that names the problem."""
    for label, (bad, pattern) in _bad_frames(X).items():
        est = clone(estimator)
        try:
            _output(est, bad)
        except (ValueError, TypeError) as exc:
            assert re.search(pattern, str(exc), re.IGNORECASE), (
                f"{label}: error message {str(exc)!r} does not name the problem"
            )
        else:
            raise AssertionError(f"{label}: no error was raised")


_CHECKS = (
    check_clone_and_params,
    check_deterministic,
    check_pickle_round_trip,
    check_input_not_modified,
    check_index_preserved,
    check_bad_input_rejected,
)


def sequence_checks():
    """The contract checks, as a tuple of ``check(estimator, X)`` functions.

    Returns
    -------
    checks : tuple of callables

    Examples
    --------
    >>> [c.__name__ for c in sequence_checks()][:2]
    ['check_clone_and_params', 'check_deterministic']
    """
    return _CHECKS


def check_sequence_estimator(estimator, X=None):
    """Run every sequence-frame contract check on ``estimator``.

    Parameters
    ----------
    estimator : estimator instance
        A transformer, sampler, recommender or other estimator whose input is a
        sequence frame.
    X : pandas.DataFrame, default=None
        Data to check on; :func:`make_contract_frame` by default.

    Raises
    ------
    AssertionError
        Naming the first check that fails.

    See Also
    --------
    sequence_checks : The individual checks, e.g. to parametrize a test.

    Examples
    --------
    >>> from skrec.augmentation import RandomMask
    >>> from skrec.utils.estimator_checks import (
    ...     check_sequence_estimator, make_contract_frame)
    >>> check_sequence_estimator(RandomMask(random_state=0),
    ...                          make_contract_frame(n_users=8))
    """
    X = make_contract_frame() if X is None else X
    for check in _CHECKS:
        check(estimator, X)
