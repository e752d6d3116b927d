"""
=============================================
Comparing SASRec, CoSeRec and TiCoSeRec
=============================================

The three recommenders of :mod:`skrec.recommenders` share one encoder and
differ in their training signal: :class:`~skrec.recommenders.SASRec` learns
from the next-item loss only, :class:`~skrec.recommenders.CoSeRec` adds a
contrastive loss between two randomly augmented views of each sequence, and
:class:`~skrec.recommenders.TiCoSeRec` draws those views with the
time-interval-aware operators, which make sequences more uniform in time.

Each model is trained on the leave-last-out protocol with the same seed; the
validation NDCG@10 recorded by skorch after every epoch gives the learning
curves. A small model on 2,000 Beauty users keeps the example short, so the
curves illustrate the API rather than reproduce the paper (run
``benchmarks/reproduce_ticoserec.py`` on a GPU for that).
"""

import matplotlib.pyplot as plt
import torch

from skrec.datasets import load_beauty
from skrec.model_selection import leave_last_out
from skrec.recommenders import CoSeRec, SASRec, TiCoSeRec

torch.set_num_threads(1)

split = leave_last_out(load_beauty().iloc[:2000])
common = dict(hidden_size=32, inner_size=64, n_layers=1, max_seq_length=20,
              batch_size=128, lr=3e-3, max_epochs=5, patience=None,
              random_state=0, verbose=0)
models = {
    "SASRec": SASRec(**common),
    "CoSeRec": CoSeRec(model_warm_up_epochs=2, **common),
    "TiCoSeRec": TiCoSeRec(model_warm_up_epochs=2, **common),
}

fig, ax = plt.subplots(figsize=(5.5, 3.5))
for name, model in models.items():
    # Training sequences plus the validation item, which fit holds out to
    # record valid_ndcg@10 every epoch.
    model.fit(split.X_train, split.y_valid)
    hist = model.history
    ax.plot(hist[:, "epoch"], hist[:, "valid_ndcg@10"], marker="o", label=name)
    test = model.evaluate(split.X_test, split.y_test, ks=(10, 20))
    print(f"{name:10s} " + "  ".join(f"{k}={v:.4f}" for k, v in test.items())
          + f"  ({hist[-1, 'dur']:.1f} s/epoch)")
ax.axvline(2.5, color="grey", lw=0.8, ls=":")
ax.text(2.6, ax.get_ylim()[0], " contrastive loss on", color="grey", va="bottom")
ax.set_xlabel("epoch")
ax.set_ylabel("validation NDCG@10")
ax.legend()
fig.tight_layout()
plt.show()
