"""
=========================================================
Baselines, GRU4Rec, SASRec and BERT4Rec on one protocol
=========================================================

Every model of :mod:`skrec.recommenders` has the same ``fit`` /
``recommend`` / ``evaluate`` API, so comparing them is a loop. The
baselines (:class:`~skrec.recommenders.Popularity`,
:class:`~skrec.recommenders.ItemKNN`) fit in a second and are the bar any
sequential model must clear. The neural models share one base and one
next-item loss family: here :class:`~skrec.recommenders.GRU4Rec` and
:class:`~skrec.recommenders.BERT4Rec` use their papers' softmax
cross-entropy, and :class:`~skrec.recommenders.SASRec` the sampled softmax
with popularity-drawn negatives and the logQ correction.

Beyond accuracy, :func:`~skrec.metrics.catalog_coverage_at_k` says how much
of the catalogue the top-10 lists reach: these small neural models and
popularity recommend a few dozen items in all, ItemKNN half of the catalogue.

Small models on 3,000 Beauty users keep the example short, and on so few
users the co-occurrence statistics of ItemKNN are thin and popularity is hard
to beat. On all of Beauty the order changes: ItemKNN ranks first and every
sequential model beats popularity (``benchmarks/results/recommenders.md``,
every model under one CPU budget).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

from skrec.datasets import load_beauty
from skrec.metrics import catalog_coverage_at_k
from skrec.model_selection import leave_last_out
from skrec.recommenders import BERT4Rec, GRU4Rec, ItemKNN, Popularity, SASRec

torch.set_num_threads(1)

split = leave_last_out(load_beauty().iloc[:3000])
n_items = int(split.X_test["items"].map(max).max())
neural = dict(max_seq_length=20, batch_size=128, lr=3e-3, max_epochs=3,
              train_split=None, random_state=0, verbose=0)
models = {
    "Popularity": Popularity(),
    "ItemKNN": ItemKNN(),
    "GRU4Rec": GRU4Rec(embedding_size=32, hidden_size=32, **neural),
    "SASRec": SASRec(hidden_size=32, inner_size=64, n_layers=1, loss="sampled_softmax",
                     n_negatives=64, negative_sampling="popularity", **neural),
    "BERT4Rec": BERT4Rec(hidden_size=32, inner_size=64, n_layers=1, **neural),
}

ndcg, coverage = [], []
for name, model in models.items():
    model.fit(split.X_train, split.y_valid)
    scores = model.evaluate(split.X_test, split.y_test, ks=(10,))
    top = model.recommend(split.X_test, k=10)
    ndcg.append(scores["ndcg@10"])
    coverage.append(catalog_coverage_at_k(top, k=10, n_items=n_items))
    print(f"{name:10s} NDCG@10={ndcg[-1]:.4f}  coverage@10={coverage[-1]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
y = np.arange(len(models))
axes[0].barh(y, ndcg)
axes[0].set_xlabel("test NDCG@10")
axes[1].barh(y, coverage, color="tab:orange")
axes[1].set_xlabel("catalogue coverage@10")
for ax in axes:
    ax.set_yticks(y, list(models))
    ax.invert_yaxis()
fig.tight_layout()
plt.show()
