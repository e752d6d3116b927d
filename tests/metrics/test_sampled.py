"""sampled_rank_of_target: the sampled evaluation of papers that use it."""

import numpy as np
import pytest

from skrec.metrics import rank_of_target, sampled_rank_of_target


def _random_case(seed, n=40, m=30):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, m))
    scores[:, 0] = 0.0
    y = rng.integers(1, m, n)
    exclude = [rng.choice(np.arange(1, m), rng.integers(0, 5), replace=False)
               for _ in range(n)]
    return scores, y, exclude


@pytest.mark.parametrize("seed", range(5))
def test_drawing_every_available_item_is_the_full_rank(seed):
    scores, y, exclude = _random_case(seed)
    m = scores.shape[1]
    # Rows whose target is not excluded, all with the same number available.
    keep = [i for i, e in enumerate(exclude) if y[i] not in e and len(e) == 2]
    assert keep
    s, t, e = scores[keep], y[keep], [exclude[i] for i in keep]
    full = rank_of_target(s, t, exclude=e)
    sampled = sampled_rank_of_target(s, t, n_negatives=m - 1 - 1 - 2, exclude=e,
                                     random_state=seed)
    np.testing.assert_array_equal(sampled, full)


def test_excluded_items_and_non_candidates_are_never_drawn():
    scores = np.array([[0.0, 9.0, 8.0, 1.0, 0.5, 0.2, 7.0]] * 50)
    y = np.full(50, 3)
    # items 1, 2 excluded; item 6 not a candidate: only 4 and 5 (worse) remain
    ranks = sampled_rank_of_target(scores, y, n_negatives=2, exclude=[[1, 2]] * 50,
                                   candidates=[1, 2, 3, 4, 5], random_state=0)
    np.testing.assert_array_equal(ranks, 1.0)
    # an excluded target is a miss
    ranks = sampled_rank_of_target(scores[:1], [3], n_negatives=1, exclude=[[3]],
                                   random_state=0)
    assert ranks[0] == np.inf


def test_seeded_uniform_draw():
    n, m = 4000, 21
    scores = np.tile(np.arange(m, dtype=float), (n, 1))  # item j scores j
    y = np.full(n, 10)
    a = sampled_rank_of_target(scores, y, n_negatives=5, random_state=1)
    b = sampled_rank_of_target(scores, y, n_negatives=5, random_state=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sampled_rank_of_target(scores, y, n_negatives=5,
                                                        random_state=2))
    # 10 of the 19 other items (11..20) beat the target: hypergeometric mean
    # 5 * 10 / 19 items ahead.
    assert np.mean(a - 1) == pytest.approx(5 * 10 / 19, abs=0.05)


def test_bad_input():
    scores = np.zeros((2, 4))
    with pytest.raises(ValueError, match="n_negatives"):
        sampled_rank_of_target(scores, [1, 2], n_negatives=0)
    with pytest.raises(ValueError, match="fewer than n_negatives"):
        sampled_rank_of_target(scores, [1, 2], n_negatives=3)
    with pytest.raises(ValueError, match="ties"):
        sampled_rank_of_target(scores, [1, 2], n_negatives=1, ties="stable")
    with pytest.raises(ValueError, match="candidates"):
        sampled_rank_of_target(scores, [1, 2], n_negatives=1, candidates=[9])
