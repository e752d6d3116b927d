"""
===============================================
Error by shot region: a plain MLP, LDS and ConR
===============================================

A target with a long right tail leaves few training samples at high values.
We train the same small MLP three times -- plainly, with LDS sample weights
(:func:`skrec.regression.lds_weights`) and with the ConR regulariser
(:class:`skrec.regression.ConRRegressor`) -- and compare
their errors on the many-, medium- and few-shot regions defined by the
training-label histogram (:func:`skrec.metrics.shot_region_scores`), then
plot the error along the target (:func:`skrec.plotting.plot_error_by_region`).

The data are synthetic (a log-normal target) so that the example runs in
seconds; ``benchmarks/imbalanced_regression.py`` compares ConR, LDS, DenseWeight, Balanced
MSE and RankSim on 17 tabular data sets.
Which model wins depends on the data and the settings: read the per-region
numbers, not only the overall error.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrec.metrics import shot_region_scores
from skrec.plotting import plot_error_by_region
from skrec.regression import ConRRegressor, GaussianNoise, lds_weights

torch.set_num_threads(1)

# %%
# A skewed target
# ---------------
rng = np.random.default_rng(0)
X = rng.normal(size=(3000, 6))
y = np.exp(0.7 * X[:, 0] + 0.3 * X[:, 1]) + 0.1 * X[:, 2] ** 2 + rng.normal(scale=0.1, size=3000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
BIN = 0.1  # bin width of the shot regions and of LDS, in target units


def model(conr_weight):
    return make_pipeline(
        StandardScaler(),
        ConRRegressor(
            conr_weight=conr_weight,
            similarity_threshold=0.2,
            augmentation=GaussianNoise(scale=0.05),
            module__hidden_units=(64, 32),
            lr=3e-3,
            max_epochs=15,
            batch_size=128,
            random_state=0,
            verbose=0,
        ),
    )


# %%
# Train both models
# -----------------
weights = lds_weights(y_train, bin_width=BIN)
plain = model(conr_weight=0.0).fit(X_train, y_train)
lds = model(conr_weight=0.0).fit(X_train, y_train, conrregressor__sample_weight=weights)
conr = model(conr_weight=1.0).fit(X_train, y_train)

predictions = {
    "MLP": plain.predict(X_test),
    "MLP + LDS": lds.predict(X_test),
    "MLP + ConR": conr.predict(X_test),
}
for name, pred in predictions.items():
    scores = shot_region_scores(y_test, pred, y_train, bin_width=BIN)
    print(
        f"{name:12s}"
        + "  ".join(f"{r}: MAE {s['mae']:.3f} GM {s['gm']:.3f} (n={s['n']})" for r, s in scores.items())
    )

# %%
# Error along the target
# ----------------------
ax = plot_error_by_region(y_test, predictions, y_train, bin_width=BIN)
ax.set_title("MAE per target bin (background: shot region of the bin)")
plt.tight_layout()
plt.show()
