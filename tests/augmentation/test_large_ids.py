"""Tables are sized by the number of distinct items, never by the largest id."""

import tracemalloc

import numpy as np
import pytest

from skrec.augmentation import (
    ItemSimilarity,
    LengthAwareAugmenter,
    RandomCrop,
    RandomInsert,
    RandomMask,
    RandomReorder,
    RandomSubstitute,
    TiCrop,
    TiInsert,
    TiMask,
    TiReorder,
    TiSubstitute,
)
from skrec.sequence import make_sequence_frame

HUGE = [10**12, 2 * 10**7]
SEQS = [[HUGE[0], 3, HUGE[1]], [3, HUGE[1], 7], [7, HUGE[0]], [5, 3, 7, HUGE[1]]]
TIMES = [[0, 4, 9], [1, 2, 8], [0, 5], [0, 2, 3, 9]]
# The same data with the ids relabelled 1..5 in the same order.
RELABEL = {3: 1, 5: 2, 7: 3, HUGE[1]: 4, HUGE[0]: 5}


def _peak_mb(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("method", ["itemcf", "itemcf_iuf", "item2vec", "hybrid"])
def test_similarity_with_huge_ids_matches_the_relabelled_model(method):
    X = make_sequence_frame(SEQS, TIMES)
    params = dict(method=method, n_neighbors=3, random_state=0, epochs=2)
    X_small = make_sequence_frame([[RELABEL[i] for i in s] for s in SEQS], TIMES)
    sim, small = ItemSimilarity(**params), ItemSimilarity(**params)
    peak, peak_small = _peak_mb(lambda: sim.fit(X)), _peak_mb(lambda: small.fit(X_small))
    # As much memory as with ids 1..5 (Item2Vec's fixed 8 MB noise table aside).
    assert peak < 1.1 * peak_small + 1
    assert peak < (25 if method in ("item2vec", "hybrid") else 5)
    assert sim.items_.tolist() == [0, 3, 5, 7, HUGE[1], HUGE[0]]
    back = {v: k for k, v in RELABEL.items()} | {0: 0}
    ids = np.array(list(RELABEL))
    expected = np.vectorize(back.get)(small.most_similar([RELABEL[i] for i in ids], k=3))
    np.testing.assert_array_equal(sim.most_similar(ids, k=3), expected)
    np.testing.assert_allclose(
        sim.similarity(np.repeat(ids, 5), np.tile(ids, 5)),
        small.similarity(np.repeat([RELABEL[i] for i in ids], 5),
                         np.tile([RELABEL[i] for i in ids], 5)),
    )
    # unknown ids (including one between two known ones) map to themselves
    np.testing.assert_array_equal(sim.most_similar([4, 10**13, 0], k=2),
                                  [[4, 4], [10**13, 10**13], [0, 0]])
    assert sim.similarity([4], [3])[0] == 0.0


OPERATORS = [
    TiCrop(), TiReorder(), TiMask(), TiSubstitute(), TiInsert(), RandomCrop(),
    RandomReorder(), RandomMask(), RandomSubstitute(), RandomInsert(),
    LengthAwareAugmenter(),
]


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: type(op).__name__)
def test_every_operator_fits_and_transforms_huge_ids_in_little_memory(op):
    X = make_sequence_frame(SEQS, TIMES)
    assert _peak_mb(lambda: op.set_params(random_state=0).fit(X).transform(X)) < 20
    out = op.transform(X)
    known = set(RELABEL) | {0}
    assert all(set(c.tolist()) <= known for c in out["items"])
