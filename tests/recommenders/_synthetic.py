"""Tiny synthetic sequence frames and model settings for the recommender tests."""

import numpy as np

from skrec.sequence import make_sequence_frame

N_ITEMS = 20

# A tiny model that trains in well under a second per fit.
TINY = dict(
    hidden_size=16,
    n_heads=2,
    inner_size=32,
    n_layers=1,
    max_seq_length=10,
    hidden_dropout=0.1,
    attn_dropout=0.1,
    lr=1e-2,
    batch_size=64,
    max_epochs=3,
    patience=None,
    train_split=None,
    verbose=0,
    random_state=0,
)


def cyclic_frame(n_rows, seed, n_items=N_ITEMS, min_len=4, max_len=12):
    """Sequences walking the cycle 1 -> 2 -> ... -> n_items -> 1.

    Returns the frame of every row but its last item, and those last items
    (the deterministic next item). Timestamps have irregular gaps.
    """
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n_items, n_rows)
    lengths = rng.integers(min_len, max_len + 1, n_rows)
    seqs = [(s + np.arange(n)) % n_items + 1 for s, n in zip(starts, lengths)]
    times = [np.cumsum(rng.integers(0, 5, n)) for n in lengths]
    X = make_sequence_frame([s[:-1] for s in seqs], [t[:-1] for t in times],
                            index=[f"u{i}" for i in range(n_rows)])
    y = np.array([s[-1] for s in seqs])
    return X, y
