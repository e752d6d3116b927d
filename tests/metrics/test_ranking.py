import math
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skrec.metrics import (
    hit_rate_at_k,
    make_ranking_scorer,
    mrr_at_k,
    ndcg_at_k,
    rank_of_target,
)
from skrec.sequence import Ragged, make_sequence_frame


# ------------------------------------------------------- brute-force references
def _brute_rank(scores, y, seen, ties):
    """Rank by sorting the candidate items of one row, tie rule applied."""
    candidates = [j for j in range(1, len(scores)) if j not in seen]
    if y not in candidates:
        return math.inf
    if ties == "stable":
        order = sorted(candidates, key=lambda j: (-scores[j], j))
    elif ties == "pessimistic":
        order = sorted(candidates, key=lambda j: (-scores[j], j == y))
    else:
        order = sorted(candidates, key=lambda j: (-scores[j], j != y))
    return order.index(y) + 1


def _brute_list_rank(ranked, y, seen):
    kept = [j for j in ranked if j != 0 and j not in seen]
    return kept.index(y) + 1 if y in kept else math.inf


def _gain(metric, rank, k):
    if rank > k:
        return 0.0
    return {"hit_rate": 1.0, "ndcg": 1 / math.log2(rank + 1), "mrr": 1 / rank}[metric]


METRICS = {"hit_rate": hit_rate_at_k, "ndcg": ndcg_at_k, "mrr": mrr_at_k}


@st.composite
def score_cases(draw):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(2, 8))
    # Few distinct values so that ties are frequent.
    scores = draw(
        hnp.arrays(
            np.float64,
            (n, m),
            elements=st.sampled_from([-np.inf, -1.0, 0.0, 0.5, 1.0, 2.0, np.inf]),
        )
    )
    y = draw(st.lists(st.integers(1, m - 1), min_size=n, max_size=n))
    seen = draw(
        st.lists(st.lists(st.integers(0, m - 1), max_size=4), min_size=n, max_size=n)
    )
    return scores, np.array(y), seen


@given(
    score_cases(),
    st.sampled_from(["pessimistic", "optimistic", "stable"]),
    st.booleans(),
)
def test_rank_of_target_matches_brute_force(case, ties, use_exclude):
    scores, y, seen = case
    before = scores.copy()
    got = rank_of_target(scores, y, exclude=seen if use_exclude else None, ties=ties)
    expected = [
        _brute_rank(scores[i], y[i], set(seen[i]) if use_exclude else set(), ties)
        for i in range(len(y))
    ]
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(scores, before)


@given(score_cases(), st.integers(1, 9), st.sampled_from(sorted(METRICS)))
def test_metrics_on_scores_match_brute_force(case, k, metric):
    scores, y, seen = case
    got = METRICS[metric](y, scores, k=k, exclude=seen)
    ranks = [
        _brute_rank(scores[i], y[i], set(seen[i]), "pessimistic") for i in range(len(y))
    ]
    assert got == pytest.approx(np.mean([_gain(metric, r, k) for r in ranks]))


@st.composite
def list_cases(draw):
    n = draw(st.integers(1, 5))
    width = draw(st.integers(1, 6))
    rows = [draw(st.permutations(range(0, 9)))[:width] for _ in range(n)]
    y = draw(st.lists(st.integers(1, 8), min_size=n, max_size=n))
    seen = draw(
        st.lists(st.lists(st.integers(1, 8), max_size=4), min_size=n, max_size=n)
    )
    return np.array(rows), np.array(y), seen


@given(list_cases(), st.integers(1, 6), st.sampled_from(sorted(METRICS)))
def test_metrics_on_lists_match_brute_force(case, k, metric):
    ranked, y, seen = case
    if k > ranked.shape[1]:
        with pytest.raises(ValueError, match="needs at least k"):
            METRICS[metric](y, y_ranked=ranked, k=k)
        return
    got = METRICS[metric](y, y_ranked=ranked, k=k, exclude=seen)
    ranks = [
        _brute_list_rank(list(ranked[i]), y[i], set(seen[i])) for i in range(len(y))
    ]
    assert got == pytest.approx(np.mean([_gain(metric, r, k) for r in ranks]))


# -------------------------------------------------------------- hand-worked
def test_hand_worked_values():
    scores = np.array([[0.0, 0.1, 0.9, 0.8, 0.3], [9.0, 0.5, 0.4, 0.3, 0.2]])
    y = [3, 4]
    # row 0: order 2, 3, 4, 1 -> rank 2; row 1: column 0 ignored -> rank 4.
    np.testing.assert_array_equal(rank_of_target(scores, y), [2, 4])
    assert hit_rate_at_k(y, scores, k=2) == 0.5
    assert ndcg_at_k(y, scores, k=4) == pytest.approx(
        (1 / np.log2(3) + 1 / np.log2(5)) / 2
    )
    assert mrr_at_k(y, scores, k=4) == pytest.approx((1 / 2 + 1 / 4) / 2)
    # Excluding item 2 for row 0 and items 1, 2 for row 1 moves both up.
    assert mrr_at_k(y, scores, k=4, exclude=[[2], [1, 2]]) == pytest.approx(
        (1 + 1 / 2) / 2
    )
    assert hit_rate_at_k(y, scores, k=1, sample_weight=[3, 1]) == 0.0
    assert hit_rate_at_k(y, scores, k=2, sample_weight=[3, 1]) == 0.75


def test_constant_scores_are_pessimistic():
    scores = np.ones((3, 11))
    y = [1, 5, 10]
    np.testing.assert_array_equal(rank_of_target(scores, y), [10, 10, 10])
    np.testing.assert_array_equal(rank_of_target(scores, y, ties="optimistic"), [1] * 3)
    np.testing.assert_array_equal(rank_of_target(scores, y, ties="stable"), [1, 5, 10])
    assert hit_rate_at_k(y, scores, k=5) == 0.0


def test_exclude_formats_agree():
    rng = np.random.default_rng(0)
    scores = rng.random((4, 10))
    y = np.array([1, 2, 3, 4])
    seqs = [[5, 6], [2, 9, 9], [7], [1, 3, 8]]
    X = make_sequence_frame(seqs)
    lengths = [len(s) for s in seqs]
    ragged = Ragged(
        np.concatenate(seqs),
        np.zeros(sum(lengths), dtype=np.int64),
        np.r_[0, np.cumsum(lengths)],
    )
    mat = sp.csr_matrix(
        (
            np.ones(sum(lengths)),
            (np.repeat(np.arange(4), lengths), np.concatenate(seqs)),
        ),
        shape=(4, 10),
    )
    expected = [
        _brute_rank(scores[i], y[i], set(seqs[i]), "pessimistic") for i in range(4)
    ]
    for ex in (seqs, X, ragged, mat, [np.array(s) for s in seqs]):
        np.testing.assert_array_equal(rank_of_target(scores, y, exclude=ex), expected)
    assert expected[1] == math.inf  # the target of row 1 is excluded: a miss


def test_chunked_computation_matches(monkeypatch):
    from skrec.metrics import _ranking

    rng = np.random.default_rng(1)
    scores = rng.integers(0, 5, size=(50, 30)).astype(np.float32)
    y = rng.integers(1, 30, size=50)
    seen = [rng.integers(1, 30, size=3) for _ in range(50)]
    full = rank_of_target(scores, y, exclude=seen, ties="stable")
    monkeypatch.setattr(_ranking, "_CHUNK_ENTRIES", 64)  # 2 rows per block
    np.testing.assert_array_equal(
        rank_of_target(scores, y, exclude=seen, ties="stable"), full
    )


# -------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"y_score": np.ones(5)}, ValueError, "2-D"),
        ({"y_score": np.ones((2, 5))}, ValueError, "y_true has 3 rows"),
        ({"y_score": np.full((3, 5), np.nan)}, ValueError, "NaN"),
        ({"y_score": np.ones((3, 3))}, ValueError, "only 3 columns"),
        ({"y_score": np.ones((3, 5)), "k": 0}, ValueError, "positive integer"),
        ({"y_score": np.ones((3, 5)), "k": 2.5}, ValueError, "positive integer"),
        ({"y_score": np.ones((3, 5)), "ties": "random"}, ValueError, "ties"),
        (
            {"y_score": np.ones((3, 5)), "y_ranked": np.ones((3, 5))},
            TypeError,
            "exactly one",
        ),
        ({}, TypeError, "exactly one"),
        ({"y_score": np.ones((3, 5)), "exclude": [[1]]}, ValueError, "1 rows"),
        ({"y_score": np.ones((3, 5)), "exclude": [[1], [9], []]}, ValueError, "9"),
        ({"y_score": np.array([["a"] * 5] * 3)}, TypeError, "numeric"),
        ({"y_ranked": [[1, 1], [2, 3], [4, 5]], "k": 2}, ValueError, "twice"),
        (
            {"y_ranked": [[1, 2], [2, 3], [4, 5]], "k": 3},
            ValueError,
            "needs at least k",
        ),
        ({"y_ranked": [[1, -2], [2, 3], [4, 5]], "k": 2}, ValueError, "negative"),
        (
            {"y_score": np.ones((3, 5)), "sample_weight": [1, 2]},
            ValueError,
            "sample_weight",
        ),
    ],
)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ndcg_at_k([1, 2, 4], **kwargs)


@pytest.mark.parametrize(
    "y, match",
    [
        ([0, 1], "positive"),
        ([[1, 2]], "1-D"),
        ([1.5, 2], "integer"),
        (["a", "b"], "integer"),
    ],
)
def test_bad_y_true(y, match):
    with pytest.raises((ValueError, TypeError), match=match):
        hit_rate_at_k(y, np.ones((2, 4)))


def test_partial_nan_detected_in_later_block(monkeypatch):
    from skrec.metrics import _ranking

    monkeypatch.setattr(_ranking, "_CHUNK_ENTRIES", 8)
    scores = np.ones((6, 4))
    scores[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        rank_of_target(scores, [1] * 6)


# ------------------------------------------------------------------ scorer
class _Fixed:
    def __init__(self, row):
        self.row = np.asarray(row, dtype=float)

    def decision_function(self, X):
        return np.tile(self.row, (len(X), 1))


def test_scorer_excludes_seen_and_matches_metric():
    X = make_sequence_frame([[1], [2, 3], [4]])
    y = np.array([2, 4, 1])
    est = _Fixed([0, 5, 4, 3, 2, 1])
    for metric, func in METRICS.items():
        scorer = make_ranking_scorer(metric, k=2)
        expected = func(y, est.decision_function(X), k=2, exclude=[[1], [2, 3], [4]])
        assert scorer(est, X, y) == pytest.approx(expected)
    # By hand: row 0 -> 2 first (hit), row 1 -> 1, 4 (rank 2), row 2 -> 1 first.
    assert make_ranking_scorer("mrr", k=2)(est, X, y) == pytest.approx(
        (1 + 0.5 + 1) / 3
    )
    no_ex = make_ranking_scorer("mrr", k=2, exclude_seen=False)
    assert no_ex(est, X, y) == pytest.approx((1 / 2 + 0 + 1) / 3)


def test_scorer_factory_validation_and_pickle():
    with pytest.raises(ValueError, match="metric"):
        make_ranking_scorer("auc")
    with pytest.raises(ValueError, match="k"):
        make_ranking_scorer(k=0)
    with pytest.raises(TypeError, match="exclude_seen"):
        make_ranking_scorer(exclude_seen="yes")
    s = pickle.loads(pickle.dumps(make_ranking_scorer("mrr", k=5)))
    assert repr(s) == (
        "make_ranking_scorer(metric='mrr', k=5, exclude_seen=True, ties='pessimistic')"
    )


def test_ranking_scores_match_the_metric_functions_and_hand_values():
    from skrec.metrics import ranking_scores

    ranks = np.array([1.0, 2.0, 4.0, np.inf])
    got = ranking_scores(ranks, ks=(1, 3), metrics=("hit", "ndcg", "mrr"))
    assert list(got) == ["hit@1", "ndcg@1", "mrr@1", "hit@3", "ndcg@3", "mrr@3"]
    assert got["hit@1"] == 0.25 and got["hit@3"] == 0.5
    assert got["ndcg@3"] == pytest.approx((1 + 1 / np.log2(3)) / 4)
    assert got["mrr@3"] == pytest.approx((1 + 0.5) / 4)
    # the same numbers as the public metric functions on ranked lists
    y_true = [1, 1, 1, 9]
    y_ranked = [[1, 2, 3, 4], [2, 1, 3, 4], [2, 3, 4, 1], [2, 3, 4, 5]]
    assert got["hit@3"] == hit_rate_at_k(y_true, y_ranked=y_ranked, k=3)
    assert got["ndcg@3"] == pytest.approx(ndcg_at_k(y_true, y_ranked=y_ranked, k=3))
    assert ranking_scores([], ks=5) == {"hit@5": 0.0, "ndcg@5": 0.0}
    with pytest.raises(ValueError, match="metrics must be"):
        ranking_scores(ranks, metrics=("recall",))
