"""Training callbacks of the recommenders: full-ranking validation scores and
early stopping that waits for a validation split."""

import numbers

import numpy as np
from skorch.callbacks import Callback, EarlyStopping

from skrec.metrics import ranking_scores

__all__ = ["RankingScoring"]


class RankingScoring(Callback):
    """Record full-ranking HIT@k and NDCG@k of the validation split each epoch.

    The ranks are computed by the net's ``validation_step`` (all items ranked,
    the user's seen items excluded); this callback averages them into
    ``valid_hit@k`` and ``valid_ndcg@k`` in the history for every cut-off
    ``k``, plus ``valid_ndcg@k_best`` for the first one.

    Parameters
    ----------
    k : int or tuple of int, default=10
        Cut-off(s).

    Examples
    --------
    >>> cb = RankingScoring(k=(20, 10))
    >>> cb.k
    (20, 10)
    """

    def __init__(self, k=10):
        self.k = k

    def on_epoch_begin(self, net, **kwargs):
        self.ranks_ = []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training and y_pred is not None:
            self.ranks_.append(y_pred.detach().cpu().numpy())

    def on_epoch_end(self, net, **kwargs):
        if not self.ranks_:
            return
        ranks = np.concatenate(self.ranks_)
        ks = (self.k,) if isinstance(self.k, numbers.Integral) else tuple(self.k)
        scores = ranking_scores(ranks, ks=ks)
        for key, value in scores.items():
            net.history.record(f"valid_{key}", value)
        name = f"valid_ndcg@{ks[0]}"
        best = [h[name] for h in net.history[:-1] if name in h]
        net.history.record(name + "_best", not best or scores[f"ndcg@{ks[0]}"] > max(best))
        self.ranks_ = []


class _EarlyStoppingOnValidation(EarlyStopping):
    """EarlyStopping that stays idle when there is no validation split."""

    def on_epoch_end(self, net, **kwargs):
        if self.monitor not in net.history[-1]:
            return
        super().on_epoch_end(net, **kwargs)

    def on_train_end(self, net, **kwargs):
        if len(net.history) == 0:
            return
        super().on_train_end(net, **kwargs)
