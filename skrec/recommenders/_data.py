"""Batches of padded sequences for the recommenders, negatives, and splits.

Everything here works on whole batches with numpy/torch: a batch is built by
gathering windows of the flat *values + offsets* arrays, never row by row.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

from skrec.sequence import to_padded

__all__ = [
    "SequenceDataset",
    "LastItemSplit",
    "sample_negatives",
]


def sample_negatives(rng, n_items, shape, exclude, max_rounds=10, cdf=None):
    """Draw item ids from ``1..n_items`` avoiding each row's items.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_items : int
    shape : tuple (batch, length) or (batch, length, n)
    exclude : ndarray of shape (batch, m)
        Internal ids per row that must not be drawn (0 entries are ignored).
    max_rounds : int, default=10
        Collisions are redrawn at most this many times (a row whose items
        cover almost the whole catalogue keeps a collision rather than loop).
    cdf : ndarray of shape (n_items,) or None, default=None
        Cumulative sampling probabilities of items ``1..n_items`` (the last
        entry 1): item ``j`` is drawn with probability ``cdf[j-1] -
        cdf[j-2]``. ``None`` draws uniformly (and consumes the generator as
        ``rng.integers``).

    Returns
    -------
    negatives : ndarray of shape ``shape``, dtype int64

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> neg = sample_negatives(rng, 3, (1, 50), np.array([[1, 2]]))
    >>> set(neg.ravel().tolist())
    {3}
    >>> neg = sample_negatives(rng, 3, (1, 50), np.array([[0]]),
    ...                        cdf=np.array([0.0, 1.0, 1.0]))  # only item 2
    >>> set(neg.ravel().tolist())
    {2}
    """
    if cdf is None:
        def draw(size):
            return rng.integers(1, n_items + 1, size=size, dtype=np.int64)
    else:
        cdf = np.asarray(cdf, dtype=np.float64)
        total = cdf[-1]

        def draw(size):
            u = rng.random(size) * total
            # side="right": an item of probability 0 (cdf equal to the
            # previous entry) is never drawn.
            return np.minimum(np.searchsorted(cdf, u, side="right"), n_items - 1) + 1

    neg = np.asarray(draw(shape), dtype=np.int64)
    flat = neg.reshape(shape[0], -1)  # a view: redraws land in ``neg``
    exclude = np.asarray(exclude, dtype=np.int64)
    for _ in range(max_rounds):
        hit = (flat[:, :, None] == exclude[:, None, :]).any(-1)
        n_hit = int(hit.sum())
        if n_hit == 0:
            break
        flat[hit] = draw(n_hit)
    return neg


class SequenceDataset(Dataset):
    """Examples over internal-id sequences, indexed by whole batches.

    ``dataset[indices]`` (an array of example positions, as yielded by a
    :class:`torch.utils.data.BatchSampler`) returns one batch ``(Xi, yi)``
    built with vectorized gathers.

    Parameters
    ----------
    ragged : Ragged
        Sequences of internal item ids (0 for unknown/masked).
    max_length : int
        Width of the left-padded inputs (the most recent items are kept).
    targets : ndarray of shape (n_sequences,), default=None
        Evaluation mode when given: each row predicts ``targets[i]`` (internal
        id, 0 if unknown) from its whole sequence. Training mode otherwise:
        each example's input is its window without the last item, and the
        target of each position is the following item.
    examples : {"sequences", "prefixes"}, default="sequences"
        Training examples: one per sequence (every position is trained in one
        pass, as the SASRec, CoSeRec and TiCoSeRec reference code does), or
        one per prefix of length >= 2 (each prefix a separate example).

    Attributes
    ----------
    starts, ends : ndarray
        Flat window of every example.
    """

    def __init__(self, ragged, max_length, targets=None, examples="sequences"):
        self.ragged = ragged
        self.max_length = int(max_length)
        self.targets = None if targets is None else np.asarray(targets, np.int64)
        self.training = targets is None
        self.examples = examples
        starts, ends = ragged.offsets[:-1], ragged.offsets[1:]
        if self.training:
            if examples == "prefixes":
                # Every prefix end e with at least 2 items: e in [start+2, end].
                lengths = np.maximum(ends - starts - 1, 0)
                row = np.repeat(np.arange(len(starts)), lengths)
                within = np.arange(lengths.sum()) - np.repeat(
                    np.cumsum(lengths) - lengths, lengths
                )
                ends = starts[row] + 2 + within
                starts = np.maximum(starts[row], ends - self.max_length - 1)
            else:
                keep = ends - starts >= 2
                starts = np.maximum(starts[keep], ends[keep] - self.max_length - 1)
                ends = ends[keep]
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        lengths = self.input_lengths()
        self._mean_input_length = float(lengths.mean()) if len(lengths) else 0.0

    def __len__(self):
        return len(self.starts)

    def input_lengths(self):
        """Length of every example's (left-trimmed) input, shape (n_examples,)."""
        return np.minimum(self.ends - self.starts - self.training, self.max_length)

    def length_order(self):
        """Example positions sorted by input length (stable).

        Batching evaluation rows of similar length keeps padded batches
        narrow.
        """
        return np.argsort(self.input_lengths(), kind="stable")

    def inputs(self, idx):
        """Ragged of the input part of examples ``idx`` (at most max_length)."""
        ends = self.ends[idx] - (1 if self.training else 0)
        starts = np.maximum(self.starts[idx], ends - self.max_length)
        return self.ragged.gather(starts, ends - starts)

    def __getitem__(self, idx):
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        src = self.inputs(idx)
        # Only as wide as the longest input of the batch (see SASRecModule).
        width = max(int(src.lengths.max(initial=0)), 1)
        input_ids = to_padded(src, width)
        if self.training:
            tgt = self.ragged.gather(self.ends[idx] - src.lengths, src.lengths)
            targets = to_padded(tgt, width)
            # The expected number of targets of a batch this size: a loss
            # normalised by it weighs every position alike whatever the batch.
            expected = len(idx) * self._mean_input_length
            yi = {"targets": torch.from_numpy(targets), "sequences": src,
                  "expected_targets": expected}
        else:
            # Seen items: the whole row, not only the last max_length.
            full = self.ragged.gather(self.starts[idx], self.ends[idx] - self.starts[idx])
            rows = np.repeat(np.arange(len(idx)), full.lengths)
            yi = {
                "index": torch.from_numpy(idx),
                "targets": torch.from_numpy(self.targets[idx]),
                "seen_rows": torch.from_numpy(rows),
                "seen_items": torch.from_numpy(full.items),
            }
        return {"input_ids": torch.from_numpy(input_ids)}, yi


class LastItemSplit:
    """skorch ``train_split`` holding out the last item of every row.

    Training uses every row without its last item; validation predicts each
    row's last item from the items before it (the leave-one-out protocol,
    applied inside ``fit``). Rows with fewer than 2 items are used for
    training only.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sequence import Ragged
    >>> r = Ragged(np.array([1, 2, 3, 4, 5]), np.arange(5), np.array([0, 3, 5]))
    >>> train, valid = LastItemSplit()(SequenceDataset(r, 10))
    >>> train.ragged.items, valid.targets
    (array([1, 2, 4]), array([3, 5]))
    """

    def __call__(self, dataset, y=None, **fit_params):
        r = dataset.ragged
        has_valid = r.lengths >= 2
        # The same leave-last-out as skrec.model_selection.leave_last_out, on
        # the Ragged operations: every row without its last item (when it has
        # two), and those last items as validation targets.
        train = r.windows(np.zeros(r.n_sequences, dtype=np.int64), r.lengths - has_valid)
        rows = np.flatnonzero(has_valid)
        valid = train.take(rows)
        targets = r.last_items()[rows]
        train_ds = SequenceDataset(
            train, dataset.max_length, examples=getattr(dataset, "examples", "sequences")
        )
        return train_ds, SequenceDataset(valid, dataset.max_length, targets=targets)

    def __repr__(self):
        return "LastItemSplit()"
