"""Hand-worked cases of the time-interval-aware operators."""

import numpy as np
import pytest

from skrec.augmentation import TiCrop, TiInsert, TiMask, TiReorder, TiSubstitute

from ._doubles import ShiftSimilarity, cells, frame

# gaps [1, 1, 1, 7, 20]
T6 = [0, 1, 2, 3, 10, 30]
I6 = [1, 2, 3, 4, 5, 6]


# ------------------------------------------------------------------ TiCrop
def test_crop_minimum_ties_go_to_most_recent_window():
    # L = 3; windows' gap pairs [1,1] [1,1] [1,7] [7,20]: the first two tie at 0.
    out = TiCrop(rate=0.5).fit_transform(frame([I6], [T6]))
    assert cells(out) == [[2, 3, 4]]
    assert cells(out, "timestamps") == [[1, 2, 3]]


def test_crop_maximum():
    out = TiCrop(rate=0.5, mode="maximum").fit_transform(frame([I6], [T6]))
    assert cells(out) == [[4, 5, 6]]
    assert cells(out, "timestamps") == [[3, 10, 30]]


def test_crop_equal_variance_from_different_gaps_is_a_tie():
    # gaps [86400, 0, 86400, 0]: every window of 3 items has variance 86400**2/4
    t = [0, 86400, 86400, 172800, 172800]
    out = TiCrop(rate=0.6).fit_transform(frame([[1, 2, 3, 4, 5]], [t]))
    assert cells(out) == [[3, 4, 5]]


def test_crop_all_equal_timestamps_keeps_last_window():
    out = TiCrop(rate=0.7).fit_transform(frame([list(range(1, 11))], [[5] * 10]))
    assert cells(out) == [list(range(4, 11))]


def test_crop_window_ignores_gaps_outside_it():
    # The reference drops each window's last gap; here [2, 3, 4] has gaps
    # [1, 100] (variance 2450.25) and must lose to [1, 2, 3] (gaps [10, 1]).
    t = [0, 10, 11, 111]
    out = TiCrop(rate=0.75).fit_transform(frame([[1, 2, 3, 4]], [t]))
    assert cells(out) == [[1, 2, 3]]


@pytest.mark.parametrize("n", [0, 1])
def test_crop_lengths_0_and_1_unchanged(n):
    X = frame([list(range(1, n + 1))], [list(range(n))])
    out = TiCrop().fit_transform(X)
    assert cells(out) == cells(X)


def test_crop_length_2_random_window_of_one_item():
    X = frame([[7, 8]], [[0, 5]])
    seen = {tuple(cells(TiCrop(random_state=s).fit_transform(X))[0]) for s in range(40)}
    assert seen == {(7,), (8,)}


def test_crop_short_window_is_random_and_uniform():
    # L = 2 (< 3): uniformly among the 4 windows of 2 items.
    X = frame([[1, 2, 3, 4, 5]], [[0, 1, 2, 3, 100]])
    starts = [cells(TiCrop(rate=0.4, random_state=s).fit_transform(X))[0][0]
              for s in range(400)]
    counts = np.bincount(starts, minlength=5)[1:]
    assert counts.min() > 60


def test_crop_rate_one_is_identity_and_rate_zero_keeps_one_item():
    X = frame([I6], [T6])
    assert cells(TiCrop(rate=1.0).fit_transform(X)) == [I6]
    assert len(cells(TiCrop(rate=0.0, random_state=0).fit_transform(X))[0]) == 1


# ---------------------------------------------------------------- TiReorder
def test_reorder_shuffles_the_most_uniform_window_only():
    X = frame([I6], [T6])
    results = set()
    for s in range(30):
        out = TiReorder(rate=0.5, random_state=s).fit_transform(X)
        items = cells(out)[0]
        assert items[0] == 1 and items[4:] == [5, 6]
        assert sorted(items[1:4]) == [2, 3, 4]
        assert cells(out, "timestamps") == [T6]
        results.add(tuple(items[1:4]))
    assert len(results) == 6  # all permutations of the window occur


def test_reorder_maximum_mode():
    out = TiReorder(rate=0.5, mode="maximum", random_state=0).fit_transform(frame([I6], [T6]))
    assert cells(out)[0][:3] == [1, 2, 3]
    assert sorted(cells(out)[0][3:]) == [4, 5, 6]


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_reorder_window_below_two_items_unchanged(n):
    # rate 0.5: L = floor(n / 2) < 2 for n <= 3
    X = frame([list(range(1, n + 1))], [list(range(n))])
    assert cells(TiReorder(rate=0.5, random_state=0).fit_transform(X)) == cells(X)


def test_reorder_length_2_rate_1_swaps_sometimes():
    X = frame([[1, 2]], [[0, 9]])
    seen = {tuple(cells(TiReorder(rate=1.0, random_state=s).fit_transform(X))[0])
            for s in range(30)}
    assert seen == {(1, 2), (2, 1)}


# ------------------------------------------------------------------- TiMask
T4 = [0, 50, 51, 90]  # gaps [50, 1, 39]


def test_mask_maximum_and_minimum():
    X = frame([[1, 2, 3, 4]], [T4])
    assert cells(TiMask(mode="maximum").fit_transform(X)) == [[0, 2, 0, 4]]
    assert cells(TiMask(mode="minimum").fit_transform(X)) == [[1, 0, 0, 4]]
    assert cells(TiMask(mode="minimum").fit_transform(X), "timestamps") == [T4]


def test_mask_equal_gaps_taken_in_position_order():
    X = frame([[1, 2, 3, 4, 5]], [[0, 5, 10, 15, 20]])
    assert cells(TiMask(mode="minimum").fit_transform(X)) == [[0, 0, 3, 4, 5]]
    assert cells(TiMask(mode="maximum").fit_transform(X)) == [[0, 0, 3, 4, 5]]


def test_mask_random_masks_k_positions_uniformly():
    X = frame([[1, 2, 3, 4]], [T4])
    hits = np.zeros(4)
    for s in range(200):
        items = np.array(cells(TiMask(random_state=s).fit_transform(X))[0])
        assert (items == 0).sum() == 2
        hits += items == 0
    assert hits.min() > 60


def test_mask_gap_modes_cap_at_n_minus_1():
    X = frame([[1, 2, 3]], [[0, 1, 3]])
    assert cells(TiMask(rate=1.0, mode="maximum").fit_transform(X)) == [[0, 0, 3]]
    assert cells(TiMask(rate=1.0, mode="random", random_state=0).fit_transform(X)) == [
        [0, 0, 0]
    ]


def test_mask_dedicated_value_and_short_sequences():
    X = frame([[], [4], [5, 6]], [[], [1], [0, 3]])
    out = TiMask(mode="maximum", mask_value=99).fit_transform(X)
    assert cells(out) == [[], [4], [99, 6]]


def test_mask_keeps_already_masked_items():
    X = frame([[1, 2, 3, 4]], [T4])
    once = TiMask(mode="maximum").fit_transform(X)
    twice = TiMask(mode="minimum").fit_transform(once)
    assert cells(twice) == [[0, 0, 0, 4]]


# ------------------------------------------------------------- TiSubstitute
T5 = [0, 10, 11, 30, 31]  # gaps [10, 1, 19, 1]


def test_substitute_minimum_ties_by_position():
    X = frame([[1, 2, 3, 4, 5]], [T5])
    op = TiSubstitute(rate=0.4, similarity=ShiftSimilarity()).fit(X)
    assert cells(op.transform(X)) == [[1, 102, 3, 104, 5]]
    assert cells(op.transform(X), "timestamps") == [T5]


def test_substitute_maximum_and_at_least_one():
    X = frame([[1, 2, 3, 4, 5]], [T5])
    sim = ShiftSimilarity()
    assert cells(TiSubstitute(rate=0.4, mode="maximum", similarity=sim).fit_transform(X)) == [
        [101, 2, 103, 4, 5]
    ]
    assert cells(TiSubstitute(rate=0.1, similarity=sim).fit_transform(X)) == [
        [1, 102, 3, 4, 5]
    ]


def test_substitute_short_sequences_and_masked_items():
    X = frame([[], [4], [5, 6], [7, 8, 9]], [[], [1], [0, 3], [0, 0, 0]])
    op = TiSubstitute(rate=1.0, similarity=ShiftSimilarity()).fit(X)
    assert cells(op.transform(X)) == [[], [4], [105, 6], [107, 108, 9]]
    masked = frame([[0, 2, 3]], [[0, 1, 5]])
    assert cells(op.transform(masked)) == [[0, 102, 3]]


def test_substitute_clones_and_fits_similarity():
    sim = ShiftSimilarity()
    X = frame([[1, 2], [3, 4]])
    op = TiSubstitute(similarity=sim).fit(X)
    assert op.similarity_ is not sim
    assert op.similarity_.n_fit_rows_ == 2
    assert not hasattr(sim, "n_fit_rows_")


def test_substitute_with_real_item_similarity():
    from skrec.augmentation import ItemSimilarity

    X = frame([[1, 2, 3], [1, 2]], [[0, 5, 6], [0, 9]])
    sim = ItemSimilarity("itemcf", n_neighbors=2)
    op = TiSubstitute(rate=0.3, similarity=sim).fit(X)
    table = op.similarity_.most_similar([1, 2, 3], k=1)[:, 0]
    expected0 = [1, table[1], 3]  # gap 1 (after item 2) is the smallest
    assert cells(op.transform(X)) == [expected0, [table[0], 2]]


# ----------------------------------------------------------------- TiInsert
def test_insert_maximum_midpoints():
    X = frame([[1, 2, 3, 4]], [[0, 10, 12, 40]])  # gaps [10, 2, 28]
    out = TiInsert(similarity=ShiftSimilarity()).fit_transform(X)
    assert cells(out) == [[1, 101, 2, 3, 103, 4]]
    assert cells(out, "timestamps") == [[0, 5, 10, 12, 26, 40]]


def test_insert_several_per_position_split_gap_evenly():
    X = frame([[1, 2, 3, 4]], [[0, 10, 12, 40]])
    out = TiInsert(max_insert_per_position=2, similarity=ShiftSimilarity()).fit_transform(X)
    assert cells(out) == [[1, 101, 201, 2, 3, 103, 203, 4]]
    assert cells(out, "timestamps") == [[0, 3, 6, 10, 12, 21, 30, 40]]


def test_insert_minimum_mode_and_odd_gap():
    X = frame([[1, 2, 3, 4]], [[0, 11, 13, 40]])  # gaps [11, 2, 27]
    out = TiInsert(mode="minimum", similarity=ShiftSimilarity()).fit_transform(X)
    assert cells(out) == [[1, 101, 2, 102, 3, 4]]
    assert cells(out, "timestamps") == [[0, 5, 11, 12, 13, 40]]


def test_insert_short_sequences_ties_and_masked_anchor():
    X = frame([[], [4], [5, 6], [7, 8, 9]], [[], [1], [0, 4], [3, 3, 3]])
    op = TiInsert(rate=0.1, similarity=ShiftSimilarity()).fit(X)
    out = op.transform(X)
    assert cells(out) == [[], [4], [5, 105, 6], [7, 107, 8, 9]]
    assert cells(out, "timestamps") == [[], [1], [0, 2, 4], [3, 3, 3, 3]]
    masked = frame([[0, 2, 3]], [[0, 10, 11]])
    assert cells(op.transform(masked)) == [[0, 2, 3]]


def test_insert_more_than_n_neighbors_raises():
    from skrec.augmentation import ItemSimilarity

    X = frame([[1, 2, 3]])
    op = TiInsert(max_insert_per_position=3, similarity=ItemSimilarity(n_neighbors=2))
    with pytest.raises(ValueError, match="n_neighbors"):
        op.fit(X)


def test_transform_requires_fit_for_similarity_operators():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TiInsert().transform(frame([[1, 2]]))
    # stateless operators work unfitted, like FunctionTransformer
    assert cells(TiCrop(rate=1.0).transform(frame([[1, 2]]))) == [[1, 2]]


def test_crop_huge_gaps_use_float_keys_and_match_brute_force():
    from ._doubles import reference_ti_window

    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(5, 40))
        t = np.concatenate([[0], np.cumsum(rng.integers(0, 3 * 10**8, n - 1) * 2 + 1)])
        X = frame([list(range(1, n + 1))], [t.tolist()])
        for mode in ("minimum", "maximum"):
            L = max(1, int(np.floor(0.7 * n)))
            s = reference_ti_window(t.tolist(), L, mode)
            out = TiCrop(rate=0.7, mode=mode).fit_transform(X)
            assert cells(out) == [list(range(s + 1, s + L + 1))]
