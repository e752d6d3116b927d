"""
=====================================================================
Imbalanced training of a small network: losses, sampling, correction
=====================================================================

A tiny skorch classifier is trained on ``mammography`` from the
imbalanced-learn benchmark (11,183 rows, 2.3% minority) five ways:

* plain cross-entropy;
* :class:`~skrec.losses.ClassBalancedLoss` (effective number of samples);
* cross-entropy with temperature sampling
  (:class:`~skrec.sampling.TemperatureBatchSampler`) cooled down by
  :class:`~skrec.callbacks.Cooldown`;
* cross-entropy with :class:`~skrec.callbacks.TwoPhaseTraining` (balanced
  batches first, then the natural distribution, output layer only);
* plain cross-entropy followed by
  :class:`~skrec.calibration.PriorCorrectionClassifier`.

Each model is scored on a held-out quarter with
:func:`~skrec.metrics.f1_gmean_report` (F1 and g-mean first). When the shared
data folder is absent, a synthetic data set with the same imbalance is used.
"""

# %%
# Data
# ----
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetClassifier

from skrec.calibration import PriorCorrectionClassifier
from skrec.callbacks import Cooldown, TwoPhaseTraining
from skrec.losses import ClassBalancedLoss
from skrec.metrics import f1_gmean_report
from skrec.sampling import TemperatureBatchSampler

torch.set_num_threads(1)
# The test suite sets SKREC_EXAMPLE_QUICK=1 to train for fewer epochs.
MAX_EPOCHS = 4 if os.environ.get("SKREC_EXAMPLE_QUICK") else 12

try:
    root = Path(__file__).resolve().parents[1].parent
except NameError:  # interactive session
    root = Path.cwd().parent
path = root / "shared" / "data" / "imblearn_benchmark" / "mammography.csv"
if path.exists():
    frame = pd.read_csv(path)
    X = frame.drop(columns="target").to_numpy(np.float32)
    y = (frame["target"].to_numpy() == 1).astype(np.int64)
    source = "mammography (imbalanced-learn benchmark)"
else:
    print(f"{path} not found: using a synthetic data set with 2.3% minority.")
    X, y = make_classification(
        11183, n_features=6, n_informative=4, weights=[0.977], random_state=0
    )
    X, y = X.astype(np.float32), y.astype(np.int64)
    source = "synthetic stand-in"
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train = scaler.transform(X_train).astype(np.float32)
X_test = scaler.transform(X_test).astype(np.float32)
counts = np.bincount(y_train)
print(f"{source}: {len(y)} rows, class counts in training {counts.tolist()}")


# %%
# Five ways to train
# ------------------
# Every net trains on all training rows (``train_split=None``), so the samplers'
# labels are ``y_train``. Custom criteria return logits: ``predict_proba``
# needs ``predict_nonlinearity`` to apply the softmax.
def make_net(**kwargs):
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], 32), torch.nn.ReLU(), torch.nn.Linear(32, 2)
    )
    params = dict(
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=MAX_EPOCHS,
        batch_size=256,
        train_split=None,
        verbose=0,
    )
    params.update(kwargs)
    return NeuralNetClassifier(module, **params)


def softmax(logits):
    return torch.softmax(logits, dim=-1)


models = {
    "cross-entropy": make_net(),
    "class-balanced loss": make_net(
        criterion=ClassBalancedLoss,
        criterion__class_counts=counts,
        criterion__beta=0.999,
        predict_nonlinearity=softmax,
    ),
    "temperature + Cooldown": make_net(
        iterator_train__sampler=TemperatureBatchSampler(
            y_train, temperature=5.0, random_state=0
        ),
        callbacks=[Cooldown(start_temperature=5.0, end_temperature=1.0)],
    ),
    "two-phase (output layer)": make_net(
        iterator_train__sampler=TemperatureBatchSampler(y_train, random_state=0),
        callbacks=[TwoPhaseTraining(fine_tune="output", fine_tune_lr=0.001)],
    ),
    "CE + prior correction": PriorCorrectionClassifier(make_net()),
}

reports = {}
for name, model in models.items():
    model.fit(X_train, y_train)
    y_pred = model.predict(X_test)
    y_score = model.predict_proba(X_test)[:, 1]
    reports[name] = f1_gmean_report(y_test, y_pred, y_score=y_score, output_dict=True)

table = pd.DataFrame(reports).T[
    [
        "f1",
        "g_mean",
        "sensitivity",
        "specificity",
        "mcc",
        "roc_auc",
        "average_precision",
    ]
]
print(table.round(3).to_string())

# %%
# The Cooldown schedule actually ran: the net's history holds the temperature
# of every epoch (hot for the first half, then a linear decay to 1).
temperatures = models["temperature + Cooldown"].history[:, "temperature"]
print([round(t, 2) for t in temperatures])

# %%
# F1 and g-mean side by side
# --------------------------
# Plain cross-entropy favours the majority class (high specificity, low
# sensitivity and g-mean). Re-weighting, re-sampling and prior correction trade
# some precision for sensitivity; which one wins on F1 depends on the data —
# compare them with both metrics, F1 first.
ax = table[["f1", "g_mean"]].plot.barh(figsize=(7, 3.5))
ax.set_xlabel("score on the held-out quarter")
ax.set_xlim(0, 1)
ax.set_title(source)
plt.tight_layout()
plt.show()
