"""
==============================================
From a raw interaction log to recommendations
==============================================

A recommender in one scikit-learn :class:`~sklearn.pipeline.Pipeline`: a
:class:`~skrec.preprocessing.SequenceEncoder` turns the raw log (one row per
interaction: user, item, timestamp) into a sequence frame with encoded item
ids, and :class:`~skrec.recommenders.TiCoSeRec` learns to predict the next item.
The encoder maps the recommendations back to the original item ids.

We use the first 1,500 users of the bundled Amazon Beauty log and a tiny model
so that the example runs in seconds on a CPU; see
``benchmarks/reproduce_ticoserec.py`` for the paper's settings.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.pipeline import make_pipeline

from skrec.datasets import load_beauty
from skrec.model_selection import leave_last_out
from skrec.preprocessing import SequenceEncoder
from skrec.recommenders import TiCoSeRec

torch.set_num_threads(1)

log = load_beauty(kind="log")
users = log["user_id"].unique()[:1500]
log = log[log["user_id"].isin(users)]
# The items are anonymised integers; give them string ids like a real catalogue.
log = log.assign(item_id="sku-" + log["item_id"].astype(str))
print(log.head())

# %%
# Hold out each user's last interaction for testing
# -------------------------------------------------
# The encoder is fitted on the whole log so that it knows every item; the model
# only ever sees the training part.
encoder = SequenceEncoder(min_length=3).fit(log)
split = leave_last_out(encoder.transform(log))
train_log = encoder.inverse_transform(split.X_test)  # all but the last events

# %%
# One pipeline: encode, then train
# --------------------------------
pipe = make_pipeline(
    SequenceEncoder(),
    TiCoSeRec(hidden_size=32, inner_size=64, n_layers=1, max_seq_length=20,
              batch_size=128, lr=3e-3, max_epochs=6, model_warm_up_epochs=2,
              patience=None, train_split=None, random_state=0, verbose=1),
)
pipe.fit(train_log)

# %%
# Recommendations in the original item ids
# ----------------------------------------
enc, model = pipe[0], pipe[-1]
X_hist = enc.transform(train_log)
top5 = enc.inverse_transform(model.recommend(X_hist, k=5))
print("user", X_hist.index[0], "->", top5[0].tolist())

# Hit rate of the held-out item among the top 10 (seen items excluded), with
# the held-out items aligned to the pipeline's rows by user id.
truth = pd.Series(encoder.inverse_transform(split.y_test), index=split.users)
truth = truth.reindex(X_hist.index).to_numpy()
top10 = enc.inverse_transform(model.recommend(X_hist, k=10))
hits = (top10 == truth[:, None]).any(1)
print(f"HIT@10 on the held-out items: {hits.mean():.3f}")

# %%
# Training curves from skorch's history
# -------------------------------------
hist = model.history
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(hist[:, "epoch"], hist[:, "rec_loss"], label="next-item loss")
ax.plot(hist[:, "epoch"], hist[:, "cl_loss"], label="contrastive loss (x cf_weight)")
ax.set_xlabel("epoch")
ax.legend()
fig.tight_layout()
plt.show()
print("epochs:", len(hist), "- mean augmentation share:",
      f"{np.mean(hist[2:, 'aug_share']):.1%}")
