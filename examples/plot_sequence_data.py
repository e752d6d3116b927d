"""
=====================================================
Sequence data, the leave-last-out split and metrics
=====================================================

This example walks through skrec's sequence data contract on the bundled
Amazon Beauty data: encode a raw interaction log into a *sequence frame*,
split it with the leave-last-out protocol, and evaluate a most-popular
baseline with full-ranking HR@k, NDCG@k and MRR@k, excluding the items each
user has already seen.
"""

# %%
# From a raw log to a sequence frame
# ----------------------------------
# A log has one row per interaction. Item ids may be anything hashable;
# :class:`~skrec.preprocessing.SequenceEncoder` encodes them as ``1..n_items``
# (``0`` stays free for padding) and orders every user's events by time with a
# stable sort.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skrec.datasets import load_beauty
from skrec.metrics import hit_rate_at_k, mrr_at_k, ndcg_at_k
from skrec.model_selection import leave_last_out
from skrec.preprocessing import SequenceEncoder
from skrec.sequence import to_ragged

raw = pd.DataFrame(
    {
        "user_id": ["ann", "bob", "ann", "ann", "bob"],
        "item_id": ["tea", "mug", "cup", "mug", "tea"],
        "timestamp": pd.to_datetime(
            ["2024-03-02", "2024-03-01", "2024-03-01", "2024-03-01", "2024-03-05"]
        ),
    }
)
encoder = SequenceEncoder()
print(encoder.fit_transform(raw))
print("classes_:", encoder.classes_.tolist())

# %%
# The Beauty data
# ---------------
# ``load_beauty(kind="log")`` gives the bundled data as a log; encoding it gives
# the same sequence frame as ``load_beauty()`` (its item ids are already
# ``1..12101``).
log = load_beauty(kind="log")
encoder = SequenceEncoder(min_length=3)
X = encoder.fit_transform(log)
print(
    f"{len(log):,} interactions -> {len(X):,} users, {encoder.n_items_:,} items; "
    f"{encoder.n_dropped_users_} users dropped"
)

lengths = to_ragged(X).lengths
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(lengths, bins=np.arange(5, 60), color="tab:blue")
ax.set_xlabel("interactions per user")
ax.set_ylabel("users")
ax.set_title("Amazon Beauty: sequence lengths (truncated at 60)")
fig.tight_layout()

# %%
# Leave-last-out split
# --------------------
# The last item of every user is the test target, the second-to-last the
# validation target, and the rest the training sequence.
split = leave_last_out(X)
print(split)

# %%
# A most-popular baseline, scored two ways
# ----------------------------------------
# Count item occurrences in the training sequences. Its ranking is the same
# for every user, so we can pass *ranked lists* (long enough to survive the
# exclusion of each user's seen items) to the metrics.
counts = np.bincount(to_ragged(split.X_train).items, minlength=encoder.n_items_ + 1)
counts[0] = -1  # never recommend padding
top = np.argsort(-counts, kind="stable")[: 20 + lengths.max()]
ranked = np.tile(top, (len(split.users), 1))

for k in (10, 20):
    kwargs = dict(k=k, y_ranked=ranked, exclude=split.X_test)
    print(
        f"k={k:2d}  HR={hit_rate_at_k(split.y_test, **kwargs):.4f}  "
        f"NDCG={ndcg_at_k(split.y_test, **kwargs):.4f}"
    )
mrr = mrr_at_k(split.y_test, k=10, y_ranked=ranked, exclude=split.X_test)
print(f"MRR@10={mrr:.4f}")

# %%
# The same numbers come from a score matrix (column ``j`` scores item ``j``)
# with ``ties="stable"``, which orders tied items by id as the stable sort
# above does. A full matrix for all users is large, so we check a sample.
rows = np.random.default_rng(0).choice(len(split.users), 2000, replace=False)
scores = np.tile(counts.astype(np.float32), (len(rows), 1))
X_sample, y_sample = split.X_test.iloc[rows], split.y_test[rows]
from_scores = ndcg_at_k(y_sample, scores, k=10, exclude=X_sample, ties="stable")
from_lists = ndcg_at_k(y_sample, y_ranked=ranked[rows], k=10, exclude=X_sample)
print(f"NDCG@10 on 2,000 users: scores {from_scores:.4f}, lists {from_lists:.4f}")
