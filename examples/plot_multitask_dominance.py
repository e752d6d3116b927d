"""
==========================================================
Task dominance of shared layers: Adam against AdaTask-Adam
==========================================================

A click task (binary) and an amount task (regression on a large scale) share
the bottom of a :class:`skrec.multitask.MultiTaskNet`. With Adam, one
accumulator per shared parameter mixes the squared gradients of both tasks,
so the task with the larger gradients sets the learning rate for both and
takes almost all of the shared updates. AdaTask
(:class:`skrec.optim.AdaTaskAdam`) keeps one accumulator per task.

The :class:`skrec.callbacks.TaskDominance` callback records each task's share
of the moving average of squared updates (AU) per shared layer;
:func:`skrec.plotting.plot_task_dominance` draws it. The plain-Adam run uses
``AdaTaskAdam(task_aware=False)``: Adam's updates, with per-task bookkeeping.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import torch

from skrec.callbacks import TaskDominance
from skrec.multitask import MultiTaskNet
from skrec.optim import AdaTaskAdam
from skrec.plotting import plot_task_dominance

torch.set_num_threads(1)
# SKREC_EXAMPLE_QUICK=1 (the test suite) shrinks the run
QUICK = bool(os.environ.get("SKREC_EXAMPLE_QUICK"))
N, EPOCHS = (600, 3) if QUICK else (2000, 15)

# %%
# Two tasks on different scales
# -----------------------------
rng = np.random.RandomState(0)
X = rng.normal(size=(N, 6)).astype("float32")
click = (X[:, 0] + 0.5 * rng.normal(size=N) > 0).astype(int)
amount = 300.0 * (X[:, 1] + 0.5 * X[:, 2]) + 50.0 * rng.normal(size=N)
y = np.column_stack([click, amount])
n_train = 3 * N // 4
X_train, X_test, y_train, y_test = X[:n_train], X[n_train:], y[:n_train], y[n_train:]

# %%
# Train twice, recording the dominance
# ------------------------------------
# ``standardize_targets=False`` keeps the amount on its own scale, so that
# its squared-error gradients dwarf the click task's.
nets = {}
for name, task_aware in [("Adam", False), ("AdaTask-Adam", True)]:
    nets[name] = MultiTaskNet(
        tasks=[("click", "binary"), ("amount", "regression")],
        standardize_targets=False,
        hidden_units=(32,),
        tower_units=(16,),
        optimizer=AdaTaskAdam,
        optimizer__task_aware=task_aware,
        lr=0.003,
        max_epochs=EPOCHS,
        verbose=0,
        batch_size=64,
        callbacks=[TaskDominance()],
        random_state=0,
    ).fit(X_train, y_train)
    scores = nets[name].task_scores(X_test, y_test)
    print(
        f"{name:13s} click ROC AUC {scores['click']:.3f}   amount R^2 {scores['amount']:.3f}"
    )

# %%
# Shares of the squared updates per shared layer
# ----------------------------------------------
fig, axes = plt.subplots(2, 3, figsize=(10, 6), sharey=True)
for row, (name, net) in zip(axes, nets.items()):
    plot_task_dominance(net, axes=row)
    row[0].set_ylabel(f"{name}\nshare of AU")
fig.tight_layout()
plt.show()
