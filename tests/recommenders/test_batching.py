"""The length-aware batch sampler."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skrec.recommenders import LengthBucketSampler


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 60), min_size=1, max_size=300),
    batch_size=st.integers(1, 40),
    pool_size=st.integers(1, 8),
    seed=st.integers(0, 2**31 - 1),
)
def test_every_example_once_per_epoch(lengths, batch_size, pool_size, seed):
    sampler = LengthBucketSampler(lengths, batch_size, pool_size=pool_size,
                                  random_state=seed)
    for _ in range(2):  # two epochs, each a full pass
        batches = list(sampler)
        assert len(batches) == len(sampler)
        assert all(1 <= len(b) <= batch_size for b in batches)
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)),
                                      np.arange(len(lengths)))


def test_reproducible_and_epochs_differ():
    lengths = np.random.default_rng(0).integers(1, 50, 1000)
    a = [b.tolist() for b in LengthBucketSampler(lengths, 32, random_state=7)]
    b = [b.tolist() for b in LengthBucketSampler(lengths, 32, random_state=7)]
    assert a == b
    sampler = LengthBucketSampler(lengths, 32, random_state=7)
    first, second = [b.tolist() for b in sampler], [b.tolist() for b in sampler]
    assert first == a and second != first


def test_batches_are_narrow_and_pools_are_sorted():
    lengths = np.random.default_rng(1).geometric(0.15, 5000)
    bucket = list(LengthBucketSampler(lengths, 64, pool_size=20, random_state=0))
    plain = list(LengthBucketSampler(lengths, 64, pool_size=1, random_state=0))

    def padded(batches):
        return sum(lengths[b].max() * len(b) for b in batches)

    assert padded(bucket) < 0.5 * padded(plain)
    # Within a batch drawn from a sorted pool, lengths span a narrow range.
    spread = np.median([np.ptp(lengths[b]) for b in bucket])
    assert spread <= 1


def test_pool_size_one_is_random_batching():
    # One batch per pool: the sort happens within a batch only, so the batches
    # are exactly the consecutive chunks of the shuffled order.
    lengths = np.arange(10)
    batches = list(LengthBucketSampler(lengths, 3, pool_size=1, random_state=0))
    rng = np.random.default_rng(0)
    perm = rng.permutation(10)
    chunks = [set(perm[i:i + 3].tolist()) for i in range(0, 10, 3)]
    assert sorted(map(sorted, chunks)) == sorted(sorted(b.tolist()) for b in batches)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_sizes_raise(bad):
    with pytest.raises(ValueError, match="batch_size"):
        LengthBucketSampler([1, 2], bad)
    with pytest.raises(ValueError, match="pool_size"):
        LengthBucketSampler([1, 2], 2, pool_size=bad)


def test_empty_and_2d_lengths():
    assert list(LengthBucketSampler([], 4)) == []
    with pytest.raises(ValueError, match="1-D"):
        LengthBucketSampler([[1, 2]], 4)
