"""
===========================================================
Resampling a skewed continuous target: SMOTER, SMOGN & co.
===========================================================

House values of the Boston housing set (506 rows, from the
imbalanced-regression benchmark of Branco, Torgo & Ribeiro) are right-skewed:
expensive houses are rare. The four regression samplers of
:mod:`skrec.sampling` rebalance the training target:

* :class:`~skrec.sampling.RegressionRandomOverSampler` duplicates rare rows;
* :class:`~skrec.sampling.RegressionRandomUnderSampler` drops frequent rows;
* :class:`~skrec.sampling.SMOTER` interpolates new rare rows between
  neighbours;
* :class:`~skrec.sampling.SMOGN` does the same, with Gaussian noise where the
  neighbours are far.

Rarity comes from Ribeiro's box-plot relevance (``relevance="extremes"``, the
``smogn`` package's default). We plot the target before and after, then train
the same gradient-boosting regressor on each output and compare the test MAE
on all samples and on the few-shot region. When the shared data folder is
absent a synthetic skewed target is used instead.
"""

# %%
# Data and relevance
# ------------------
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

from skrec.metrics import shot_region_scores
from skrec.sampling import (
    SMOGN,
    SMOTER,
    RegressionRandomOverSampler,
    RegressionRandomUnderSampler,
    extremes_relevance,
)

try:
    root = Path(__file__).resolve().parents[1].parent
except NameError:  # interactive session
    root = Path.cwd().parent
path = root / "shared" / "data" / "imbalanced_regression_ir15" / "boston.csv"
if path.exists():
    df = pd.read_csv(path)
    y = df.pop("HousValue").to_numpy(dtype=float)
    X = df.to_numpy(dtype=float)
else:
    rng = np.random.RandomState(0)
    X = rng.normal(size=(506, 13))
    y = np.exp(0.4 * X[:, 0] + 0.2 * rng.normal(size=506)) * 20

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
relevance = extremes_relevance(y_train)
print(f"{np.mean(relevance >= 0.5):.1%} of the training targets are rare")

# %%
# Resample
# --------
samplers = {
    "none": None,
    "random over": RegressionRandomOverSampler(relevance="extremes", random_state=0),
    "random under": RegressionRandomUnderSampler(relevance="extremes", random_state=0),
    "SMOTER": SMOTER(relevance="extremes", random_state=0),
    "SMOGN": SMOGN(relevance="extremes", random_state=0),
}
resampled = {}
for name, sampler in samplers.items():
    if sampler is None:
        resampled[name] = (X_train, y_train)
    else:
        resampled[name] = sampler.fit_resample(X_train, y_train)
    print(f"{name:>12}: {len(resampled[name][1])} rows")

fig, axes = plt.subplots(1, len(samplers), figsize=(15, 3), sharex=True)
bins = np.linspace(y.min(), y.max(), 30)
for ax, (name, (_, y_res)) in zip(axes, resampled.items()):
    ax.hist(y_res, bins=bins, color="tab:blue")
    ax.set_title(name)
    ax.set_xlabel("target")
axes[0].set_ylabel("training rows")
fig.tight_layout()

# %%
# Train one regressor per output
# ------------------------------
rows = []
for name, (X_res, y_res) in resampled.items():
    model = HistGradientBoostingRegressor(random_state=0).fit(X_res, y_res)
    scores = shot_region_scores(
        y_test, model.predict(X_test), y_train, bin_width=None, bins=20
    )
    rows.append({"sampler": name, "MAE all": scores["all"]["mae"],
                 "MAE few": scores["few"]["mae"], "n few": scores["few"]["n"]})
table = pd.DataFrame(rows).set_index("sampler")
print(table.round(3))

ax = table[["MAE all", "MAE few"]].plot.bar(figsize=(7, 3), rot=0)
ax.set_ylabel("test MAE")
plt.tight_layout()
plt.show()
