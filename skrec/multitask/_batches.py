"""Mini-batches sliced from whole tensors for the multi-task network."""

import torch


class _ArrayBatches:
    """Mini-batches sliced from whole tensors (no per-row Python work).

    Used instead of a ``DataLoader`` over skorch's per-sample ``Dataset`` when
    the data are plain arrays; shuffles with ``generator``, or torch's global
    generator (seeded by ``random_state`` in fit) when it is None.
    """

    def __init__(self, X, y, batch_size, shuffle, rank=0, world=1, generator=None):
        self.X = self._tensor(X)
        self.y = None if y is None else self._tensor(y)
        self.batch_size = len(self.X) if batch_size == -1 else int(batch_size)
        self.shuffle = shuffle
        # Several processes (AccelerateMixin): each takes its share of every
        # batch; the permutation is the same in every process (same seed).
        self.rank, self.world = rank, world
        self.generator = generator

    @staticmethod
    def _tensor(a):
        # read-only arrays (e.g. memory maps) are copied: torch wants writable memory
        return torch.from_numpy(a if a.flags.writeable else a.copy())

    def __len__(self):
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            if order is None:
                sl = slice(start + self.rank, start + self.batch_size, self.world)
                yield self.X[sl], (None if self.y is None else self.y[sl])
            else:
                idx = order[start : start + self.batch_size][self.rank :: self.world]
                yield self.X[idx], (None if self.y is None else self.y[idx])
