"""Batches, windows, negatives and the internal validation split."""

import numpy as np

from skrec.recommenders import LastItemSplit, SequenceDataset
from skrec.recommenders._data import sample_negatives
from skrec.sequence import ItemVocabulary, Ragged


def _ragged():
    # rows: [1 2 3 4], [5 6], [7]
    return Ragged(np.array([1, 2, 3, 4, 5, 6, 7]), np.arange(7) * 10,
                  np.array([0, 4, 6, 7]))


def test_vocabulary():
    voc = ItemVocabulary([40, 10, 30])
    internal, unknown = voc.encode([10, 40, 20])
    np.testing.assert_array_equal(internal, [1, 3, 0])
    np.testing.assert_array_equal(unknown, [False, False, True])


def test_windows():
    w = _ragged().gather(np.array([1, 4]), np.array([3, 6]) - np.array([1, 4]))
    np.testing.assert_array_equal(w.items, [2, 3, 5, 6])
    np.testing.assert_array_equal(w.timestamps, [10, 20, 40, 50])
    np.testing.assert_array_equal(w.offsets, [0, 2, 4])


def test_training_batch_aligns_inputs_and_targets():
    ds = SequenceDataset(_ragged(), max_length=5)
    assert len(ds) == 2  # the length-1 row has no next-item pair
    Xi, yi = ds[np.array([0, 1])]
    np.testing.assert_array_equal(Xi["input_ids"].numpy(), [[1, 2, 3], [0, 0, 5]])
    np.testing.assert_array_equal(yi["targets"].numpy(), [[2, 3, 4], [0, 0, 6]])
    np.testing.assert_array_equal(yi["sequences"].items, [1, 2, 3, 5])


def test_training_batch_truncates_to_recent_items():
    ds = SequenceDataset(_ragged(), max_length=2)
    Xi, yi = ds[np.array([0])]
    np.testing.assert_array_equal(Xi["input_ids"].numpy(), [[2, 3]])
    np.testing.assert_array_equal(yi["targets"].numpy(), [[3, 4]])


def test_prefix_examples():
    ds = SequenceDataset(_ragged(), max_length=5, examples="prefixes")
    # Row 0 (4 items) has prefixes of length 2, 3, 4; row 1 one; row 2 none.
    assert len(ds) == 4
    Xi, yi = ds[np.arange(4)]
    np.testing.assert_array_equal(
        Xi["input_ids"].numpy(), [[0, 0, 1], [0, 1, 2], [1, 2, 3], [0, 0, 5]]
    )
    np.testing.assert_array_equal(
        yi["targets"].numpy(), [[0, 0, 2], [0, 2, 3], [2, 3, 4], [0, 0, 6]]
    )


def test_evaluation_batch_and_seen_items():
    ds = SequenceDataset(_ragged(), max_length=3, targets=np.array([9, 8, 7]))
    Xi, yi = ds[np.array([0, 2])]
    np.testing.assert_array_equal(Xi["input_ids"].numpy(), [[2, 3, 4], [0, 0, 7]])
    np.testing.assert_array_equal(yi["targets"].numpy(), [9, 7])
    # Seen items cover the whole row, not only the last max_length items.
    np.testing.assert_array_equal(yi["seen_rows"].numpy(), [0, 0, 0, 0, 1])
    np.testing.assert_array_equal(yi["seen_items"].numpy(), [1, 2, 3, 4, 7])
    np.testing.assert_array_equal(ds.length_order(), [2, 1, 0])


def test_leave_last_out_split():
    train, valid = LastItemSplit()(SequenceDataset(_ragged(), 5))
    np.testing.assert_array_equal(train.ragged.items, [1, 2, 3, 5, 7])
    np.testing.assert_array_equal(valid.targets, [4, 6])
    np.testing.assert_array_equal(valid.ragged.items, [1, 2, 3, 5])


def test_negatives_avoid_the_rows_items():
    rng = np.random.default_rng(0)
    exclude = np.array([[1, 2, 3, 0], [4, 5, 0, 0]])
    neg = sample_negatives(rng, 8, (2, 200), exclude)
    assert neg.min() >= 1 and neg.max() <= 8
    assert not np.isin(neg[0], [1, 2, 3]).any()
    assert not np.isin(neg[1], [4, 5]).any()
    # Every allowed item is drawn (uniform over the rest).
    assert set(neg[0].tolist()) == {4, 5, 6, 7, 8}


def test_sample_negatives_with_several_per_position_avoids_the_row():
    rng = np.random.default_rng(0)
    neg = sample_negatives(rng, 4, (2, 5, 3), np.array([[1, 2, 0], [3, 4, 1]]))
    assert neg.shape == (2, 5, 3)
    assert set(neg[0].ravel().tolist()) <= {3, 4} and set(neg[1].ravel().tolist()) == {2}
