"""check_item_ids and ItemVocabulary: ranges and their error messages."""

import numpy as np
import pytest

from skrec.sequence import ItemVocabulary, NonIntegerItemIdError, check_item_ids


def test_valid_ids_come_back_as_int64():
    out = check_item_ids(np.array([3.0, 1.0]))
    assert out.dtype == np.int64 and out.tolist() == [3, 1]
    top = np.iinfo(np.int64).max
    assert check_item_ids(np.array([top], dtype=np.uint64)).tolist() == [top]


@pytest.mark.parametrize("ids", [np.array([2**64 - 1], dtype=np.uint64),
                                 np.array([2**63], dtype=np.uint64),
                                 np.array([1e19])])
def test_too_large_ids_are_called_too_large(ids):
    with pytest.raises(ValueError, match="too large"):
        check_item_ids(ids)


def test_negative_and_bad_ids():
    with pytest.raises(ValueError, match="non-negative"):
        check_item_ids(np.array([-1]))
    with pytest.raises(ValueError, match="negative and too large"):
        check_item_ids(np.array([-1e19]))
    with pytest.raises(ValueError, match="positive"):
        check_item_ids([0, 2], "y", min_id=1)
    with pytest.raises(ValueError, match=r"0\.\.5"):
        check_item_ids([7], "y", max_id=5)
    with pytest.raises(NonIntegerItemIdError):
        check_item_ids([1.5])
    with pytest.raises(TypeError, match="integers"):
        check_item_ids(np.array(["a"]))


def test_vocabulary_round_trip():
    vocab = ItemVocabulary(np.array([10, 20, 30]))
    internal, unknown = vocab.encode(np.array([20, 40, 10]))
    assert internal.tolist() == [2, 0, 1] and unknown.tolist() == [False, True, False]
