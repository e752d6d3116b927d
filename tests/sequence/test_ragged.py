"""The ragged core's operations against per-sequence Python references."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skrec.sequence import (
    Ragged,
    check_ragged,
    offsets_from_lengths,
    window_positions,
)

SEQS = st.lists(st.lists(st.integers(1, 50), max_size=8), min_size=1, max_size=12)


def _ragged(seqs):
    lengths = [len(s) for s in seqs]
    items = np.array([x for s in seqs for x in s], dtype=np.int64)
    # timestamps = 10 * item + position keeps them distinguishable from items
    times = np.array([10 * j for s in seqs for j in range(len(s))], dtype=np.int64)
    return Ragged.from_lengths(items, times, lengths)


def _lists(r):
    return [r.items[a:b].tolist() for a, b in zip(r.offsets[:-1], r.offsets[1:])]


@settings(max_examples=60, deadline=None)
@given(seqs=SEQS, data=st.data())
def test_take_windows_gather_match_python_slices(seqs, data):
    r = _ragged(seqs)
    idx = data.draw(st.lists(st.integers(0, len(seqs) - 1), max_size=15))
    assert _lists(r.take(idx)) == [seqs[i] for i in idx]
    starts = [data.draw(st.integers(0, len(s))) for s in seqs]
    lengths = [data.draw(st.integers(0, len(s) - a)) for s, a in zip(seqs, starts)]
    w = r.windows(starts, lengths)
    assert _lists(w) == [s[a:a + n] for s, a, n in zip(seqs, starts, lengths)]
    flat = r.offsets[:-1] + np.array(starts)
    assert _lists(r.gather(flat, lengths)) == _lists(w)


@settings(max_examples=60, deadline=None)
@given(seqs=SEQS, n=st.integers(0, 4))
def test_drop_last_last_items_and_append(seqs, n):
    r = _ragged(seqs)
    assert _lists(r.drop_last(n)) == [s[: max(len(s) - n, 0)] for s in seqs]
    assert r.last_items().tolist() == [s[-1] if s else 0 for s in seqs]
    new = list(range(100, 100 + len(seqs)))
    a = r.append(new)
    assert _lists(a) == [s + [x] for s, x in zip(seqs, new)]
    # appended events carry the row's last timestamp (0 for an empty row)
    last_t = [a.timestamps[e - 1] for e in a.offsets[1:]]
    assert last_t == [10 * (len(s) - 1) if s else 0 for s in seqs]


@settings(max_examples=40, deadline=None)
@given(a=SEQS, b=SEQS, seed=st.integers(0, 2**32 - 1))
def test_concat_and_concat_in_order(a, b, seed):
    ra, rb = _ragged(a), _ragged(b)
    assert _lists(Ragged.concat([ra, rb])) == a + b
    n = len(a) + len(b)
    rows = np.random.default_rng(seed).permutation(n)
    back = Ragged.concat_in_order([(rows[: len(a)], ra), (rows[len(a):], rb)], n)
    expected = [None] * n
    for r, s in zip(rows, a + b):
        expected[r] = s
    assert _lists(back) == expected


def test_window_positions_and_offsets():
    pos, off = window_positions(np.array([7, 0, 3]), np.array([2, 0, 3]))
    np.testing.assert_array_equal(pos, [7, 8, 3, 4, 5])
    np.testing.assert_array_equal(off, [0, 2, 2, 5])
    np.testing.assert_array_equal(offsets_from_lengths([]), [0])


@pytest.mark.parametrize(
    "ragged, match",
    [
        ("not a ragged", "Expected a skrec.sequence.Ragged"),
        (Ragged(np.array([1.5]), np.array([0]), np.array([0, 1])), "integer"),
        (Ragged(np.array([1, 2]), np.array([0, 1]), np.array([0, 3])), "Malformed"),
        (Ragged(np.array([1, 2]), np.array([0]), np.array([0, 2])), "Malformed"),
        (Ragged(np.array([1, 2]), np.array([0, 1]), np.array([0, 2, 1, 2])),
         "Malformed"),
        (Ragged(np.array([1, 0]), np.array([0, 1]), np.array([0, 2])), "positive"),
        (Ragged(np.array([1, 2]), np.array([0, -1]), np.array([0, 2])),
         "non-negative"),
        (Ragged(np.array([1, 2]), np.array([5, 1]), np.array([0, 2])), "sorted"),
        (Ragged(np.array([1, 2]), np.array([0, 1]), np.array([0, 2, 2])),
         "empty sequence"),
    ],
)
def test_check_ragged_rejects_broken_input(ragged, match):
    with pytest.raises((TypeError, ValueError), match=match):
        check_ragged(ragged)


def test_check_ragged_casts_and_accepts_valid_input():
    r = Ragged(np.array([1, 2], dtype=np.int32), np.array([0, 1]), np.array([0, 2]))
    out = check_ragged(r)
    assert out.items.dtype == np.int64
    np.testing.assert_array_equal(out.items, [1, 2])
    ok = Ragged(np.array([1, 2]), np.array([0, 1]), np.array([0, 2]))
    assert check_ragged(ok) is ok


def test_windows_and_drop_last_reject_what_would_read_outside_a_sequence():
    r = Ragged(np.array([1, 2, 3]), np.array([0, 1, 2]), np.array([0, 2, 3]))
    for starts, lengths in (([1, 0], [2, 1]), ([-1, 0], [1, 1]), ([0, 0], [1, -1])):
        with pytest.raises(ValueError, match="inside its sequence"):
            r.windows(starts, lengths)
    with pytest.raises(ValueError, match="non-negative"):
        r.drop_last(-1)
