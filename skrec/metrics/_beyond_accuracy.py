"""Beyond-accuracy metrics of top-k recommendation lists.

Each takes the recommended lists ``y_ranked`` (item ids best first, one row
per user, ``0`` entries are padding), as returned by a recommender's
``recommend(X, k)``, and looks at the first ``k`` items of every list:
how much of the catalogue they cover, how unexpected (unpopular) they are,
how different the items of one list are from each other, and how unevenly
the recommendations are spread over the catalogue.
"""

from numbers import Integral

import numpy as np

from skrec.sequence import check_item_ids

__all__ = [
    "catalog_coverage_at_k",
    "novelty_at_k",
    "intra_list_diversity_at_k",
    "gini_at_k",
]


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _top_k(y_ranked, k):
    lists = np.asarray(y_ranked)
    if lists.ndim != 2:
        raise ValueError(
            "y_ranked must be 2-D, shape (n_users, n_ranked), item ids best first; "
            f"got shape {lists.shape}."
        )
    _check_positive_int(k, "k")
    if k > lists.shape[1]:
        raise ValueError(
            f"k={k} but y_ranked holds only {lists.shape[1]} items per row."
        )
    return check_item_ids(lists[:, :k], "y_ranked")


def _recommendation_counts(lists, n_items):
    _check_positive_int(n_items, "n_items")
    items = lists[lists > 0]
    if len(items) and items.max() > n_items:
        raise ValueError(
            f"y_ranked holds item {int(items.max())} but the catalogue has n_items="
            f"{n_items} (ids 1..n_items)."
        )
    return np.bincount(items, minlength=n_items + 1)[1:]


def catalog_coverage_at_k(y_ranked, *, k=10, n_items):
    """Share of the catalogue that appears in at least one top-``k`` list.

    Parameters
    ----------
    y_ranked : array-like of int of shape (n_users, n_ranked)
        Recommended item ids, best first (``0`` is padding).
    k : int, default=10
        Cut-off.
    n_items : int
        Size of the catalogue (item ids ``1..n_items``).

    Returns
    -------
    coverage : float in [0, 1]

    Examples
    --------
    >>> catalog_coverage_at_k([[1, 2], [2, 3]], k=2, n_items=5)
    0.6
    """
    counts = _recommendation_counts(_top_k(y_ranked, k), n_items)
    return float(np.count_nonzero(counts) / n_items)


def novelty_at_k(y_ranked, *, k=10, item_counts, n_users):
    """Mean self-information ``-log2(p(i))`` of the recommended items.

    ``p(i)`` is the share of users who interacted with item ``i`` in the
    training data; an unpopular recommendation is a novel one. Items without
    any training interaction count as seen by one user (so that their
    self-information is finite and the largest).

    Parameters
    ----------
    y_ranked : array-like of int of shape (n_users, n_ranked)
        Recommended item ids, best first (``0`` is padding, not counted).
    k : int, default=10
        Cut-off.
    item_counts : array-like of shape (n_ids,)
        Number of training users of each item id (index = item id, entry 0
        unused), for example ``np.bincount`` of each user's distinct items.
    n_users : int
        Number of training users.

    Returns
    -------
    novelty : float, in bits

    Examples
    --------
    >>> novelty_at_k([[1, 2]], k=2, item_counts=[0, 4, 1], n_users=4)  # (0 + 2) / 2
    1.0
    """
    lists = _top_k(y_ranked, k)
    counts = np.asarray(item_counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError("item_counts must be a 1-D array of non-negative counts.")
    _check_positive_int(n_users, "n_users")
    items = lists[lists > 0]
    if len(items) == 0:
        return 0.0
    if items.max() >= len(counts):
        raise ValueError(
            f"y_ranked holds item {int(items.max())} but item_counts covers ids "
            f"0..{len(counts) - 1}."
        )
    p = np.maximum(counts[items], 1.0) / n_users
    return float(np.mean(-np.log2(p)))


def intra_list_diversity_at_k(y_ranked, *, k=10, similarity):
    """Mean dissimilarity ``1 - sim(i, j)`` of the item pairs of each list.

    Averaged over the pairs of a list, then over lists (lists with fewer than
    two items are left out).

    Parameters
    ----------
    y_ranked : array-like of int of shape (n_users, n_ranked)
        Recommended item ids, best first (``0`` is padding).
    k : int, default=10
        Cut-off.
    similarity : fitted ItemSimilarity or object with ``similarity(a, b)``
        Vectorized pairwise item similarity in [0, 1].

    Returns
    -------
    diversity : float

    Examples
    --------
    >>> class Same:
    ...     def similarity(self, a, b):
    ...         return (a // 10 == b // 10).astype(float)  # same decade, same kind
    >>> intra_list_diversity_at_k([[11, 12, 21]], k=3, similarity=Same())  # 2 of 3 pairs differ
    0.666...
    """
    lists = _top_k(y_ranked, k)
    n, width = lists.shape
    a_idx, b_idx = np.triu_indices(width, k=1)
    a, b = lists[:, a_idx], lists[:, b_idx]
    valid = (a > 0) & (b > 0)
    n_pairs = valid.sum(axis=1)
    keep = n_pairs > 0
    if not keep.any():
        return 0.0
    sims = np.zeros(a.shape)
    sims[valid] = np.asarray(similarity.similarity(a[valid], b[valid]), dtype=np.float64)
    dissim = np.where(valid, 1.0 - sims, 0.0).sum(axis=1)
    return float(np.mean(dissim[keep] / n_pairs[keep]))


def gini_at_k(y_ranked, *, k=10, n_items):
    """Gini index of how often each catalogue item is recommended.

    0 when every item is recommended equally often; close to 1 when a few
    items take all recommendations (popularity bias).

    Parameters
    ----------
    y_ranked : array-like of int of shape (n_users, n_ranked)
        Recommended item ids, best first (``0`` is padding).
    k : int, default=10
        Cut-off.
    n_items : int
        Size of the catalogue (item ids ``1..n_items``), items never
        recommended included.

    Returns
    -------
    gini : float in [0, 1)

    Examples
    --------
    >>> gini_at_k([[1], [1]], k=1, n_items=2)  # one of two items takes everything
    0.5
    >>> gini_at_k([[1], [2]], k=1, n_items=2)
    0.0
    """
    counts = np.sort(_recommendation_counts(_top_k(y_ranked, k), n_items)).astype(float)
    total = counts.sum()
    if total == 0:
        return 0.0
    i = np.arange(1, n_items + 1)
    return float((2 * np.sum(i * counts)) / (n_items * total) - (n_items + 1) / n_items)
