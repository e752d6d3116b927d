"""Length-aware batching: batches of sequences of similar length.

A batch of left-padded sequences is as wide as its longest row, and a
transformer's cost grows with that width. Random batches of a log whose
lengths are skewed (most users short, a few long) are mostly padding: on
Amazon Beauty the mean training input has about 6 items while a random batch
of 128 is usually 40-50 wide. :class:`LengthBucketSampler` draws batches from
shuffled *pools* of sequences sorted by length, so rows of a batch have
similar lengths and batches are narrow, while every epoch still visits every
sequence exactly once in a random order of batches.
"""

import numbers

import numpy as np
from torch.utils.data import Sampler

__all__ = ["LengthBucketSampler"]


class LengthBucketSampler(Sampler):
    """Batch sampler that groups examples of similar length.

    One pass (an epoch) shuffles all examples, cuts the shuffled order into
    pools of ``pool_size`` batches, sorts each pool by length (ties in the
    shuffled order), cuts each sorted pool into batches of ``batch_size``
    and yields all batches in a random order. Each example appears in exactly
    one batch per pass; only the last batch of each pool may be smaller than
    ``batch_size``. With ``pool_size=1`` batches are plain random batches.

    Parameters
    ----------
    lengths : array-like of shape (n_examples,)
        Length of every example (any sortable numbers).
    batch_size : int
        Examples per batch.
    pool_size : int, default=50
        Batches per pool. Larger pools give more homogeneous (narrower)
        batches; smaller pools leave more chance in which sequences share a
        batch.
    random_state : int, numpy Generator or None, default=None
        Seeds the shuffles: equal seeds give equal batches. Each call of
        ``iter`` draws a new pass from the generator.

    Examples
    --------
    >>> import numpy as np
    >>> sampler = LengthBucketSampler([1, 9, 2, 8, 3, 7], batch_size=2,
    ...                               pool_size=3, random_state=0)
    >>> len(sampler)
    3
    >>> batches = list(sampler)
    >>> sorted(np.concatenate(batches).tolist())
    [0, 1, 2, 3, 4, 5]
    >>> sorted(sorted([1, 9, 2, 8, 3, 7][i] for i in b) for b in batches)
    [[1, 2], [3, 7], [8, 9]]
    """

    def __init__(self, lengths, batch_size, *, pool_size=50, random_state=None):
        lengths = np.asarray(lengths)
        if lengths.ndim != 1:
            raise ValueError(f"lengths must be 1-D, got shape {lengths.shape}.")
        for name, value in (("batch_size", batch_size), ("pool_size", pool_size)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self.lengths = lengths
        self.batch_size = int(batch_size)
        self.pool_size = int(pool_size)
        self.random_state = random_state
        self._rng = np.random.default_rng(random_state)

    def _pools(self):
        n, pool = len(self.lengths), self.batch_size * self.pool_size
        sizes = np.full(n // pool, pool, dtype=np.int64)
        if n % pool:
            sizes = np.append(sizes, n % pool)
        return sizes

    def __len__(self):
        return int(sum(-(-s // self.batch_size) for s in self._pools()))

    def __iter__(self):
        rng = self._rng
        n = len(self.lengths)
        if n == 0:
            return
        perm = rng.permutation(n)
        pool_of = np.arange(n) // (self.batch_size * self.pool_size)
        # Sort by (pool, length); a stable sort keeps the shuffled order of ties.
        order = perm[np.lexsort((self.lengths[perm], pool_of))]
        # Batch boundaries restart at every pool so that batches never span two.
        sizes = self._pools()
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        cuts = np.concatenate(
            [np.arange(s, s + size, self.batch_size)[1:] for s, size in zip(starts, sizes)]
            + [starts[1:]]
        )
        batches = np.split(order, np.sort(cuts.astype(np.int64)))
        for b in rng.permutation(len(batches)):
            yield batches[b]
