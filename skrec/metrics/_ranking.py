"""Top-k ranking metrics for next-item recommendation (HR, NDCG, MRR @ k).

Every row has exactly one relevant item, ``y_true[i]``. Predictions come
either as a *score matrix* ``y_score`` of shape ``(n, n_items + 1)`` whose
column ``j`` scores item ``j`` (column 0, the padding id, is never ranked), or
as *ranked lists* ``y_ranked`` of shape ``(n, m)`` holding item ids best
first. Items already seen by a user can be excluded from the ranking.
"""

from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp

from skrec.sequence import Ragged, check_item_ids, segment_ids, to_ragged

__all__ = [
    "rank_of_target",
    "sampled_rank_of_target",
    "hit_rate_at_k",
    "ndcg_at_k",
    "mrr_at_k",
    "ranking_scores",
    "make_ranking_scorer",
]

_TIES = ("pessimistic", "optimistic", "stable")
# Entries of the score matrix compared at once (bounds temporary memory).
_CHUNK_ENTRIES = 1 << 22


# ------------------------------------------------------------------ checking
def _check_y_true(y_true, n_rows=None):
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(
            f"y_true must be 1-D (one relevant item id per row), got shape {y.shape}."
        )
    y = check_item_ids(y, "y_true", min_id=None)
    if n_rows is not None and len(y) != n_rows:
        raise ValueError(
            f"y_true has {len(y)} rows but the predictions have {n_rows}; they "
            "must align row by row."
        )
    if len(y) == 0:
        raise ValueError("y_true is empty; pass at least one row.")
    return check_item_ids(y, "y_true", min_id=1)


def _check_scores(scores):
    s = np.asarray(scores)
    if s.ndim != 2:
        raise ValueError(
            "The score matrix must be 2-D, shape (n_rows, n_items + 1) with column "
            f"j scoring item j; got shape {s.shape}."
        )
    if s.dtype.kind not in "fiub" or s.dtype.kind == "b":
        raise TypeError(f"Scores must be numeric, got dtype {s.dtype}.")
    if s.shape[1] < 2:
        raise ValueError(
            f"The score matrix needs at least 2 columns (padding + one item), got "
            f"{s.shape[1]}."
        )
    return s


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    return int(k)


def _check_ties(ties):
    if ties not in _TIES:
        raise ValueError(f"ties must be one of {_TIES}, got {ties!r}.")


def _seen_pairs(exclude, n_rows, n_columns=None):
    """(rows, items) int64 arrays of the items to exclude, or None.

    With ``n_columns``, an item id beyond the score matrix's columns raises.
    """
    if exclude is None:
        return None
    if isinstance(exclude, pd.DataFrame):
        exclude = to_ragged(exclude, allow_empty_sequences=True, allow_zero_items=True)
    if isinstance(exclude, Ragged):
        n, rows, cols = exclude.n_sequences, segment_ids(exclude.offsets), exclude.items
    elif sp.issparse(exclude):
        coo = sp.coo_array(exclude)
        n = coo.shape[0]
        nz = coo.data != 0
        rows, cols = coo.row[nz], coo.col[nz]
    else:
        seqs = [np.asarray(s).ravel() for s in exclude]
        n = len(seqs)
        lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=n)
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        cols = np.concatenate(seqs) if n and lengths.sum() else np.zeros(0)
        cols = check_item_ids(cols, "exclude", min_id=None)
    if n != n_rows:
        raise ValueError(
            f"exclude describes {n} rows but the predictions have {n_rows}; pass one "
            "seen-item sequence per row."
        )
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols).astype(np.int64)
    if (cols < 0).any():
        raise ValueError("exclude holds negative item ids.")
    if n_columns is not None and (cols >= n_columns).any():
        raise ValueError(
            f"exclude holds item id {int(cols.max())} but the score matrix has only "
            f"{n_columns} columns."
        )
    return rows, cols


# ------------------------------------------------------------------- ranking
def _unique_sorted(keys):
    """Sorted distinct values (a plain sort beats np.unique's hashing here)."""
    keys = np.sort(keys)
    if len(keys) == 0:
        return keys
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])]


def rank_of_target(scores, y_true, *, exclude=None, ties="pessimistic"):
    """Rank of every row's target item under a score matrix (1 = best).

    Column 0 (the padding id) and the items in ``exclude`` are never ranked.
    The computation compares whole blocks of rows at once (no loop over rows).

    Parameters
    ----------
    scores : array-like of shape (n_rows, n_items + 1)
        ``scores[i, j]`` scores item ``j`` for row ``i``; higher is better.
        Must not contain NaN (``+inf``/``-inf`` are allowed).
    y_true : array-like of shape (n_rows,)
        The relevant item of every row, in ``1..n_items``.
    exclude : sequence frame, Ragged, sparse matrix or list of array-like, \
            default=None
        Items not to rank for each row (typically the items the user has
        already seen): a sequence frame (its ``items``), a
        :class:`~skrec.sequence.Ragged`, a sparse matrix of shape
        ``(n_rows, n_items + 1)`` (non-zero entries are excluded) or one
        sequence of item ids per row.
    ties : {"pessimistic", "optimistic", "stable"}, default="pessimistic"
        Rank of the target among items with exactly its score:
        ``"pessimistic"`` puts it after all of them (a constant scorer gets
        the worst rank, never a lucky hit), ``"optimistic"`` before all of
        them, ``"stable"`` orders tied items by ascending item id (the order
        of ``np.argsort(-scores, kind="stable")``).

    Returns
    -------
    ranks : ndarray of shape (n_rows,), dtype float64
        1-based rank of ``y_true[i]`` among the ranked items of row ``i``, or
        ``inf`` when the target itself is excluded (it can never be hit).

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.metrics import rank_of_target
    >>> scores = np.array([[0.0, 0.9, 0.5, 0.5, 0.1],
    ...                    [0.0, 0.2, 0.3, 0.4, 0.1]])
    >>> rank_of_target(scores, [3, 1])
    array([3., 3.])
    >>> rank_of_target(scores, [3, 1], ties="optimistic")
    array([2., 3.])
    >>> rank_of_target(scores, [3, 1], exclude=[[1], [2, 1]])
    array([ 2., inf])
    """
    _check_ties(ties)
    s = _check_scores(scores)
    n, m = s.shape
    y = _check_y_true(y_true, n)
    if (y >= m).any():
        raise ValueError(
            f"y_true holds item id {int(y.max())} but the score matrix has only {m} "
            f"columns (ids 0..{m - 1}); it needs one column per item plus column 0."
        )
    rows_all = np.arange(n)
    target = s[rows_all, y]
    if np.isnan(target).any():
        raise ValueError("The score matrix contains NaN; scores must not be NaN.")
    # ``ahead[i]``: items ranked before the target of row i (before exclusion).
    ahead = np.zeros(n, dtype=np.int64)
    chunk = max(1, _CHUNK_ENTRIES // m)
    cols = np.arange(m)
    for start in range(0, n, chunk):  # blocks of rows, each vectorized
        block = s[start : start + chunk]
        if np.isnan(block.min()):  # min propagates NaN: one cheap pass
            raise ValueError("The score matrix contains NaN; scores must not be NaN.")
        t = target[start : start + chunk, None]
        if ties == "pessimistic":  # better or tied, minus the target itself
            ahead[start : start + chunk] = np.count_nonzero(block >= t, axis=1) - 1
        elif ties == "optimistic":
            ahead[start : start + chunk] = np.count_nonzero(block > t, axis=1)
        else:  # stable: better, or tied with a smaller item id
            yy = y[start : start + chunk, None]
            ahead[start : start + chunk] = np.count_nonzero(
                (block > t) | ((block == t) & (cols < yy)), axis=1
            )
    # Remove what excluded items (column 0 and the seen items) contributed.
    ex_rows, ex_cols = rows_all, np.zeros(n, dtype=np.int64)
    pairs = _seen_pairs(exclude, n, m)
    if pairs is not None:
        r, c = pairs
        ex_rows, ex_cols = np.concatenate([ex_rows, r]), np.concatenate([ex_cols, c])
        key = _unique_sorted(ex_rows * m + ex_cols)  # each (row, item) once
        ex_rows, ex_cols = key // m, key % m
    v, tv = s[ex_rows, ex_cols], target[ex_rows]
    is_target = ex_cols == y[ex_rows]
    if ties == "pessimistic":
        counted = (v >= tv) & ~is_target
    elif ties == "optimistic":
        counted = v > tv
    else:
        counted = (v > tv) | ((v == tv) & (ex_cols < y[ex_rows]))
    ahead -= np.bincount(ex_rows, weights=counted, minlength=n).astype(np.int64)
    ranks = (1 + ahead).astype(np.float64)
    ranks[ex_rows[is_target]] = np.inf
    return ranks


def sampled_rank_of_target(scores, y_true, *, n_negatives=100, exclude=None,
                           candidates=None, ties="pessimistic", random_state=None):
    """Rank of every row's target among ``n_negatives`` sampled items (1 = best).

    **For comparison with papers that evaluate this way only.** Sampled
    evaluation ranks the target against ``n_negatives`` items drawn uniformly
    without replacement (never column 0, the target or an excluded item)
    instead of the whole catalogue; its figures are much higher than full
    ranking and can order models differently (Krichene and Rendle, "On
    Sampled Metrics for Item Recommendation", KDD 2020). skrec's own
    evaluation is full ranking (:func:`rank_of_target`).

    Parameters
    ----------
    scores : array-like of shape (n_rows, n_items + 1)
        As in :func:`rank_of_target`.
    y_true : array-like of shape (n_rows,)
        The relevant item of every row.
    n_negatives : int, default=100
        Items drawn per row (100 is the usual choice of the papers that
        sample).
    exclude : sequence frame, Ragged, sparse matrix or list of array-like, \
            default=None
        Items never drawn for a row (the user's seen items), as in
        :func:`rank_of_target`.
    candidates : array-like of int or None, default=None
        Item ids that may be drawn (for example a model's ``items_``);
        ``None`` means every id ``1..n_items``.
    ties : {"pessimistic", "optimistic"}, default="pessimistic"
        Rank of the target among sampled items of exactly its score.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the draw; the same value gives the same negatives.

    Returns
    -------
    ranks : ndarray of shape (n_rows,), dtype float64
        In ``1..n_negatives + 1``; ``inf`` when the target is excluded.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.metrics import sampled_rank_of_target
    >>> scores = np.array([[0.0, 0.9, 0.5, 0.4, 0.1]])
    >>> # every other item is drawn: the full rank
    >>> sampled_rank_of_target(scores, [3], n_negatives=3, random_state=0)
    array([3.])
    >>> # only item 4 may be drawn: the target beats it
    >>> sampled_rank_of_target(scores, [3], n_negatives=1, candidates=[3, 4],
    ...                        random_state=0)
    array([1.])
    """
    from skrec.utils._random import check_generator

    if ties not in ("pessimistic", "optimistic"):
        raise ValueError(f"ties must be 'pessimistic' or 'optimistic', got {ties!r}.")
    if not isinstance(n_negatives, Integral) or isinstance(n_negatives, bool) or (
        n_negatives < 1
    ):
        raise ValueError(f"n_negatives must be a positive integer, got {n_negatives!r}.")
    s = _check_scores(scores)
    n, m = s.shape
    y = _check_y_true(y_true, n)
    if (y >= m).any():
        raise ValueError(
            f"y_true holds item id {int(y.max())} but the score matrix has only {m} "
            "columns."
        )
    allowed = np.zeros(m, dtype=bool)
    if candidates is None:
        allowed[1:] = True
    else:
        cand = check_item_ids(np.asarray(candidates).ravel(), "candidates", min_id=1)
        if (cand >= m).any():
            raise ValueError(
                f"candidates hold item id {int(cand.max())} but the score matrix has "
                f"only {m} columns."
            )
        allowed[cand] = True
    pool = np.flatnonzero(allowed)
    target = s[np.arange(n), y]
    if np.isnan(target).any():
        raise ValueError("The score matrix contains NaN; scores must not be NaN.")
    # Excluded (row, item) pairs as sorted keys row * m + item, allowed items only.
    pairs = _seen_pairs(exclude, n, m)
    if pairs is not None:
        r, c = pairs
        keys = _unique_sorted(r * m + c)
    else:
        keys = np.zeros(0, dtype=np.int64)
    rows_k, items_k = keys // m, keys % m
    hit_excluded = np.zeros(n, dtype=bool)
    hit_excluded[rows_k[items_k == y[rows_k]]] = True
    # Items each row may draw: the pool minus its excluded items and its target.
    blocked = np.bincount(rows_k[allowed[items_k]], minlength=n)
    available = len(pool) - blocked - (allowed[y] & ~hit_excluded)
    if (available < n_negatives).any():
        raise ValueError(
            f"A row has only {int(available.min())} items to draw from, fewer than "
            f"n_negatives={n_negatives}; lower n_negatives."
        )
    rng = check_generator(random_state)
    # Rejection sampling, vectorized: draw from the pool, then redraw every
    # entry that is the row's target, an excluded item or a repeat of an
    # earlier entry of its row, until none is left. Each accepted entry is
    # uniform over the items not yet taken, so every row gets a uniform
    # sample without replacement.
    drawn = pool[rng.integers(0, len(pool), size=(n, n_negatives))]
    rows = np.repeat(np.arange(n), n_negatives).reshape(n, n_negatives)
    while True:
        bad = drawn == y[:, None]
        if len(keys):
            flat = rows * m + drawn
            at = np.minimum(np.searchsorted(keys, flat), len(keys) - 1)
            bad |= keys[at] == flat
        order = np.argsort(drawn, axis=1, kind="stable")
        sorted_ = np.take_along_axis(drawn, order, axis=1)
        repeat = np.zeros_like(bad)
        repeat[:, 1:] = sorted_[:, 1:] == sorted_[:, :-1]
        dup = np.zeros_like(bad)
        np.put_along_axis(dup, order, repeat, axis=1)
        bad |= dup
        n_bad = int(bad.sum())
        if n_bad == 0:
            break
        drawn[bad] = pool[rng.integers(0, len(pool), size=n_bad)]
    neg = s[rows, drawn]
    t = target[:, None]
    better = (neg >= t) if ties == "pessimistic" else (neg > t)
    ranks = 1.0 + np.count_nonzero(better, axis=1)
    ranks[hit_excluded] = np.inf
    return ranks


def _rank_in_lists(y_ranked, y_true, exclude):
    lists = np.asarray(y_ranked)
    if lists.ndim != 2:
        raise ValueError(
            "y_ranked must be 2-D, shape (n_rows, n_ranked), item ids best first; "
            f"got shape {lists.shape}."
        )
    lists = check_item_ids(lists, "y_ranked")
    n = lists.shape[0]
    y = _check_y_true(y_true, n)
    srt = np.sort(lists, axis=1)
    dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] != 0)
    if dup.any():
        row = int(np.flatnonzero(dup.any(axis=1))[0])
        raise ValueError(
            f"Row {row} of y_ranked lists an item twice; a ranking holds each item "
            "at most once."
        )
    valid = lists != 0  # 0 is padding: not an item
    pairs = _seen_pairs(exclude, n)
    if pairs is not None and len(pairs[0]):
        r, c = pairs
        width = int(max(lists.max(), c.max())) + 1
        seen_keys = _unique_sorted(r * width + c)
        query = np.arange(n, dtype=np.int64)[:, None] * width + lists
        pos = np.minimum(np.searchsorted(seen_keys, query), len(seen_keys) - 1)
        valid &= seen_keys[pos] != query
    hit = valid & (lists == y[:, None])
    found = hit.any(axis=1)
    pos = hit.argmax(axis=1)
    before = np.cumsum(valid, axis=1)[np.arange(n), pos]
    return np.where(found, before, np.inf).astype(np.float64)


def _ranks(y_true, y_score, y_ranked, exclude, ties, k):
    k = _check_k(k)
    _check_ties(ties)
    if (y_score is None) == (y_ranked is None):
        raise TypeError("Pass exactly one of y_score (scores) and y_ranked (lists).")
    if y_score is not None:
        return rank_of_target(y_score, y_true, exclude=exclude, ties=ties), k
    width = np.shape(y_ranked)[1] if np.ndim(y_ranked) == 2 else None
    if width is not None and k > width:
        raise ValueError(
            f"k={k} but y_ranked holds only {width} items per row; the metric at "
            f"k={k} needs at least k ranked items."
        )
    return _rank_in_lists(y_ranked, y_true, exclude), k


def _gains(ranks, k, metric):
    """Per-row gain of 1-based ``ranks`` (``inf`` = a miss) at cut-off ``k``.

    The one place where HIT, NDCG and MRR are computed from ranks.
    """
    hit = ranks <= k
    if metric == "hit":
        return hit.astype(np.float64)
    safe = np.where(hit, ranks, 1.0)
    if metric == "ndcg":
        return np.where(hit, 1.0 / np.log2(safe + 1.0), 0.0)
    return np.where(hit, 1.0 / safe, 0.0)  # "mrr"


def ranking_scores(ranks, ks=(10,), metrics=("hit", "ndcg")):
    """HIT@k, NDCG@k and MRR@k of precomputed target ranks.

    The names are those of the whole of skrec: ``"hit@10"``, ``"ndcg@10"``,
    ``"mrr@10"``, as returned by a recommender's ``evaluate`` and recorded (as
    ``"valid_hit@10"``, ...) in its training history.

    Parameters
    ----------
    ranks : array-like of shape (n_rows,)
        1-based rank of every row's target; ``inf`` for a miss (an excluded
        or unknown target), as :func:`rank_of_target` returns.
    ks : int or sequence of int, default=(10,)
        Cut-offs.
    metrics : sequence of {"hit", "ndcg", "mrr"}, default=("hit", "ndcg")
        Which metrics, in this order for every cut-off.

    Returns
    -------
    scores : dict
        ``{"hit@k": float, "ndcg@k": float, ...}`` for every ``k`` in ``ks``;
        0.0 for an empty ``ranks``.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.metrics import ranking_scores
    >>> ranks = np.array([1, 3, np.inf])
    >>> scores = ranking_scores(ranks, ks=(1, 5))
    >>> scores["hit@1"], scores["hit@5"], round(scores["ndcg@5"], 4)
    (0.3333333333333333, 0.6666666666666666, 0.5)
    """
    ranks = np.asarray(ranks, dtype=np.float64).ravel()
    ks = (ks,) if isinstance(ks, Integral) else tuple(ks)
    out = {}
    for k in ks:
        k = _check_k(k)
        for metric in metrics:
            if metric not in ("hit", "ndcg", "mrr"):
                raise ValueError(
                    f"metrics must be among 'hit', 'ndcg' and 'mrr', got {metric!r}."
                )
            out[f"{metric}@{k}"] = (
                float(_gains(ranks, k, metric).mean()) if len(ranks) else 0.0
            )
    return out


def _average(gains, sample_weight):
    if sample_weight is None:
        return float(gains.mean())
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != gains.shape:
        raise ValueError(f"sample_weight has shape {w.shape}, expected {gains.shape}.")
    return float(np.average(gains, weights=w))


_PARAMS_DOC = """
    Parameters
    ----------
    y_true : array-like of shape (n_rows,)
        The relevant (held-out next) item of every row.
    y_score : array-like of shape (n_rows, n_items + 1), default=None
        Score matrix, column ``j`` scoring item ``j`` (column 0 is padding and
        never ranked). Pass this or ``y_ranked``.
    k : int, default=10
        Cut-off of the top-k list.
    y_ranked : array-like of int of shape (n_rows, n_ranked), default=None
        Item ids ranked best first (``0`` entries are padding and skipped);
        ``n_ranked`` must be at least ``k``. Pass this or ``y_score``.
    exclude : sequence frame, Ragged, sparse matrix or list, default=None
        Items not to rank for each row, typically the input sequences (see
        :func:`rank_of_target`). Excluded items are removed before ranking;
        an excluded target counts as a miss.
    ties : {"pessimistic", "optimistic", "stable"}, default="pessimistic"
        How a target tied with other items is ranked (score matrices only;
        see :func:`rank_of_target`).
    sample_weight : array-like of shape (n_rows,), default=None
        Row weights of the average.
"""


def hit_rate_at_k(
    y_true,
    y_score=None,
    *,
    k=10,
    y_ranked=None,
    exclude=None,
    ties="pessimistic",
    sample_weight=None,
):
    """Share of rows whose target is among the top ``k`` items (HR@k).

    With one relevant item per row this equals recall@k.
    {params}
    Returns
    -------
    score : float
        Mean of ``rank <= k`` over rows, in [0, 1].

    Examples
    --------
    >>> from skrec.metrics import hit_rate_at_k
    >>> hit_rate_at_k([3, 1], y_ranked=[[2, 3, 4], [4, 2, 3]], k=2)
    0.5
    >>> hit_rate_at_k([3, 1], [[0, .9, .5, .7], [0, .8, .1, .3]], k=1)
    0.5
    """
    ranks, k = _ranks(y_true, y_score, y_ranked, exclude, ties, k)
    return _average(_gains(ranks, k, "hit"), sample_weight)


def ndcg_at_k(
    y_true,
    y_score=None,
    *,
    k=10,
    y_ranked=None,
    exclude=None,
    ties="pessimistic",
    sample_weight=None,
):
    """Normalized discounted cumulative gain at ``k`` (NDCG@k).

    With one relevant item the ideal DCG is 1, so a row scores
    ``1 / log2(rank + 1)`` when its target's rank is at most ``k`` and 0
    otherwise.
    {params}
    Returns
    -------
    score : float
        Mean over rows, in [0, 1].

    References
    ----------
    .. [1] K. Järvelin and J. Kekäläinen, "Cumulated gain-based evaluation of
       IR techniques", ACM TOIS 20(4), 2002.

    Examples
    --------
    >>> from skrec.metrics import ndcg_at_k
    >>> ndcg_at_k([3, 1], y_ranked=[[2, 3, 4], [4, 2, 3]], k=2)  # (1/log2(3) + 0) / 2
    0.315...
    """
    ranks, k = _ranks(y_true, y_score, y_ranked, exclude, ties, k)
    return _average(_gains(ranks, k, "ndcg"), sample_weight)


def mrr_at_k(
    y_true,
    y_score=None,
    *,
    k=10,
    y_ranked=None,
    exclude=None,
    ties="pessimistic",
    sample_weight=None,
):
    """Mean reciprocal rank truncated at ``k`` (MRR@k).

    A row scores ``1 / rank`` when its target's rank is at most ``k`` and 0
    otherwise.
    {params}
    Returns
    -------
    score : float
        Mean over rows, in [0, 1].

    Examples
    --------
    >>> from skrec.metrics import mrr_at_k
    >>> mrr_at_k([3, 1], y_ranked=[[2, 3, 4], [1, 2, 3]], k=2)  # (1/2 + 1) / 2
    0.75
    """
    ranks, k = _ranks(y_true, y_score, y_ranked, exclude, ties, k)
    return _average(_gains(ranks, k, "mrr"), sample_weight)


for _f in (hit_rate_at_k, ndcg_at_k, mrr_at_k):
    _f.__doc__ = _f.__doc__.replace("{params}", _PARAMS_DOC)

_METRICS = {"hit": hit_rate_at_k, "hit_rate": hit_rate_at_k, "ndcg": ndcg_at_k,
            "mrr": mrr_at_k}


def _top_k_lists(scores, k, exclude):
    """Top-``k`` item ids of every row of a score matrix (0 where nothing is left)."""
    scores = np.array(scores, dtype=np.float64)
    scores[:, 0] = -np.inf  # the padding column is never an item
    pairs = _seen_pairs(exclude, scores.shape[0])
    if pairs is not None and len(pairs[0]):
        rows, cols = pairs
        inside = cols < scores.shape[1]
        scores[rows[inside], cols[inside]] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.where(np.isfinite(np.take_along_axis(scores, order, axis=1)), order, 0)


def _list_metric(metric, scores, k, exclude, params):
    from skrec.metrics._beyond_accuracy import (
        catalog_coverage_at_k,
        gini_at_k,
        intra_list_diversity_at_k,
        novelty_at_k,
    )

    lists = _top_k_lists(scores, k, exclude)
    params = dict(params)
    if metric in ("coverage", "neg_gini"):
        # The catalogue: every item the model can score (finite somewhere).
        params.setdefault("n_items", int(np.isfinite(scores[:, 1:]).any(axis=0).sum()))
        params["n_items"] = max(params["n_items"], int(lists.max(initial=0)))
    fn = {"coverage": catalog_coverage_at_k, "novelty": novelty_at_k,
          "diversity": intra_list_diversity_at_k, "neg_gini": gini_at_k}[metric]
    value = fn(lists, k=k, **params)
    return -value if metric == "neg_gini" else value


class _RankingScorer:
    """Scorer ``(estimator, X, y) -> float`` built by :func:`make_ranking_scorer`."""

    def __init__(self, metric, k, exclude_seen, ties, metric_params=None):
        self.metric = metric
        self.k = k
        self.exclude_seen = exclude_seen
        self.ties = ties
        self.metric_params = dict(metric_params or {})

    def __call__(self, estimator, X, y_true, sample_weight=None):
        scores = estimator.decision_function(X)
        exclude = X if self.exclude_seen else None
        if self.metric in _LIST_METRICS:
            return _list_metric(self.metric, scores, self.k, exclude, self.metric_params)
        return _METRICS[self.metric](
            y_true,
            scores,
            k=self.k,
            exclude=exclude,
            ties=self.ties,
            sample_weight=sample_weight,
        )

    def __repr__(self):
        extra = "".join(f", {k}=..." for k in self.metric_params)
        return (
            f"make_ranking_scorer(metric={self.metric!r}, k={self.k}, "
            f"exclude_seen={self.exclude_seen}, ties={self.ties!r}{extra})"
        )


_LIST_METRICS = ("coverage", "novelty", "diversity", "neg_gini")
_LIST_PARAMS = {"coverage": set(), "neg_gini": set(), "novelty": {"item_counts", "n_users"},
                "diversity": {"similarity"}}


def make_ranking_scorer(metric="ndcg", *, k=10, exclude_seen=True, ties="pessimistic",
                        **metric_params):
    """Make a scikit-learn scorer from a top-k ranking metric.

    The scorer calls ``estimator.decision_function(X)``, which must return a
    score matrix of shape ``(len(X), n_items + 1)`` (column ``j`` scores item
    ``j`` as the next item of row ``i``), ranks all items and compares with
    ``y`` (the next item of every row). Use it as ``scoring=`` of
    ``GridSearchCV`` or ``cross_validate``, alone or in a dict; together with
    :func:`skrec.model_selection.leave_last_out_cv` it runs the full-ranking
    leave-last-out protocol.

    Parameters
    ----------
    metric : str, default="ndcg"
        Accuracy of the next item: ``"ndcg"``, ``"hit"`` or ``"mrr"``
        (:func:`ndcg_at_k`, :func:`hit_rate_at_k`, :func:`mrr_at_k`; named as
        in :func:`ranking_scores`; ``"hit_rate"`` is accepted for ``"hit"``).
        Beyond accuracy, computed on the top-``k`` lists (``y`` is not used):
        ``"coverage"`` (:func:`catalog_coverage_at_k`; the catalogue is every
        item the model scores), ``"novelty"`` (:func:`novelty_at_k`, needs
        ``item_counts`` and ``n_users``), ``"diversity"``
        (:func:`intra_list_diversity_at_k`, needs ``similarity``) and
        ``"neg_gini"`` (minus :func:`gini_at_k`, so that greater is better).
    k : int, default=10
        Cut-off.
    exclude_seen : bool, default=True
        Exclude the items of each row's input sequence (``X["items"]``) from
        the ranking, as the standard protocol does.
    ties : {"pessimistic", "optimistic", "stable"}, default="pessimistic"
        Tie rule, see :func:`rank_of_target`.
    **metric_params
        Extra arguments of the beyond-accuracy metrics (``item_counts``,
        ``n_users``, ``similarity``, ``n_items``).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``, greater is
        better; picklable.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.metrics import make_ranking_scorer
    >>> from skrec.sequence import make_sequence_frame
    >>> class Fixed:
    ...     def decision_function(self, X):
    ...         return np.tile([0.0, 4, 3, 2, 1], (len(X), 1))
    >>> X = make_sequence_frame([[1], [2, 3]])
    >>> scorer = make_ranking_scorer("hit", k=1)
    >>> scorer(Fixed(), X, [2, 4])  # row 1 excludes 1 -> 2 first; row 2 -> 1 first
    0.5
    >>> make_ranking_scorer("hit", k=1, exclude_seen=False)(Fixed(), X, [2, 4])
    0.0
    """
    if metric not in _METRICS and metric not in _LIST_METRICS:
        raise ValueError(
            f"metric must be one of {sorted(_METRICS) + list(_LIST_METRICS)}, got "
            f"{metric!r}."
        )
    needed = _LIST_PARAMS.get(metric, set())
    allowed = needed | ({"n_items"} if metric in ("coverage", "neg_gini") else set())
    missing, unknown = needed - set(metric_params), set(metric_params) - allowed
    if missing or unknown:
        raise TypeError(
            f"make_ranking_scorer({metric!r}) needs {sorted(needed) or 'no extra'} "
            f"arguments; missing {sorted(missing)}, unexpected {sorted(unknown)}."
        )
    _check_k(k)
    _check_ties(ties)
    if not isinstance(exclude_seen, (bool, np.bool_)):
        raise TypeError(f"exclude_seen must be a bool, got {exclude_seen!r}.")
    return _RankingScorer(metric, int(k), bool(exclude_seen), ties, metric_params)
