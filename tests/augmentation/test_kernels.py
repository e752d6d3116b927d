"""The vectorized segment kernels of ``skrec.augmentation._kernels`` against
brute-force references, on batches long enough to cross the row boundaries of
the segmented sort and to hold segments longer than half a row."""

from collections import Counter
from itertools import combinations, permutations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from skrec.augmentation import _kernels as K
from skrec.sequence import Ragged

from ._doubles import reference_before_gaps, reference_ti_window

# Lengths around the row (256) and half-row (128) sizes of ``sort_segments``.
LENGTHS = st.lists(
    st.one_of(st.integers(0, 12), st.sampled_from([127, 128, 129, 200, 255, 256, 300])),
    min_size=1, max_size=40,
)


def _offsets(lengths):
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _segments(offsets):
    return [slice(a, b) for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


@settings(max_examples=60, deadline=None)
@given(lengths=LENGTHS, vmax=st.sampled_from([1, 3, 1000, 2**40]), seed=st.integers(0, 2**32))
def test_sort_segments_gives_a_stable_order_by_value_in_every_segment(lengths, vmax, seed):
    lengths = np.array(lengths, dtype=np.int64)
    offsets = _offsets(lengths)
    values = np.random.default_rng(seed).integers(0, vmax, size=int(offsets[-1]))
    keys, low = K.pack_segment_keys(values, lengths, offsets)
    ordered = K.sort_segments(keys, lengths)
    for seg in _segments(offsets):
        assert ordered[seg].tolist() == sorted(keys[seg].tolist())
        # the low bits decode to the stable argsort of the segment's values
        positions = (ordered[seg] & ((1 << low) - 1)).tolist()
        assert positions == np.argsort(values[seg], kind="stable").tolist()


def test_pack_segment_keys_declines_keys_wider_than_62_bits():
    lengths = np.array([3, 2])
    values = np.array([0, 2**60, 1, 5, 7])  # 61 + 1 + 2 bits
    assert K.pack_segment_keys(values, lengths, _offsets(lengths)) is None


def _brute_smallest(values, offsets, k):
    out = np.zeros(len(values), dtype=bool)
    for seg, kk in zip(_segments(offsets), k.tolist()):
        order = np.argsort(values[seg], kind="stable")[:kk]
        out[seg.start + order] = True
    return out


@settings(max_examples=60, deadline=None)
@given(lengths=LENGTHS, vmax=st.sampled_from([2, 50, 2**20]), seed=st.integers(0, 2**32))
def test_select_smallest_takes_the_k_smallest_earliest_first(lengths, vmax, seed):
    rng = np.random.default_rng(seed)
    lengths = np.array(lengths, dtype=np.int64)
    offsets = _offsets(lengths)
    values = rng.integers(0, vmax, size=int(offsets[-1]))
    k = rng.integers(0, lengths + 1)
    expected = _brute_smallest(values, offsets, k)
    np.testing.assert_array_equal(K.select_smallest(values, offsets, lengths, k), expected)
    # keys too wide to pack take the fallback sort; same answer
    wide = values + 2**58
    np.testing.assert_array_equal(K.select_smallest(wide, offsets, lengths, k), expected)


@settings(max_examples=40, deadline=None)
@given(lengths=LENGTHS, rate=st.sampled_from([0.1, 0.5, 1.0]), seed=st.integers(0, 2**32),
       mode=st.sampled_from(["minimum", "maximum"]))
def test_select_before_gaps_matches_brute_force_on_long_batches(lengths, rate, seed, mode):
    rng = np.random.default_rng(seed)
    lengths = np.array(lengths, dtype=np.int64)
    offsets = _offsets(lengths)
    gaps = rng.choice([0, 1, 86400, 3 * 86400], size=int(offsets[-1]))
    times = np.cumsum(gaps)  # sorted inside every sequence
    ragged = Ragged(rng.integers(1, 9, size=len(times)), times, offsets)
    k = np.floor(rate * lengths).astype(np.int64)
    selected = K.select_before_gaps(ragged, k, mode)
    for seg, kk in zip(_segments(offsets), k.tolist()):
        t = times[seg].tolist()
        expected = reference_before_gaps(t, min(kk, max(len(t) - 1, 0)), mode)
        assert np.flatnonzero(selected[seg]).tolist() == expected


def test_select_random_draws_every_k_subset_equally_often():
    # Four kinds of sequences in one batch, 600 copies each: every k-subset of
    # each kind is equally likely (Floyd's algorithm with batched draws).
    kinds = [(5, 2), (3, 3), (6, 1), (4, 0), (7, 3)]
    copies = 600
    lengths = np.array([n for n, _ in kinds] * copies)
    k = np.array([k for _, k in kinds] * copies)
    offsets = _offsets(lengths)
    selected = K.select_random(offsets, k, np.random.default_rng(0))
    counts = {i: Counter() for i in range(len(kinds))}
    for j, seg in enumerate(_segments(offsets)):
        chosen = tuple(np.flatnonzero(selected[seg]).tolist())
        n, kk = kinds[j % len(kinds)]
        assert len(chosen) == kk
        counts[j % len(kinds)][chosen] += 1
    for i, (n, kk) in enumerate(kinds):
        subsets = list(combinations(range(n), kk))
        observed = [counts[i][s] for s in subsets]
        assert sum(observed) == copies
        if len(subsets) > 1:
            assert chisquare(observed).pvalue > 1e-3


def test_select_random_long_sequences_have_uniform_marginals():
    lengths = np.array([300] * 40 + [3])
    k = np.array([150] * 40 + [5])  # k above n is capped
    offsets = _offsets(lengths)
    selected = K.select_random(offsets, k, np.random.default_rng(1))
    per_seq = np.add.reduceat(selected, offsets[:-1])
    assert per_seq.tolist() == [150] * 40 + [3]
    hits = selected[:12000].reshape(40, 300).sum(axis=0)  # each position: Bin(40, 1/2)
    assert chisquare(np.stack([hits, 40 - hits]).ravel()).pvalue > 1e-3


def test_shuffle_windows_permutes_inside_each_window_only():
    lengths = np.array([10, 300, 4, 260, 0, 7])
    offsets = _offsets(lengths)
    n = int(offsets[-1])
    ragged = Ragged(np.arange(1, n + 1), np.arange(n), offsets)
    ids = np.array([0, 1, 3, 5])
    starts = np.array([2, 5, 0, 0])
    window = np.array([5, 290, 260, 2])
    out = K.shuffle_windows(ragged, ids, starts, window, np.random.default_rng(0))
    np.testing.assert_array_equal(out.timestamps, ragged.timestamps)
    moved = np.zeros(n, dtype=bool)
    for i, s, w in zip(ids, starts, window):
        a = offsets[i] + s
        assert sorted(out.items[a : a + w].tolist()) == ragged.items[a : a + w].tolist()
        moved[a : a + w] = True
    np.testing.assert_array_equal(out.items[~moved], ragged.items[~moved])
    # the 290- and 260-item windows (longer than half a row) are shuffled too
    assert not np.array_equal(out.items[15:305], ragged.items[15:305])


def test_shuffle_windows_draws_every_permutation_equally_often():
    copies = 1200
    lengths = np.full(copies, 3)
    offsets = _offsets(lengths)
    ragged = Ragged(np.tile([1, 2, 3], copies), np.arange(3 * copies), offsets)
    ids = np.arange(copies)
    out = K.shuffle_windows(ragged, ids, np.zeros(copies, dtype=np.int64),
                            np.full(copies, 3), np.random.default_rng(0))
    seen = Counter(tuple(row) for row in out.items.reshape(copies, 3).tolist())
    observed = [seen[p] for p in permutations([1, 2, 3])]
    assert sum(observed) == copies
    assert chisquare(observed).pvalue > 1e-3


GAP_SETS = {
    "days": [0, 86400, 2 * 86400, 7 * 86400],
    "seconds": [0, 1, 7, 3600, 86401],
    "huge": [0, 10**12, 3 * 10**12 + 1, 10**13],  # inexact in int64: float path
}


@settings(max_examples=40, deadline=None)
@given(lengths=LENGTHS, gaps=st.sampled_from(sorted(GAP_SETS)), seed=st.integers(0, 2**32),
       rate=st.sampled_from([0.02, 0.3, 0.7, 1.0]), mode=st.sampled_from(["minimum", "maximum"]))
def test_ti_window_starts_match_brute_force(lengths, gaps, seed, rate, mode):
    rng = np.random.default_rng(seed)
    lengths = np.array(lengths, dtype=np.int64)
    offsets = _offsets(lengths)
    times = np.cumsum(rng.choice(GAP_SETS[gaps], size=int(offsets[-1])))
    ragged = Ragged(np.ones(len(times), dtype=np.int64), times, offsets)
    window = np.where(lengths > 0, np.maximum(np.floor(rate * lengths).astype(np.int64), 1), 0)
    starts = K.ti_window_starts(ragged, window, mode, rng)
    for seg, L, s in zip(_segments(offsets), window.tolist(), starts.tolist()):
        n = seg.stop - seg.start
        if L >= 3:
            assert s == reference_ti_window(times[seg].tolist(), L, mode)
        elif n:
            assert 0 <= s <= n - L


@settings(max_examples=40, deadline=None)
@given(lengths=LENGTHS, seed=st.integers(0, 2**32),
       rate=st.sampled_from([0.3, 0.7, 1.0]), mode=st.sampled_from(["minimum", "maximum"]))
def test_ti_window_starts_mixing_huge_and_small_gaps_in_one_batch(lengths, seed, rate, mode):
    # Each sequence draws its own gap set: the exact arithmetic is chosen per
    # sequence, so sequences whose keys overflow int64 and ordinary ones share
    # a batch and every one must still match the brute force.
    rng = np.random.default_rng(seed)
    lengths = np.array(lengths, dtype=np.int64)
    offsets = _offsets(lengths)
    kinds = rng.choice(sorted(GAP_SETS), size=len(lengths))
    times = np.concatenate(
        [np.cumsum(rng.choice(GAP_SETS[k], size=n)) for k, n in zip(kinds, lengths)]
        + [np.zeros(0, dtype=np.int64)]
    ).astype(np.int64)
    ragged = Ragged(np.ones(len(times), dtype=np.int64), times, offsets)
    window = np.where(lengths > 0, np.maximum(np.floor(rate * lengths).astype(np.int64), 1), 0)
    starts = K.ti_window_starts(ragged, window, mode, rng)
    for seg, L, s in zip(_segments(offsets), window.tolist(), starts.tolist()):
        if L >= 3:
            assert s == reference_ti_window(times[seg].tolist(), L, mode)


@pytest.mark.parametrize(
    "d, expected",
    [
        (np.r_[np.full(2000, 86400), 3600], 3600),  # the sample's divisor fails late
        (np.r_[np.zeros(1500, dtype=np.int64), 10, 4], 2),  # the sample is all zeros
        (np.array([6, 9, 15]), 3),
        (np.array([4, 7]), 1),
        (np.zeros(0, dtype=np.int64), 1),
    ],
)
def test_divide_by_gcd(d, expected):
    q, unit = K._divide_by_gcd(d.astype(np.int64))
    assert unit == expected
    np.testing.assert_array_equal(q * unit, d)
