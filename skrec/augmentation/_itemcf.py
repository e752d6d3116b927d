"""ItemCF and ItemCF-IUF item-item similarity tables (sparse, vectorized)."""

import numpy as np
import scipy.sparse as sp

# Scores closer than this count as ties (ranked by the smaller item id); it
# absorbs the rounding noise of summing the same weights in a different order.
_TIE_DECIMALS = 12


def itemcf_tables(binary, item_counts, *, iuf, n_neighbors):
    """Top-k cosine co-occurrence neighbours of every item.

    Parameters
    ----------
    binary : scipy.sparse.csr_matrix of shape (n_sequences, n_rows)
        1 where a sequence holds an item (rows of the item table are columns).
    item_counts : ndarray of shape (n_rows,)
        Number of sequences holding each item.
    iuf : bool
        Weight each sequence by ``1 / log(1 + |S_u|)`` (ItemCF-IUF).
    n_neighbors : int

    Returns
    -------
    user_item : csc_matrix, user_weights : ndarray, neighbors, scores : ndarray
    """
    if iuf:
        set_sizes = np.diff(binary.indptr)
        with np.errstate(divide="ignore"):
            weights = np.where(set_sizes > 0, 1.0 / np.log1p(np.maximum(set_sizes, 1)), 0.0)
    else:
        weights = np.ones(binary.shape[0])
    co = (binary.T.tocsr() @ sp.diags(weights) @ binary).tocoo()
    rows, cols, vals = co.row, co.col, co.data
    off_diag = (rows != cols) & (vals > 0)
    rows, cols, vals = rows[off_diag], cols[off_diag], vals[off_diag]
    counts = item_counts.astype(np.float64)
    scores = vals / np.sqrt(counts[rows] * counts[cols])
    neighbors, top = _top_k_sparse(rows, cols, scores, binary.shape[1], n_neighbors)
    return binary.tocsc(), weights, neighbors, top


def _user_item_matrix(users, items, n_users, n_items):
    """Binary CSR matrix (n_users, n_items + 1): 1 where a user holds an item."""
    binary = sp.csr_matrix(
        (np.ones(len(items)), (users, items)), shape=(n_users, n_items + 1)
    )
    binary.sum_duplicates()
    binary.data[:] = 1.0
    return binary


def _top_k_sparse(rows, cols, scores, n_rows, k):
    """Top-k columns of every row of a sparse score matrix, without loops.

    Entries are sorted by (row, -score, column); the first ``k`` of each row
    are kept. Rows with fewer entries are filled with the row id (score 0).
    """
    key = np.round(scores, _TIE_DECIMALS)
    order = np.lexsort((cols, -key, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    starts = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=starts[1:])
    rank = np.arange(len(rows)) - starts[rows]
    top = rank < k
    neighbors = np.repeat(np.arange(n_rows, dtype=np.int64)[:, None], k, axis=1)
    values = np.zeros((n_rows, k), dtype=np.float64)
    neighbors[rows[top], rank[top]] = cols[top]
    values[rows[top], rank[top]] = scores[top]
    return neighbors, values
