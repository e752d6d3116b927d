"""
=========================================================
Tuning augmentation rates with GridSearchCV
=========================================================

Every parameter of :class:`~skrec.recommenders.TiCoSeRec`, including the rates
of the augmentation operators nested in its ``augmenter``
(``augmenter__mask__rate``, ``augmenter__crop__rate``, ...), can be tuned with
scikit-learn's :class:`~sklearn.model_selection.GridSearchCV`.

:func:`~skrec.model_selection.leave_last_out_cv` lays the leave-last-out
protocol out as rows and a one-split ``cv``: training rows are the users'
training sequences, validation rows predict each user's second-to-last item.
:func:`~skrec.metrics.make_ranking_scorer` scores the full ranking of all items
with seen items excluded. The estimator gets ``train_split=None`` because the
search owns the split.

A tiny model on the first 1,000 Beauty users keeps this example fast; the
differences between rates are small and noisy at this scale.
"""

import matplotlib.pyplot as plt
import torch
from sklearn.model_selection import GridSearchCV

from skrec.datasets import load_beauty
from skrec.metrics import make_ranking_scorer
from skrec.model_selection import leave_last_out, leave_last_out_cv
from skrec.recommenders import TiCoSeRec

torch.set_num_threads(1)

X = load_beauty().iloc[:1000]
X_cv, y_cv, cv = leave_last_out_cv(X)
print(f"{len(X_cv)} rows: training sequences followed by validation rows")

# Some validation targets never occur in the training rows of 1,000 users: give
# the score matrix a column for every catalogue id so the scorer can rank them.
max_item_id = int(X["items"].map(max).max())
model = TiCoSeRec(max_item_id=max_item_id, hidden_size=32, inner_size=64, n_layers=1, max_seq_length=20,
                  batch_size=128, lr=3e-3, max_epochs=3, model_warm_up_epochs=1,
                  patience=None, train_split=None, random_state=0, verbose=0)
search = GridSearchCV(
    model,
    {"augmenter__mask__rate": [0.2, 0.5, 0.8]},
    scoring={"ndcg": make_ranking_scorer("ndcg", k=10),
             "hit": make_ranking_scorer("hit", k=10)},
    refit="ndcg",
    cv=cv,
)
search.fit(X_cv, y_cv)
print("best:", search.best_params_, f"validation NDCG@10 = {search.best_score_:.4f}")

# %%
# The refitted best model on the test items
# -----------------------------------------
# ``best_estimator_`` was refitted on all rows of ``X_cv`` (training and
# validation sequences); the test inputs are every user's events but the last.
split = leave_last_out(X)
print(search.best_estimator_.evaluate(split.X_test, split.y_test, ks=(10, 20)))

# %%
# Validation score per rate
# -------------------------
rates = search.cv_results_["param_augmenter__mask__rate"].data
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(rates, search.cv_results_["mean_test_ndcg"], "o-", label="NDCG@10")
ax.plot(rates, search.cv_results_["mean_test_hit"], "s--", label="HIT@10")
ax.set_xlabel("Ti-Mask rate (augmenter__mask__rate)")
ax.set_ylabel("validation score")
ax.legend()
fig.tight_layout()
plt.show()
