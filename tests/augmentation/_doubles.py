"""Test doubles and reference implementations shared by the augmentation tests."""

from fractions import Fraction

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator


class ShiftSimilarity(BaseEstimator):
    """Similarity double: the r-th most similar item of ``i`` is ``i + 100 * r``.

    Masked/unknown id 0 maps to itself, like ItemSimilarity.
    """

    def __init__(self, n_neighbors=3):
        self.n_neighbors = n_neighbors

    def fit(self, X, y=None):
        self.n_fit_rows_ = len(X)
        return self

    def most_similar(self, items, k=1):
        items = np.asarray(items, dtype=np.int64)
        out = items[:, None] + 100 * np.arange(1, k + 1, dtype=np.int64)[None, :]
        return np.where(items[:, None] == 0, 0, out)


def frame(items, times=None, index=None):
    """A sequence frame from lists (uniform timestamps by default).

    Built without validation so that masked items (id 0) can be written.
    """
    if times is None:
        times = [list(range(len(s))) for s in items]
    return pd.DataFrame(
        {"items": _cells(items), "timestamps": _cells(times)}, index=index
    )


def _cells(seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = np.asarray(s, dtype=np.int64)
    return out


def cells(X, column="items"):
    """The column of a sequence frame as a list of Python lists."""
    return [np.asarray(c).tolist() for c in X[column]]


def exact_window_variances(t, L):
    """``m**2 * variance`` of the gaps of each window of L items, as Fractions."""
    g = [Fraction(b - a) for a, b in zip(t[:-1], t[1:])]
    out = []
    for s in range(len(t) - L + 1):
        w = g[s : s + L - 1]
        m = len(w)
        mean = sum(w) / m
        out.append(sum((x - mean) ** 2 for x in w) / m)
    return out


def reference_ti_window(t, L, mode):
    """Brute-force start of the Ti window (L >= 3): extreme variance, most recent."""
    var = exact_window_variances(t, L)
    best = min(var) if mode == "minimum" else max(var)
    return max(s for s, v in enumerate(var) if v == best)


def reference_before_gaps(t, k, mode):
    """Brute-force positions preceding the k smallest/largest gaps (stable)."""
    g = [b - a for a, b in zip(t[:-1], t[1:])]
    order = sorted(range(len(g)), key=lambda j: (g[j] if mode == "minimum" else -g[j], j))
    return sorted(order[:k])
