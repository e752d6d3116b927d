"""The item-similarity facade: one estimator over ItemCF, Item2Vec and hybrid.

:class:`ItemSimilarity` learns, from training sequences only, which items are
most similar to each item, and stores the answer as a dense table
``neighbors_[row, rank]`` over a compact vocabulary. Substitute and insert
operators then look up the most similar items of whole data sets at once with
one fancy-indexing step. The models themselves are in :mod:`._itemcf` and
:mod:`._item2vec`; the hybrid's table merge is here.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skrec.sequence import (
    ItemVocabulary,
    check_item_ids,
    check_ragged,
    check_sequence_frame,
    segment_ids,
)
from skrec.utils._random import torch_seed

from ._item2vec import item2vec_tables
from ._itemcf import _user_item_matrix, itemcf_tables

__all__ = ["ItemSimilarity"]

_BASE_METHODS = ("itemcf", "itemcf_iuf", "item2vec")


class ItemSimilarity(BaseEstimator):
    """Item-item similarity with a precomputed top-k neighbour table.

    Fitted on the *training* part of sequences (a sequence frame, or a
    :class:`~skrec.sequence.Ragged` with :meth:`fit_ragged`), the model stores,
    for every item of its vocabulary :attr:`items_`, the ``n_neighbors`` most
    similar other items. Tables are sized by the number of distinct items,
    never by the largest id. :meth:`most_similar` is a vectorized lookup in
    that table; it is what Ti-Substitute and Ti-Insert call.

    Read more in the :ref:`User Guide <item_similarity>`.

    Parameters
    ----------
    method : {"itemcf", "itemcf_iuf", "item2vec", "hybrid"}, default="itemcf_iuf"
        Similarity model.

        - ``"itemcf"``: item-based collaborative filtering, the cosine of the
          binary user-item columns,
          ``sim(a, b) = co(a, b) / sqrt(N(a) N(b))`` where ``co(a, b)`` counts
          the users holding both items and ``N(a)`` the users holding ``a``
          (each user's *set* of items counts, repeats do not).
        - ``"itemcf_iuf"``: as ``"itemcf"``, but each user adds
          ``1 / log(1 + |S_u|)`` to ``co(a, b)`` instead of 1, with ``|S_u|``
          the number of distinct items of the user ("inverse user
          frequency"), so very active users weigh less.
        - ``"item2vec"``: skip-gram embeddings with negative sampling over the
          training sequences; similarity is the cosine of the embeddings.
        - ``"hybrid"``: fits the two models of ``hybrid_methods``; for each
          query item it uses the model whose normalised top-1 score is higher
          (see Notes).
    n_neighbors : int, default=20
        Number of neighbours stored per item (the largest ``k`` that
        :meth:`most_similar` accepts).
    hybrid_methods : tuple of two str, default=("itemcf_iuf", "item2vec")
        The two base methods combined by ``method="hybrid"``; ignored
        otherwise.
    embedding_dim : int, default=64
        Item2Vec embedding size.
    window : int, default=3
        Item2Vec context window: items at most ``window`` positions apart in a
        sequence form (centre, context) pairs.
    negative : int, default=5
        Item2Vec negative samples per positive pair, drawn from the item
        frequencies raised to the power 0.75.
    epochs : int, default=3
        Item2Vec passes over all pairs. On Beauty, 3 epochs take a few seconds
        on one core; 5 epochs with ``learning_rate=0.01`` give neighbours that
        co-occur with the query somewhat more often, at about twice the cost.
    batch_size : int, default=4096
        Item2Vec pairs per optimisation step.
    learning_rate : float, default=0.02
        Item2Vec Adam step size.
    block_size : int, default=2048
        Query rows per block when ranking Item2Vec cosine similarities; memory
        is ``O(block_size * n_items)``, never ``O(n_items ** 2)``.
    verbose : int, default=0
        If positive, print the Item2Vec loss after every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds Item2Vec's initialisation, shuffling and negative sampling (a
        :class:`torch.Generator` is seeded from it). ItemCF is deterministic.

    Attributes
    ----------
    items_ : ndarray of shape (n_items + 1,), dtype int64
        The item id of each row of the tables below; ``items_[0] == 0`` is the
        padding id. When the ids seen in ``fit`` are compact (the largest is
        under ``4 * n_distinct + 1024``, as with encoded ids), ``items_`` is
        the whole range ``0..max_id`` and row ``i`` *is* item ``i``; otherwise
        it is 0 followed by the sorted distinct ids, so that an id of
        ``10**12`` costs one row, not ``10**12``.
    n_items_ : int
        Number of table rows after the padding row, ``len(items_) - 1``: the
        largest id seen for compact ids, else the number of distinct items.
    neighbors_ : ndarray of shape (n_items + 1, n_neighbors), dtype int64
        Row ``j`` holds the ids of the items most similar to item
        ``i = items_[j]`` in
        descending similarity, without ``i`` itself; equal scores rank the
        smaller id first. When ``i`` has fewer than ``n_neighbors``
        neighbours (or was never seen, or is 0) the rest of its row is filled
        with ``i`` itself, so substituting it is a no-op.
    scores_ : ndarray of shape (n_items + 1, n_neighbors), dtype float64
        Similarity of each entry of ``neighbors_`` to its row's item; 0 for
        fillers. For ``"hybrid"`` these are the normalised scores of the
        chosen model.
    item_counts_ : ndarray of shape (n_items + 1,), dtype int64
        Number of training sequences holding each item.
    user_item_ : scipy.sparse.csc_matrix of shape (n_sequences, n_items + 1)
        Binary sequence-item matrix of the training data (``"itemcf"`` and
        ``"itemcf_iuf"`` only; used by :meth:`similarity`).
    user_weights_ : ndarray of shape (n_sequences,)
        Weight of each training sequence in ``co(a, b)``: 1 for ``"itemcf"``,
        ``1 / log(1 + |S_u|)`` for ``"itemcf_iuf"``.
    embeddings_ : ndarray of shape (n_items + 1, embedding_dim)
        Item2Vec embeddings (``"item2vec"`` only).
    estimators_ : list of two ItemSimilarity
        The fitted base models (``"hybrid"`` only).
    score_ranges_ : ndarray of shape (2, 2)
        ``(min, max)`` of each base model's stored scores used to normalise
        them (``"hybrid"`` only).
    chosen_ : ndarray of shape (n_items + 1,), dtype int64
        Index (0 or 1) into ``estimators_`` of the model used for each query
        item (``"hybrid"`` only).
    loss_curve_ : list of float
        Mean Item2Vec loss per epoch (``"item2vec"`` only).

    See Also
    --------
    skrec.sequence.check_sequence_frame : The input contract.

    Notes
    -----
    ItemCF and ItemCF-IUF are computed with sparse matrices: with ``B`` the
    binary user-item matrix and ``D`` the diagonal user weights (1, or
    ``1 / log(1 + |S_u|)``), ``co = B.T @ D @ B``; the diagonal is dropped
    and every row is ranked at once by sorting the sparse entries on
    ``(row, -score, column)``. Only items that co-occur with ``i`` in some
    user's set are neighbours of ``i``. Scores equal up to 12 decimals count
    as ties, which absorbs floating-point summation noise.

    Item2Vec uses every item seen in training as a candidate neighbour, and
    ranks cosine similarities in blocks of ``block_size`` query items with
    :func:`torch.topk`, so the full ``n_items x n_items`` matrix is never
    built.

    Hybrid: the two models' scores live on different scales (an IUF-weighted
    cosine of co-occurrence counts versus an embedding cosine that may be
    negative). Each model's stored scores (fillers excluded) are mapped to
    ``[0, 1]`` by min-max scaling, ``(s - min) / (max - min)`` over that
    model's whole table. For each query item the model with the larger
    normalised top-1 score supplies the whole row of neighbours (ties go to
    the first model; a model without neighbours for the item never wins).
    The model with the *more* similar candidate wins: the public TiCoSeRec
    code turns scores into normalised distances and then keeps the larger,
    that is the less similar candidate; skrec does not copy that.

    References
    ----------
    .. [1] B. Sarwar, G. Karypis, J. Konstan and J. Riedl, "Item-based
       collaborative filtering recommendation algorithms", WWW 2001.
    .. [2] G. Linden, B. Smith and J. York, "Amazon.com recommendations:
       item-to-item collaborative filtering", IEEE Internet Computing, 2003.
    .. [3] J. S. Breese, D. Heckerman and C. Kadie, "Empirical analysis of
       predictive algorithms for collaborative filtering", UAI 1998.
    .. [4] O. Barkan and N. Koenigstein, "Item2Vec: neural item embedding for
       collaborative filtering", IEEE MLSP 2016.
    .. [5] Y. Dang, E. Yang, G. Guo, L. Jiang, X. Wang, X. Xu, Q. Sun and
       H. Liu, "Uniform sequence better: time interval aware data
       augmentation for sequential recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import ItemSimilarity
    >>> X = make_sequence_frame([[1, 2, 3], [1, 2], [3, 4]])
    >>> sim = ItemSimilarity(method="itemcf", n_neighbors=2).fit(X)
    >>> sim.neighbors_[1:]
    array([[2, 3],
           [1, 3],
           [4, 1],
           [3, 4]])
    >>> sim.most_similar([1, 4, 9])
    array([[2],
           [3],
           [9]])
    """

    _parameter_constraints = {
        "method": [StrOptions({*_BASE_METHODS, "hybrid"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "hybrid_methods": [tuple, list],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "window": [Interval(Integral, 1, None, closed="left")],
        "negative": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "block_size": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method="itemcf_iuf",
        n_neighbors=20,
        *,
        hybrid_methods=("itemcf_iuf", "item2vec"),
        embedding_dim=64,
        window=3,
        negative=5,
        epochs=3,
        batch_size=4096,
        learning_rate=0.02,
        block_size=2048,
        verbose=0,
        random_state=None,
    ):
        self.method = method
        self.n_neighbors = n_neighbors
        self.hybrid_methods = hybrid_methods
        self.embedding_dim = embedding_dim
        self.window = window
        self.negative = negative
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.block_size = block_size
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Input is a sequence frame (items + timestamps per row), not a 2-D
        # numeric array, so sklearn's array-based checks cannot apply.
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the top-k neighbour table from training sequences.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame of training sequences (columns ``items`` and
            ``timestamps``). Item id 0 (padding/mask) is ignored; timestamps
            are validated but not used.
        y : None
            Ignored.

        Returns
        -------
        self : ItemSimilarity
            The fitted model.

        Examples
        --------
        >>> from skrec.sequence import make_sequence_frame
        >>> X = make_sequence_frame([[1, 2], [2, 3]])
        >>> ItemSimilarity("itemcf").fit(X).n_items_
        3
        """
        if self.method == "hybrid":
            self._check_hybrid_methods()  # a bad parameter fails before the data
        ragged = check_sequence_frame(
            X, allow_empty_sequences=True, allow_zero_items=True
        )
        return self._fit(ragged)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_ragged(self, ragged, *, check_input=True):
        """Learn the neighbour table from a :class:`~skrec.sequence.Ragged`.

        The ragged-level twin of :meth:`fit`, for code that holds the flat
        arrays (the augmentation operators, the recommenders).

        Parameters
        ----------
        ragged : Ragged
            Training sequences; item id 0 is ignored.
        check_input : bool, default=True
            Validate ``ragged`` first; ``False`` skips it for data that has
            already been validated.

        Returns
        -------
        self : ItemSimilarity
            The fitted model.

        Examples
        --------
        >>> import numpy as np
        >>> from skrec.sequence import Ragged
        >>> r = Ragged.from_lengths([10**12, 7, 7, 3], [0, 1, 0, 1], [2, 2])
        >>> sim = ItemSimilarity("itemcf").fit_ragged(r)
        >>> sim.items_.tolist(), sim.most_similar([10**12, 3]).ravel().tolist()
        ([0, 3, 7, 1000000000000], [7, 7])
        """
        if check_input:
            ragged = check_ragged(ragged, allow_empty_sequences=True, allow_zero_items=True)
        return self._fit(ragged)

    def _fit(self, ragged):
        if self.method == "hybrid":
            methods = self._check_hybrid_methods()
        keep = ragged.items > 0
        items = ragged.items[keep]
        users = segment_ids(ragged.offsets)[keep]
        if items.size == 0:
            raise ValueError(
                "The sequence frame holds no items other than the padding id 0; "
                "ItemSimilarity needs training sequences with real items."
            )
        distinct = np.unique(items)
        if distinct[-1] < 4 * len(distinct) + 1024:
            self.items_ = np.arange(int(distinct[-1]) + 1, dtype=np.int64)
            codes = items
        else:
            self.items_ = np.concatenate([[0], distinct])
            codes = np.searchsorted(distinct, items) + 1
        self.n_items_ = len(self.items_) - 1

        if self.method == "hybrid":
            self._fit_hybrid(ragged, methods)
            return self

        binary = _user_item_matrix(users, codes, ragged.n_sequences, self.n_items_)
        self.item_counts_ = np.asarray(binary.sum(axis=0)).ravel().astype(np.int64)
        if self.method in ("itemcf", "itemcf_iuf"):
            self._fit_itemcf(binary)
        else:
            self._fit_item2vec(codes, users)
        # The tables were computed on row numbers; report item ids.
        self.neighbors_ = self._decode(self.neighbors_)
        return self

    def _compact(self):
        return self.items_[-1] != len(self.items_) - 1

    def _decode(self, rows):
        return self.items_[rows] if self._compact() else rows

    def _rows(self, ids):
        """Table row of each id and whether the id is known (0 is row 0)."""
        rows, unknown = ItemVocabulary(self.items_).encode(ids)
        return rows, ~unknown

    def _check_hybrid_methods(self):
        methods = tuple(self.hybrid_methods)
        if (
            len(methods) != 2
            or any(m not in _BASE_METHODS for m in methods)
            or methods[0] == methods[1]
        ):
            raise ValueError(
                "hybrid_methods must be two different methods among "
                f"{list(_BASE_METHODS)}, got {self.hybrid_methods!r}."
            )
        return methods

    def _fit_itemcf(self, binary):
        self.user_item_, self.user_weights_, self.neighbors_, self.scores_ = (
            itemcf_tables(binary, self.item_counts_, iuf=self.method == "itemcf_iuf",
                          n_neighbors=self.n_neighbors)
        )

    def _fit_item2vec(self, items, users):
        # One draw from a RandomState seeded by random_state (as sklearn seeds).
        seed = torch_seed(check_random_state(self.random_state))
        self.embeddings_, self.neighbors_, self.scores_, self.loss_curve_ = (
            item2vec_tables(
                items, users, self.item_counts_, seed=seed,
                embedding_dim=self.embedding_dim, window=self.window,
                negative=self.negative, epochs=self.epochs,
                batch_size=self.batch_size, learning_rate=self.learning_rate,
                n_neighbors=self.n_neighbors, block_size=self.block_size,
                verbose=self.verbose,
            )
        )

    def _fit_hybrid(self, ragged, methods):
        params = self.get_params(deep=False)
        self.estimators_ = []
        for method in methods:
            est = ItemSimilarity(**{**params, "method": method})
            self.estimators_.append(est._fit(ragged))
        self.item_counts_ = self.estimators_[0].item_counts_
        (
            self.neighbors_,
            self.scores_,
            self.chosen_,
            self.score_ranges_,
        ) = _combine_tables(
            [(e.neighbors_, e.scores_) for e in self.estimators_], self.items_
        )

    # --------------------------------------------------------------- lookup
    def most_similar(self, items, k=1):
        """Return the ``k`` most similar items of every query item.

        A single vectorized lookup in :attr:`neighbors_`. Unknown ids (0, the
        padding id, or ids above :attr:`n_items_`) and items without enough
        neighbours map to themselves.

        Parameters
        ----------
        items : array-like of int
            Query item ids (any shape; usually 1-D).
        k : int, default=1
            Neighbours per query, ``1 <= k <= n_neighbors``.

        Returns
        -------
        neighbors : ndarray of shape (*items.shape, k), dtype int64
            For 1-D ``items``, shape ``(len(items), k)``; column 0 is the
            most similar item.

        Examples
        --------
        >>> from skrec.sequence import make_sequence_frame
        >>> X = make_sequence_frame([[1, 2, 3], [1, 2]])
        >>> sim = ItemSimilarity("itemcf", n_neighbors=2).fit(X)
        >>> sim.most_similar([3, 1, 0], k=2)
        array([[1, 2],
               [2, 3],
               [0, 0]])
        """
        check_is_fitted(self, "neighbors_")
        k = self._check_k(k)
        ids = self._check_ids(items, "items")
        if not self._compact() and (ids.size == 0 or ids.max() <= self.n_items_):
            rows = ids
        else:
            rows, known = self._rows(ids)
            if not known.all():
                out = np.repeat(ids[..., None], k, axis=-1)
                out[known] = self.neighbors_[rows[known], :k]
                return out
        # Row 0 (padding) maps to 0. Large queries gather from a compact
        # copy of the k columns (cache-friendly); small ones index in place.
        if rows.size > len(self.neighbors_):
            return np.take(np.ascontiguousarray(self.neighbors_[:, :k]), rows, axis=0)
        return self.neighbors_[rows, :k]

    def similarity(self, a, b):
        """Similarity of item pairs ``(a[j], b[j])``, vectorized.

        Uses the fitted model's formula (for ``"hybrid"``, the normalised
        score of the model chosen for the query item ``a[j]``). Pairs with an
        unknown id score 0.

        Parameters
        ----------
        a, b : array-like of int
            Item ids, broadcast against each other.

        Returns
        -------
        scores : ndarray of float64
            ``scores[j]`` is the similarity of ``a[j]`` to ``b[j]``; for
            ``a[j] != b[j]`` it equals the entry of :attr:`scores_` wherever
            ``b[j]`` is listed in ``neighbors_[a[j]]``.

        Examples
        --------
        >>> from skrec.sequence import make_sequence_frame
        >>> X = make_sequence_frame([[1, 2], [1, 3], [1, 2, 3], [4]])
        >>> sim = ItemSimilarity("itemcf").fit(X)
        >>> sim.similarity([1, 2, 1], [2, 3, 4]).round(4)
        array([0.8165, 0.5   , 0.    ])
        """
        check_is_fitted(self, "neighbors_")
        a, b = np.broadcast_arrays(self._check_ids(a, "a"), self._check_ids(b, "b"))
        shape = a.shape
        a, b = a.ravel(), b.ravel()
        out = np.zeros(a.shape)
        (a, known_a), (b, known_b) = self._rows(a), self._rows(b)
        known = (a > 0) & known_a & (b > 0) & known_b
        a_k, b_k = a[known], b[known]
        if self.method == "hybrid":
            res = np.zeros(len(a_k))
            chosen = self.chosen_[a_k]
            for m, est in enumerate(self.estimators_):
                sel = chosen == m
                lo, hi = self.score_ranges_[m]
                raw = est.similarity(self.items_[a_k[sel]], self.items_[b_k[sel]])
                res[sel] = (raw - lo) / (hi - lo) if hi > lo else 1.0
            out[known] = res
        elif self.method == "item2vec":
            emb = self.embeddings_.astype(np.float64)
            norms = np.linalg.norm(emb, axis=1)
            norms[norms == 0] = 1.0
            seen = (self.item_counts_[a_k] > 0) & (self.item_counts_[b_k] > 0)
            dots = np.einsum("ij,ij->i", emb[a_k], emb[b_k]) / (norms[a_k] * norms[b_k])
            out[known] = np.where(seen, dots, 0.0)
        else:
            cols_a = self.user_item_[:, a_k]
            cols_b = self.user_item_[:, b_k]
            co = np.asarray(cols_a.multiply(cols_b).T @ self.user_weights_).ravel()
            counts = self.item_counts_.astype(np.float64)
            denom = np.sqrt(counts[a_k] * counts[b_k])
            out[known] = np.divide(co, denom, out=np.zeros_like(co), where=denom > 0)
        return out.reshape(shape)

    def _check_k(self, k):
        if isinstance(k, bool) or not isinstance(k, Integral):
            raise TypeError(f"k must be an integer, got {k!r}.")
        if not 1 <= k <= self.n_neighbors:
            raise ValueError(
                f"k must be between 1 and n_neighbors={self.n_neighbors}, got {k}. "
                "Refit with a larger n_neighbors to look up more neighbours."
            )
        return int(k)

    def _check_ids(self, items, name):
        return check_item_ids(items, name)


def _combine_tables(tables, row_ids=None):
    """Merge neighbour tables row by row, keeping the higher normalised top-1.

    Parameters
    ----------
    tables : list of (neighbors, scores) pairs
        Tables of equal shape ``(n_rows, k)``; an entry equal to its row's item
        id is a filler.
    row_ids : ndarray of shape (n_rows,), default=None
        Item id of each row (``0..n_rows - 1`` by default).

    Returns
    -------
    neighbors, scores : ndarray of shape (n_rows, k)
        Row ``i`` of the chosen table, scores min-max normalised.
    chosen : ndarray of shape (n_rows,), dtype int64
        Index of the table used for each row (the first on ties).
    ranges : ndarray of shape (n_tables, 2)
        ``(min, max)`` of each table's real (non-filler) scores.
    """
    n_rows = tables[0][0].shape[0]
    row_ids = (np.arange(n_rows) if row_ids is None else np.asarray(row_ids))[:, None]
    ranges = np.zeros((len(tables), 2))
    normed, top1 = [], np.full((len(tables), n_rows), -np.inf)
    for m, (neighbors, scores) in enumerate(tables):
        real = neighbors != row_ids
        lo, hi = (scores[real].min(), scores[real].max()) if real.any() else (0, 1)
        ranges[m] = lo, hi
        norm = (scores - lo) / (hi - lo) if hi > lo else np.ones_like(scores)
        norm = np.where(real, norm, 0.0)
        normed.append(norm)
        top1[m] = np.where(real[:, 0], norm[:, 0], -np.inf)
    chosen = np.argmax(top1, axis=0).astype(np.int64)  # first maximum on ties
    neighbors = np.stack([t[0] for t in tables])[chosen, np.arange(n_rows)]
    scores = np.stack(normed)[chosen, np.arange(n_rows)]
    return neighbors, scores, chosen, ranges
