"""Hand-worked cases of the random (CoSeRec) operators."""

import numpy as np
import pytest

from skrec.augmentation import (
    RandomCrop,
    RandomInsert,
    RandomMask,
    RandomReorder,
    RandomSubstitute,
    TiMask,
)

from ._doubles import ShiftSimilarity, cells, frame

I6 = [1, 2, 3, 4, 5, 6]
T6 = [0, 1, 2, 3, 10, 30]


def test_random_crop_keeps_a_contiguous_window_with_uniform_start():
    X = frame([I6], [T6])
    starts = []
    for s in range(400):
        out = RandomCrop(rate=0.5, random_state=s).fit_transform(X)
        items, times = cells(out)[0], cells(out, "timestamps")[0]
        assert len(items) == 3
        start = items[0] - 1
        assert items == I6[start : start + 3] and times == T6[start : start + 3]
        starts.append(start)
    assert np.bincount(starts, minlength=4).min() > 70


@pytest.mark.parametrize("n, expected_len", [(0, 0), (1, 1), (2, 1), (10, 7)])
def test_random_crop_lengths(n, expected_len):
    X = frame([list(range(1, n + 1))])
    assert len(cells(RandomCrop(random_state=0).fit_transform(X))[0]) == expected_len


def test_random_reorder_permutes_one_window_and_keeps_time_slots():
    X = frame([I6], [T6])
    moved = set()
    for s in range(100):
        out = RandomReorder(rate=0.5, random_state=s).fit_transform(X)
        items = np.array(cells(out)[0])
        assert sorted(items.tolist()) == I6
        assert cells(out, "timestamps") == [T6]
        diff = np.flatnonzero(items != np.array(I6))
        if len(diff):
            assert diff.max() - diff.min() < 3  # within one window of 3
            moved.update(diff.tolist())
    assert moved == set(range(6))


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_random_reorder_short_unchanged(n):
    X = frame([list(range(1, n + 1))])
    assert cells(RandomReorder(rate=0.5, random_state=0).fit_transform(X)) == cells(X)


def test_random_mask_equals_ti_mask_random():
    X = frame([I6, [1], [], [2, 3]], [T6, [0], [], [0, 1]])
    a = RandomMask(rate=0.5, mask_value=9, random_state=3).fit_transform(X)
    b = TiMask(rate=0.5, mode="random", mask_value=9, random_state=3).fit_transform(X)
    assert cells(a) == cells(b)
    assert [np.sum(np.array(c) == 9) for c in cells(a)] == [3, 0, 0, 1]


def test_random_substitute_counts_and_rate_one():
    X = frame([I6, [7]], [T6, [0]])
    op = RandomSubstitute(rate=0.5, similarity=ShiftSimilarity(), random_state=0).fit(X)
    out = cells(op.transform(X))
    assert sum(v > 100 for v in out[0]) == 3
    assert out[1] == [107]  # k = max(1, floor(0.5)) = 1 of all n positions
    full = RandomSubstitute(rate=1.0, similarity=ShiftSimilarity()).fit(X)
    assert cells(full.transform(X)) == [[v + 100 for v in I6], [107]]


def test_random_insert_at_end_takes_last_timestamp():
    X = frame([[1]], [[7]])
    out = RandomInsert(rate=1.0, similarity=ShiftSimilarity()).fit_transform(X)
    assert cells(out) == [[1, 101]]
    assert cells(out, "timestamps") == [[7, 7]]


def test_random_insert_everywhere_with_midpoints():
    X = frame([[1, 2, 3]], [[0, 10, 13]])
    out = RandomInsert(rate=1.0, similarity=ShiftSimilarity()).fit_transform(X)
    assert cells(out) == [[1, 101, 2, 102, 3, 103]]
    assert cells(out, "timestamps") == [[0, 5, 10, 11, 13, 13]]


def test_random_insert_positions_uniform():
    X = frame([[1, 2, 3, 4]], [[0, 4, 8, 12]])
    hits = np.zeros(4)
    for s in range(200):
        out = cells(RandomInsert(rate=0.25, similarity=ShiftSimilarity(),
                                 random_state=s).fit_transform(X))[0]
        assert len(out) == 5
        hits[out[out.index(max(out)) - 1] - 1] += 1
    assert hits.min() > 30
