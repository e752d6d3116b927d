import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skrec.sequence import (
    Ragged,
    check_sequence_frame,
    from_ragged,
    gaps,
    make_sequence_frame,
    segment_ids,
    to_padded,
)


@st.composite
def sequence_lists(draw, min_len=0):
    n = draw(st.integers(0, 8))
    items, times = [], []
    for _ in range(n):
        length = draw(st.integers(min_len, 7))
        items.append(draw(st.lists(st.integers(1, 50), min_size=length, max_size=length)))
        steps = draw(st.lists(st.integers(0, 5), min_size=length, max_size=length))
        times.append(list(np.cumsum(steps)))
    return items, times


def test_hand_worked_frame_round_trip():
    X = make_sequence_frame([[1, 2, 3], [4], [5, 6]], [[0, 5, 7], [3], [1, 1]],
                            index=["a", "b", "c"])
    r = check_sequence_frame(X)
    np.testing.assert_array_equal(r.items, [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(r.timestamps, [0, 5, 7, 3, 1, 1])
    np.testing.assert_array_equal(r.offsets, [0, 3, 4, 6])
    g, goff = gaps(r)
    np.testing.assert_array_equal(g, [5, 2, 0])
    np.testing.assert_array_equal(goff, [0, 2, 2, 3])
    back = from_ragged(r, index=X.index)
    assert list(back.index) == ["a", "b", "c"]
    for col in ("items", "timestamps"):
        for got, want in zip(back[col], X[col]):
            np.testing.assert_array_equal(got, want)


def test_padding_keeps_most_recent_left_padded():
    r = Ragged(np.array([5, 6, 7, 8]), np.array([1, 2, 3, 4]), np.array([0, 3, 3, 4]))
    np.testing.assert_array_equal(
        to_padded(r, 2), [[6, 7], [0, 0], [0, 8]]
    )
    np.testing.assert_array_equal(
        to_padded(r, 4, values="timestamps"), [[0, 1, 2, 3], [0, 0, 0, 0], [0, 0, 0, 4]]
    )


@given(sequence_lists())
def test_flat_view_matches_python_reference(data):
    items, times = data
    X = make_sequence_frame(items, times)
    r = check_sequence_frame(X, allow_empty=True, allow_empty_sequences=True)
    assert r.n_sequences == len(items)
    np.testing.assert_array_equal(r.lengths, [len(s) for s in items])
    np.testing.assert_array_equal(
        r.items, np.array([i for s in items for i in s], dtype=np.int64)
    )
    g, goff = gaps(r)
    ref = [b - a for t in times for a, b in zip(t[:-1], t[1:])]
    np.testing.assert_array_equal(g, np.array(ref, dtype=np.int64))
    np.testing.assert_array_equal(np.diff(goff), [max(len(s) - 1, 0) for s in items])
    np.testing.assert_array_equal(
        segment_ids(r.offsets), [k for k, s in enumerate(items) for _ in s]
    )
    padded = to_padded(r, 3)
    for row, s in zip(padded, items):
        tail = s[-3:]
        assert list(row) == [0] * (3 - len(tail)) + list(tail)


@given(sequence_lists(min_len=1), st.data())
def test_take_matches_python_reference(data, draw):
    items, times = data
    X = make_sequence_frame(items, times)
    r = check_sequence_frame(X, allow_empty=True)
    idx = draw.draw(st.lists(st.integers(0, max(len(items) - 1, 0)), max_size=6)) if items else []
    sub = r.take(idx)
    np.testing.assert_array_equal(
        sub.items, np.array([i for k in idx for i in items[k]], dtype=np.int64)
    )
    np.testing.assert_array_equal(sub.lengths, [len(items[k]) for k in idx])


def test_validation_does_not_modify_input_and_is_picklable():
    X = make_sequence_frame([[3, 1], [2]], [[10, 20], [5]], index=[7, 9])
    before = pickle.dumps(X)
    check_sequence_frame(X)
    assert pickle.dumps(X) == before
    Y = pickle.loads(before)
    np.testing.assert_array_equal(check_sequence_frame(Y).items, [3, 1, 2])


def test_list_cells_and_float_integers_are_accepted():
    X = pd.DataFrame({"items": [[3.0, 1.0]], "timestamps": [[1, 2]]})
    np.testing.assert_array_equal(check_sequence_frame(X).items, [3, 1])


@pytest.mark.parametrize(
    "frame, error, match",
    [
        ([1, 2], TypeError, "Expected a sequence frame"),
        (pd.DataFrame({"items": [[1, 2]]}), ValueError, "missing column"),
        (pd.DataFrame({"items": [], "timestamps": []}), ValueError, "empty"),
        (pd.DataFrame({"items": [[]], "timestamps": [[]]}), ValueError, "empty sequence"),
        (pd.DataFrame({"items": [[1, 2]], "timestamps": [[1]]}), ValueError, "different lengths"),
        (pd.DataFrame({"items": [[1, 0]], "timestamps": [[1, 2]]}), ValueError, "positive"),
        (pd.DataFrame({"items": [[1, -3]], "timestamps": [[1, 2]]}), ValueError, "positive"),
        (pd.DataFrame({"items": [[1, 2.5]], "timestamps": [[1, 2]]}), ValueError, "integers"),
        (pd.DataFrame({"items": [[1, 2]], "timestamps": [[1, np.nan]]}), ValueError, "NaN"),
        (pd.DataFrame({"items": [[1, 2]], "timestamps": [[-1, 2]]}), ValueError, "non-negative"),
        (pd.DataFrame({"items": [[1, 2]], "timestamps": [[3, 2]]}), ValueError, "sorted"),
        (pd.DataFrame({"items": [5], "timestamps": [6]}), TypeError, "list-like"),
        (pd.DataFrame({"items": [["a", "b"]], "timestamps": [[1, 2]]}), TypeError, "integer"),
    ],
)
def test_bad_frames_raise_clear_errors(frame, error, match):
    with pytest.raises(error, match=match):
        check_sequence_frame(frame)


def test_error_names_offending_row():
    X = make_sequence_frame([[1, 2], [3, 4]], [[1, 2], [1, 2]], index=["ok", "bad"])
    X.loc["bad", "timestamps"] = np.array([5, 1])
    with pytest.raises(ValueError, match="'bad'"):
        check_sequence_frame(X)


def test_zero_items_allowed_on_request():
    X = pd.DataFrame({"items": [[1, 0]], "timestamps": [[1, 2]]})
    np.testing.assert_array_equal(check_sequence_frame(X, allow_zero_items=True).items, [1, 0])
