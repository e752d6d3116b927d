"""skorch callbacks for multi-task training: task dominance and task weighting."""

import numbers

import numpy as np
import torch
from skorch.callbacks import Callback

__all__ = ["TaskDominance", "ProgressiveTaskWeighting"]


def _layer_of(param_name):
    """``"bottom.0.weight"`` -> ``"bottom.0"`` (parameters of one layer grouped)."""
    head, _, tail = param_name.rpartition(".")
    return head if head and tail in ("weight", "bias") else param_name


class TaskDominance(Callback):
    """Record, per shared layer, each task's share of the updates (AdaTask's AU).

    AU is the exponential moving average of the squared update that a task
    contributes to a parameter (Yang et al., 2023); the share
    ``AU_k / sum_j AU_j`` shows which task dominates a layer. The optimizer of
    the net must be one of :mod:`skrec.optim`'s AdaTask optimizers, which
    track AU; use ``AdaTaskAdam`` with ``task_aware=False`` to measure the
    dominance under plain Adam (same updates as ``torch.optim.Adam``).

    At the end of every epoch the shares per layer (layer AU = size-weighted
    mean over the layer's tensors) go to the history under ``key``.

    Parameters
    ----------
    key : str, default="task_dominance"
        History key; each entry maps a layer name to one share per task.
    layers : list of str or None, default=None
        Layers to record (``None``: all shared layers).

    Attributes
    ----------
    dominance_ : list of dict
        The recorded shares, one dict per epoch.
    task_names_ : list of str
        Task names, in the order of the shares.

    References
    ----------
    .. [1] E. Yang et al., "AdaTask: A Task-Aware Adaptive Learning Rate
       Approach to Multi-Task Learning", AAAI 2023, arXiv:2211.15055.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.callbacks import TaskDominance
    >>> from skrec.multitask import MultiTaskNet
    >>> from skrec.optim import AdaTaskAdam
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 3)).astype("float32")
    >>> y = np.column_stack([X[:, 0] > 0, 100 * X[:, 1]])
    >>> net = MultiTaskNet(tasks=["binary", "regression"], standardize_targets=False,
    ...                    optimizer=AdaTaskAdam, optimizer__task_aware=False,
    ...                    callbacks=[TaskDominance()], max_epochs=2, random_state=0, verbose=0)
    >>> shares = net.fit(X, y).history[-1, "task_dominance"]["bottom.0"]
    >>> len(shares), shares[1] > shares[0]   # the large regression loss dominates
    (2, True)
    """

    def __init__(self, key="task_dominance", layers=None):
        self.key = key
        self.layers = layers

    def initialize(self):
        self.dominance_ = []
        self.task_names_ = []
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        from skrec.optim import _AdaTaskBase

        if not isinstance(getattr(net, "optimizer_", None), _AdaTaskBase):
            raise TypeError(
                "TaskDominance needs an AdaTask optimizer (skrec.optim), which tracks the "
                "per-task updates; for plain Adam use optimizer=AdaTaskAdam with "
                "optimizer__task_aware=False."
            )
        self.task_names_ = list(getattr(net, "task_names_", []))

    def on_epoch_end(self, net, **kwargs):
        raw = net.optimizer_.task_au(net.module_.named_parameters())
        layers = {}
        for name, (au, numel) in raw.items():
            layer = _layer_of(name)
            acc = layers.setdefault(layer, [np.zeros(len(au)), 0])
            acc[0] += numel * np.asarray(au)
            acc[1] += numel
        shares = {}
        for layer, (total, numel) in layers.items():
            if self.layers is not None and layer not in self.layers:
                continue
            au = total / numel
            s = au.sum()
            shares[layer] = (au / s).tolist() if s > 0 else [1.0 / len(au)] * len(au)
        self.dominance_.append(shares)
        net.history.record(self.key, shares)


class ProgressiveTaskWeighting(Callback):
    """Easy-to-hard schedule of task loss weights (PMT-IQA).

    At epoch ``t`` (from 0) of ``E``, the hard tasks' weights are multiplied
    by ``lambda_t`` and the easy tasks' by ``1 - lambda_t``; with the
    ``"linear"`` schedule of PMT-IQA ``lambda_t = t / (E - 1)``, a linear
    hand-over from the easy (e.g. coarse classification) to the hard (e.g.
    fine regression) task. ``"cosine"`` uses ``(1 - cos(pi t / (E - 1))) / 2``
    and a callable ``schedule(t, E)`` anything else. Tasks in neither list
    keep their weight. The weights are multiplied into the net's
    ``task_weights`` and recorded in the history under ``"task_weights"``.

    Parameters
    ----------
    easy : list of str or int
        Easy tasks (names or positions), weighted down over time.
    hard : list of str or int
        Hard tasks, weighted up over time.
    n_epochs : int or None, default=None
        Length ``E`` of the schedule (``None``: the net's ``max_epochs``);
        later epochs keep ``lambda = 1``.
    schedule : {"linear", "cosine"} or callable, default="linear"
        How ``lambda`` grows from 0 to 1.

    References
    ----------
    .. [1] Q. Pan, N. Guo, L. Qingge, J. Zhang and P. Yang, "PMT-IQA: Progressive
       Multi-task Learning for Blind Image Quality Assessment", PRICAI 2023,
       arXiv:2301.01182 (code: github.com/pqy000/PMT-IQA).

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.callbacks import ProgressiveTaskWeighting
    >>> from skrec.multitask import MultiTaskNet
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 2)).astype("float32")
    >>> y = np.column_stack([X[:, 0] > 0, X[:, 0] + X[:, 1]])
    >>> cb = ProgressiveTaskWeighting(easy=["task0"], hard=["task1"])
    >>> net = MultiTaskNet(tasks=["binary", "regression"], callbacks=[cb],
    ...                    max_epochs=3, random_state=0, verbose=0).fit(X, y)
    >>> net.history[:, "task_weights"]
    [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
    """

    def __init__(self, easy, hard, n_epochs=None, schedule="linear"):
        self.easy = easy
        self.hard = hard
        self.n_epochs = n_epochs
        self.schedule = schedule

    def _lambda(self, epoch, n_epochs):
        if callable(self.schedule):
            lam = float(self.schedule(epoch, n_epochs))
        elif n_epochs <= 1:
            lam = 1.0
        else:
            frac = min(epoch / (n_epochs - 1), 1.0)
            if self.schedule == "linear":
                lam = frac
            elif self.schedule == "cosine":
                lam = (1.0 - np.cos(np.pi * frac)) / 2.0
            else:
                raise ValueError(
                    f"schedule must be 'linear', 'cosine' or a callable, got {self.schedule!r}."
                )
        return min(max(lam, 0.0), 1.0)

    def _index(self, net, tasks, what):
        names = list(net.task_names_)
        out = []
        for t in tasks:
            if isinstance(t, numbers.Integral) and 0 <= t < len(names):
                out.append(int(t))
            elif isinstance(t, str) and t in names:
                out.append(names.index(t))
            else:
                raise ValueError(f"Unknown {what} task {t!r}; the tasks are {names}.")
        return out

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        easy = self._index(net, self.easy, "easy")
        hard = self._index(net, self.hard, "hard")
        if set(easy) & set(hard):
            raise ValueError("A task cannot be both easy and hard.")
        if self.n_epochs is not None and (
            not isinstance(self.n_epochs, numbers.Integral) or self.n_epochs < 1
        ):
            raise ValueError(
                f"n_epochs must be a positive integer, got {self.n_epochs!r}."
            )
        self._easy, self._hard = easy, hard
        self._base = net._resolve_weights().clone()
        self._start = len(net.history)

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1 - self._start
        n_epochs = self.n_epochs or net.max_epochs
        lam = self._lambda(epoch, n_epochs)
        mult = torch.ones_like(self._base)
        mult[self._easy] = 1.0 - lam
        mult[self._hard] = lam
        net.task_weights_ = self._base * mult
        net.history.record(
            "task_weights", [round(float(w), 6) for w in net.task_weights_]
        )

    def on_train_end(self, net, X=None, y=None, **kwargs):
        net.task_weights_ = self._base.clone()
