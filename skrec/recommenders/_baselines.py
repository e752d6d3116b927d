"""Baseline recommenders on sequence frames: Popularity and ItemKNN.

They answer the first question about any sequential model ("does it beat a
popularity list and item-to-item neighbours?") with the same API as
:class:`~skrec.recommenders.SASRec`: ``fit`` learns an item vocabulary,
``decision_function`` scores every item id, ``recommend``/``predict`` rank
unseen items, ``score``/``evaluate`` run the full-ranking protocol and
:func:`skrec.metrics.make_ranking_scorer` works on them.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils import Tags, TargetTags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from skrec.metrics import ranking_scores
from skrec.sequence import (
    ItemVocabulary,
    Ragged,
    check_item_ids,
    check_sequence_frame,
    segment_ids,
)

__all__ = ["Popularity", "ItemKNN"]


class _ScoreMatrixRecommender(BaseEstimator):
    """Shared API of recommenders that score every item for every row at once.

    Subclasses implement ``_fit(ragged)`` and ``_scores(ragged)``, both in
    internal ids ``1..n_items_`` (the scores' column ``j`` is internal id
    ``j + 1``).
    """

    def __sklearn_tags__(self):
        tags = Tags(estimator_type=None, target_tags=TargetTags(required=False))
        tags.input_tags.two_d_array = False  # sequence frames
        return tags

    # ----------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Learn from the sequences of ``X`` (followed by ``y`` when given).

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        y : array-like of shape (n_rows,), default=None
            Next item of each row, appended to its sequence for training.

        Returns
        -------
        self
        """
        self._validate_params()
        ragged = check_sequence_frame(X)
        if y is not None:
            y = check_item_ids(y, "y", min_id=1)
            if y.shape != (ragged.n_sequences,):
                raise ValueError(
                    f"y must hold one next item per row of X ({ragged.n_sequences} "
                    f"rows), got shape {y.shape}."
                )
            ragged = ragged.append(y)
        vocabulary = ItemVocabulary(ragged.items)
        self.items_ = vocabulary.items
        self.n_items_ = len(vocabulary)
        internal, _ = vocabulary.encode(ragged.items)
        self._fit(Ragged(internal, ragged.timestamps, ragged.offsets))
        return self

    def _internal(self, X):
        check_is_fitted(self, "items_")
        ragged = check_sequence_frame(X, allow_empty=True)
        internal, _ = ItemVocabulary(self.items_).encode(ragged.items)
        return Ragged(internal, ragged.timestamps, ragged.offsets)

    def _n_columns(self):
        top = int(self.items_[-1])
        return max(top, self.max_item_id or 0) + 1

    # ------------------------------------------------------------ predict
    def decision_function(self, X):
        """Score of every item id as the next item of every row.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.

        Returns
        -------
        scores : ndarray of shape (n_rows, n_columns)
            Column ``j`` scores item id ``j``; ids unknown to the model (and
            column 0, the padding id) score ``-inf``. ``n_columns`` is the
            largest known id (or ``max_item_id``) plus one.
        """
        internal = self._scores(self._internal(X))
        out = np.full((internal.shape[0], self._n_columns()), -np.inf)
        out[:, self.items_] = internal
        return out

    def _chunks(self, ragged, size=1024):
        """Row blocks of ``ragged`` with their seen-item masks (bounded memory)."""
        for start in range(0, ragged.n_sequences, size):
            rows = np.arange(start, min(start + size, ragged.n_sequences))
            block = ragged.take(rows)
            scores = self._scores(block)
            known = block.items > 0
            seen = (segment_ids(block.offsets)[known], block.items[known] - 1)
            yield rows, scores, seen

    def recommend(self, X, k=10, exclude_seen=True):
        """Top-``k`` next items of every row, best first (item ids).

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        k : int, default=10
            Number of items; at most ``n_items_``.
        exclude_seen : bool, default=True
            Never recommend an item already in the row.

        Returns
        -------
        items : ndarray of shape (n_rows, k)
        """
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}.")
        ragged = self._internal(X)
        if k > self.n_items_:
            raise ValueError(
                f"k={k} exceeds the catalogue of {self.n_items_} items learned in fit."
            )
        out = np.zeros((ragged.n_sequences, k), dtype=np.int64)
        for rows, scores, seen in self._chunks(ragged):
            if exclude_seen:
                scores[seen] = -np.inf
            # Best first; equal scores rank the smaller item id first.
            out[rows] = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return self.items_[out]

    def predict(self, X):
        """The most likely unseen next item of every row (item ids)."""
        return self.recommend(X, k=1)[:, 0]

    def rank(self, X, y):
        """1-based full-ranking rank of every row's next item ``y``.

        Seen items are excluded; ties are pessimistic (as in
        :func:`skrec.metrics.rank_of_target`); an unknown or already seen
        target is a miss (``inf``).
        """
        ragged = self._internal(X)
        y = check_item_ids(y, "y", min_id=1)
        if y.shape != (ragged.n_sequences,):
            raise ValueError(
                f"y must hold one next item per row of X ({ragged.n_sequences} rows), "
                f"got shape {y.shape}."
            )
        targets, unknown = ItemVocabulary(self.items_).encode(y)
        ranks = np.full(len(y), np.inf)
        for rows, scores, seen in self._chunks(ragged):
            scores[seen] = -np.inf
            t = targets[rows]
            t_score = scores[np.arange(len(rows)), np.maximum(t, 1) - 1]
            r = np.count_nonzero(scores >= t_score[:, None], axis=1).astype(np.float64)
            miss = unknown[rows] | (t == 0) | np.isneginf(t_score)
            ranks[rows] = np.where(miss, np.inf, r)
        return ranks

    def score(self, X, y):
        """NDCG@10 of the next items ``y`` under full ranking (seen excluded)."""
        return ranking_scores(self.rank(X, y), ks=10, metrics=("ndcg",))["ndcg@10"]

    def evaluate(self, X, y, ks=(5, 10, 20)):
        """HIT@k and NDCG@k of the next items ``y`` for every ``k`` in ``ks``."""
        return ranking_scores(self.rank(X, y), ks=ks)


class Popularity(_ScoreMatrixRecommender):
    """Recommend the most frequent items of the training sequences.

    Every row gets the same ranking: items by their number of occurrences in
    ``fit`` (equal counts rank the smaller item id first), minus the items the
    row has already seen.

    Parameters
    ----------
    max_item_id : int or None, default=None
        Highest item id of the catalogue (width of :meth:`decision_function`).

    Attributes
    ----------
    items_ : ndarray of shape (n_items,)
        Known item ids, sorted.
    n_items_ : int
    item_counts_ : ndarray of shape (n_items,)
        Occurrences of each item of ``items_`` in the training sequences.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import Popularity
    >>> X = make_sequence_frame([[1, 2, 3], [2, 3], [3, 4]])
    >>> Popularity().fit(X).recommend(make_sequence_frame([[3], [1]]), k=2)
    array([[2, 1],
           [3, 2]])
    """

    _parameter_constraints = {
        "max_item_id": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, max_item_id=None):
        self.max_item_id = max_item_id

    def _fit(self, ragged):
        self.item_counts_ = np.bincount(ragged.items, minlength=self.n_items_ + 1)[1:]

    def _scores(self, ragged):
        return np.tile(self.item_counts_.astype(np.float64), (ragged.n_sequences, 1))


class ItemKNN(_ScoreMatrixRecommender):
    """Recommend the neighbours of a row's most recent items (item-based kNN).

    The score of item ``j`` for a row is the sum, over the row's ``n_recent``
    most recent items ``i``, of ``recency_decay ** age(i) * sim(i, j)``
    (age 0 for the last item), where ``sim`` comes from the ``n_neighbors``
    most similar items of ``i`` in a fitted
    :class:`~skrec.augmentation.ItemSimilarity`. Items that are no neighbour
    of any recent item score 0; equal scores rank the smaller item id first.

    Parameters
    ----------
    similarity : ItemSimilarity or None, default=None
        The item-similarity model, fitted on the training sequences;
        ``None`` means ``ItemSimilarity(method="itemcf_iuf", n_neighbors=50)``.
    n_recent : int, default=10
        How many of a row's most recent items vote.
    recency_decay : float in (0, 1], default=1.0
        Weight factor per step back in time (1: every recent item counts the
        same).
    max_item_id : int or None, default=None
        Highest item id of the catalogue (width of :meth:`decision_function`).

    Attributes
    ----------
    items_ : ndarray of shape (n_items,)
    n_items_ : int
    similarity_ : ItemSimilarity
        The fitted similarity, in internal ids ``1..n_items_``.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import ItemKNN
    >>> X = make_sequence_frame([[1, 2, 3], [1, 2, 4], [5, 6]])
    >>> ItemKNN().fit(X).recommend(make_sequence_frame([[1]]), k=1)
    array([[2]])
    """

    _parameter_constraints = {
        "similarity": [None, HasMethods(["fit_ragged", "most_similar", "similarity"])],
        "n_recent": [Interval(numbers.Integral, 1, None, closed="left")],
        "recency_decay": [Interval(numbers.Real, 0, 1, closed="right")],
        "max_item_id": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, similarity=None, n_recent=10, recency_decay=1.0,
                 max_item_id=None):
        self.similarity = similarity
        self.n_recent = n_recent
        self.recency_decay = recency_decay
        self.max_item_id = max_item_id

    def _fit(self, ragged):
        from skrec.augmentation import ItemSimilarity

        template = (ItemSimilarity(method="itemcf_iuf", n_neighbors=50)
                    if self.similarity is None else self.similarity)
        self.similarity_ = clone(template).fit_ragged(ragged, check_input=False)

    def _scores(self, ragged):
        n_rows = ragged.n_sequences
        scores = np.zeros((n_rows, self.n_items_))
        lengths = ragged.lengths
        take = np.minimum(lengths, self.n_recent)
        recent = ragged.windows(lengths - take, take)
        known = recent.items > 0
        rows = segment_ids(recent.offsets)[known]
        items = recent.items[known]
        if len(items) == 0:
            return scores
        # age 0 for each row's last item
        age = (np.repeat(recent.offsets[1:], recent.lengths) - 1
               - np.arange(recent.n_events))[known]
        weight = float(self.recency_decay) ** age
        sim = self.similarity_
        k = int(getattr(sim, "n_neighbors", 1))
        if hasattr(sim, "neighbors_") and hasattr(sim, "scores_"):
            # An ItemSimilarity already stores each neighbour's score: look
            # both up in its tables (rows follow its ``items_``).
            table_rows = np.searchsorted(sim.items_, items)
            neighbors = sim.neighbors_[table_rows, :k]
            sims = sim.scores_[table_rows, :k].ravel()
        else:
            neighbors = np.asarray(sim.most_similar(items, k=k))
            sims = sim.similarity(np.repeat(items, k), neighbors.ravel())
        neighbors = neighbors.ravel()
        real = (neighbors != np.repeat(items, k)) & (neighbors > 0)
        votes = np.repeat(weight, k)[real] * np.asarray(sims)[real]
        cells = np.repeat(rows, k)[real] * self.n_items_ + neighbors[real] - 1
        scores += np.bincount(cells, weights=votes,
                              minlength=n_rows * self.n_items_).reshape(scores.shape)
        return scores
