"""Beyond-accuracy metrics against hand-computed values."""

import math

import numpy as np
import pytest

from skrec.augmentation import ItemSimilarity
from skrec.metrics import (
    catalog_coverage_at_k,
    gini_at_k,
    intra_list_diversity_at_k,
    novelty_at_k,
)
from skrec.sequence import make_sequence_frame

LISTS = [[1, 2, 3], [2, 1, 0], [4, 2, 1]]  # 0 is padding


def test_coverage():
    assert catalog_coverage_at_k(LISTS, k=3, n_items=5) == 4 / 5
    assert catalog_coverage_at_k(LISTS, k=1, n_items=5) == 3 / 5  # 1, 2, 4


def test_novelty():
    counts = [0, 8, 4, 1, 0]  # item 4 never seen in training: counted as one user
    # k=2: items 1, 2, 2, 1, 4, 2 with p = 1, 1/2, 1/2, 1, 1/8, 1/2
    expected = (0 + 1 + 1 + 0 + 3 + 1) / 6
    assert novelty_at_k(LISTS, k=2, item_counts=counts, n_users=8) == pytest.approx(
        expected)


def test_gini_by_hand():
    # k=1: item 1 once, 2 once, 4 once, 3 and 5 never -> counts sorted 0 0 1 1 1
    counts = np.array([0, 0, 1, 1, 1], dtype=float)
    n = 5
    expected = sum((2 * (i + 1) - n - 1) * c for i, c in enumerate(counts)) / (
        n * counts.sum())
    assert gini_at_k(LISTS, k=1, n_items=5) == pytest.approx(expected)
    assert gini_at_k([[1], [2], [3]], k=1, n_items=3) == pytest.approx(0.0)


def test_diversity_by_hand_with_itemcf():
    X = make_sequence_frame([[1, 2], [1, 2], [3, 4], [1, 3]])
    sim = ItemSimilarity("itemcf").fit(X)
    s12 = sim.similarity([1], [2])[0]  # co-occurrence 2 / sqrt(3 * 2)
    assert s12 == pytest.approx(2 / math.sqrt(6))
    s13, s23 = sim.similarity([1, 2], [3, 3])
    got = intra_list_diversity_at_k([[1, 2, 3], [2, 0, 0]], k=3, similarity=sim)
    # the second list has no pair and is left out
    assert got == pytest.approx(((1 - s12) + (1 - s13) + (1 - s23)) / 3)


@pytest.mark.parametrize("bad, match", [
    (dict(y_ranked=[1, 2]), "2-D"), (dict(k=0), "positive integer"),
    (dict(k=4), "holds only 3"), (dict(n_items=3), "catalogue has n_items=3"),
])
def test_bad_input(bad, match):
    args = dict(y_ranked=LISTS, k=3, n_items=5) | bad
    with pytest.raises(ValueError, match=match):
        catalog_coverage_at_k(args.pop("y_ranked"), **args)


class _Fixed:
    """An estimator whose scores put items 4, 3, 2, 1 in that order for everyone."""

    def decision_function(self, X):
        return np.tile([-np.inf, 1.0, 2.0, 3.0, 4.0], (len(X), 1))


def test_scorers_rank_top_k_lists_with_seen_items_excluded():
    from skrec.metrics import make_ranking_scorer

    X = make_sequence_frame([[4], [1, 2]])
    # lists with seen items removed, k=2: [3, 2] and [4, 3]
    lists = [[3, 2], [4, 3]]
    assert make_ranking_scorer("coverage", k=2)(_Fixed(), X, [1, 1]) == \
        catalog_coverage_at_k(lists, k=2, n_items=4)
    assert make_ranking_scorer("neg_gini", k=2)(_Fixed(), X, [1, 1]) == \
        -gini_at_k(lists, k=2, n_items=4)
    counts = [0, 1, 2, 3, 4]
    assert make_ranking_scorer("novelty", k=2, item_counts=counts, n_users=4)(
        _Fixed(), X, [1, 1]) == novelty_at_k(lists, k=2, item_counts=counts, n_users=4)
    with pytest.raises(TypeError, match="missing"):
        make_ranking_scorer("novelty", k=2)
    with pytest.raises(TypeError, match="unexpected"):
        make_ranking_scorer("coverage", k=2, similarity=None)
