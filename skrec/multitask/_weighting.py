"""Task-weighting strategies of multi-task training, as one pluggable family.

A strategy is a small estimator-like object (``get_params``/``set_params``,
so that ``clone`` and ``GridSearchCV`` handle it as one parameter value) that
:class:`~skrec.multitask.MultiTaskNet` clones at the start of every fit into
``loss_weighting_``. It acts at one or more of three points of a training
step:

* ``combine(losses)``: the per-task loss terms whose sum is minimised (loss
  weighting: uncertainty weighting, DWA, GradNorm's weights);
* ``adjust(grads, losses)``: the per-task gradients on the shared parameters
  before they are summed (gradient surgery: PCGrad, MetaBalance), and
  GradNorm's update of its weights from their norms;
* ``epoch_end(mean_losses)``: per-epoch statistics (DWA).

Task losses come in already multiplied by ``task_weights`` (and by whatever
a callback such as ``ProgressiveTaskWeighting`` sets), and a task without a
label in a batch has loss 0 and a zero gradient there; every strategy below
leaves such a task alone for that step.
"""

import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

__all__ = [
    "DynamicWeightAverage",
    "GradNorm",
    "MetaBalance",
    "PCGrad",
    "UncertaintyWeighting",
    "check_loss_weighting",
]


class _Weighting(BaseEstimator):
    """Base of the strategies: every hook is the identity."""

    #: Whether the strategy needs per-task gradients on the shared parameters.
    needs_task_gradients = False
    #: Whether it rewrites them (gradient surgery).
    rewrites_gradients = False

    _parameter_constraints = {}

    def start(self, task_kinds, device, rng):
        """Reset the learned state for a fit with these tasks."""
        self._validate_params()
        self.n_tasks_ = len(task_kinds)
        self.task_kinds_ = list(task_kinds)
        self.rng_ = rng
        return self

    def parameters(self):
        """Extra learnable tensors, trained by the net's optimizer."""
        return []

    def combine(self, losses, present):
        """Per-task terms to sum; ``present[k]``: task k has a label in the batch."""
        return losses

    def adjust(self, grads, losses, present):
        """Adjusted per-task gradients, a list of ``(n_tasks, *shape)`` tensors."""
        return grads

    def epoch_end(self, mean_losses):
        """Called with each task's mean loss over the epoch that ended."""

    def weights(self):
        """Current multiplicative weights of the tasks, for the history."""
        return None


class UncertaintyWeighting(_Weighting):
    """Weigh tasks by learned homoscedastic uncertainty (Kendall et al.).

    Every task gets a learned log-variance ``s_k = log sigma_k**2`` (trained
    by the net's optimizer with the network) and the minimised terms are

    * regression: ``exp(-s_k) / 2 * L_k + s_k / 2``
      (``L / (2 sigma**2) + log sigma``);
    * classification: ``exp(-s_k) * L_k + s_k / 2`` (``L / sigma**2 + log
      sigma``),

    the forms of the paper's Gaussian and softmax likelihoods (its eq. 7 and
    10). The optimum of ``s_k`` is ``log L_k`` (regression) or ``log 2 L_k``
    (classification), so tasks with large losses are weighted down.

    Parameters
    ----------
    init : float, default=0.0
        Initial log-variance of every task.

    Attributes
    ----------
    log_vars_ : torch.Tensor of shape (n_tasks,)
        The learned ``s_k``.

    References
    ----------
    .. [1] A. Kendall, Y. Gal and R. Cipolla, "Multi-Task Learning Using
       Uncertainty to Weigh Losses for Scene Geometry and Semantics", CVPR
       2018.

    Examples
    --------
    >>> import torch
    >>> uw = UncertaintyWeighting().start(["binary", "regression"], "cpu", None)
    >>> uw.combine(torch.tensor([0.5, 2.0]), torch.tensor([True, True])).detach()
    tensor([0.5000, 1.0000])
    """

    _parameter_constraints = {
        "init": [Interval(numbers.Real, None, None, closed="neither")],
    }

    def __init__(self, init=0.0):
        self.init = init

    def start(self, task_kinds, device, rng):
        super().start(task_kinds, device, rng)
        self.log_vars_ = torch.full((self.n_tasks_,), float(self.init), device=device,
                                    requires_grad=True)
        self._scale = torch.tensor(
            [0.5 if k == "regression" else 1.0 for k in task_kinds], device=device
        )
        return self

    def parameters(self):
        return [self.log_vars_]

    def combine(self, losses, present):
        terms = self._scale * torch.exp(-self.log_vars_) * losses + 0.5 * self.log_vars_
        # A task without labels in the batch contributes nothing (its
        # log-variance is not pushed down by a zero loss).
        return torch.where(present, terms, torch.zeros_like(terms))

    def weights(self):
        return (self._scale * torch.exp(-self.log_vars_)).detach().cpu().numpy()


class DynamicWeightAverage(_Weighting):
    """Dynamic Weight Average (Liu et al., MTAN).

    Epoch ``t``'s weights follow how fast each task's loss fell over the two
    previous epochs: ``r_k = L_k(t-1) / L_k(t-2)`` and ``w_k = K exp(r_k / T)
    / sum_j exp(r_j / T)`` (``L_k`` the mean loss of the epoch); the first two
    epochs use ``w_k = 1``. A slowly falling loss gets more weight.

    Parameters
    ----------
    temperature : float, default=2.0
        ``T``; large values give equal weights (the paper uses 2).

    Attributes
    ----------
    weights_ : ndarray of shape (n_tasks,)
        The weights of the current epoch.

    References
    ----------
    .. [1] S. Liu, E. Johns and A. J. Davison, "End-to-End Multi-Task Learning
       with Attention", CVPR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> dwa = DynamicWeightAverage().start(["binary", "regression"], "cpu", None)
    >>> dwa.epoch_end(np.array([1.0, 1.0])); dwa.epoch_end(np.array([0.5, 1.0]))
    >>> dwa.weights_.round(4)  # 2 exp(r/2) / sum, r = (0.5, 1.0)
    array([0.8756, 1.1244])
    """

    _parameter_constraints = {
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, temperature=2.0):
        self.temperature = temperature

    def start(self, task_kinds, device, rng):
        super().start(task_kinds, device, rng)
        self.weights_ = np.ones(self.n_tasks_)
        self._history = []
        return self

    def combine(self, losses, present):
        w = torch.as_tensor(self.weights_, dtype=losses.dtype, device=losses.device)
        return w * losses

    def epoch_end(self, mean_losses):
        self._history.append(np.asarray(mean_losses, dtype=np.float64))
        if len(self._history) < 2:
            return
        prev, before = self._history[-1], self._history[-2]
        ok = (before > 0) & np.isfinite(prev) & np.isfinite(before)
        r = np.where(ok, prev / np.where(ok, before, 1.0), 1.0)
        e = np.exp(r / self.temperature - np.max(r / self.temperature))
        self.weights_ = self.n_tasks_ * e / e.sum()

    def weights(self):
        return self.weights_.copy()


class GradNorm(_Weighting):
    """GradNorm: learn task weights that balance gradient norms (Chen et al.).

    The weights ``w_k`` (starting at 1) scale the task losses. After every
    step's per-task gradients ``G_k = ||grad w_k L_k||`` on the shared
    parameters are known, the weights take one gradient step of size ``lr``
    on ``L_grad = sum_k |G_k - mean(G) * r_k ** alpha|``, where ``r_k =
    (L_k / L_k(0)) / mean_j (L_j / L_j(0))`` is the task's relative inverse
    training rate and the target ``mean(G) r_k ** alpha`` is a constant;
    the weights are then clipped at a small positive value and renormalised
    to sum to ``K``. The paper takes the norms on the last shared layer; here
    they are over all shared parameters (the network's
    ``shared_parameters()``).

    Parameters
    ----------
    alpha : float, default=1.5
        Strength of the pull toward equal training rates (0: equal norms).
    lr : float, default=0.025
        Step size of the weight update.

    Attributes
    ----------
    weights_ : torch.Tensor of shape (n_tasks,)
    initial_losses_ : torch.Tensor of shape (n_tasks,)
        ``L_k(0)``: each task's first loss with labels.

    References
    ----------
    .. [1] Z. Chen, V. Badrinarayanan, C.-Y. Lee and A. Rabinovich,
       "GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep
       Multitask Networks", ICML 2018.
    """

    needs_task_gradients = True

    _parameter_constraints = {
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, alpha=1.5, lr=0.025):
        self.alpha = alpha
        self.lr = lr

    def start(self, task_kinds, device, rng):
        super().start(task_kinds, device, rng)
        self.weights_ = torch.ones(self.n_tasks_, device=device)
        self.initial_losses_ = torch.full((self.n_tasks_,), float("nan"), device=device)
        return self

    def combine(self, losses, present):
        return self.weights_ * losses

    def adjust(self, grads, losses, present):
        losses = losses.detach()
        first = torch.isnan(self.initial_losses_) & present & (losses > 0)
        self.initial_losses_ = torch.where(first, losses, self.initial_losses_)
        ok = present & ~torch.isnan(self.initial_losses_) & (self.initial_losses_ > 0)
        if int(ok.sum()) < 2:
            return grads
        flat = torch.cat([g.reshape(self.n_tasks_, -1) for g in grads], dim=1)
        # grads are of w_k L_k: G_k = w_k ||grad L_k||
        norms = flat.norm(dim=1)
        raw = norms / self.weights_.clamp_min(1e-12)
        ratio = losses / torch.where(ok, self.initial_losses_, torch.ones_like(losses))
        rate = ratio / ratio[ok].mean()
        target = norms[ok].mean() * rate ** self.alpha
        # d/dw_k |w_k raw_k - target_k| = sign(...) raw_k
        step = torch.sign(norms - target) * raw
        w = torch.where(ok, self.weights_ - self.lr * step, self.weights_)
        w = w.clamp_min(1e-3)
        self.weights_ = w * (self.n_tasks_ / w.sum())
        return grads

    def weights(self):
        return self.weights_.detach().cpu().numpy()


class PCGrad(_Weighting):
    """Projecting conflicting gradients (gradient surgery, Yu et al.).

    For every task ``i``, in a random order over the other tasks ``j``: if
    ``<g_i, g_j> < 0``, ``g_i <- g_i - <g_i, g_j> / ||g_j||**2 g_j`` (``g_j``
    the original gradient, ``g_i`` the one projected so far). The shared
    update is the sum of the projected gradients. Inner products are over all
    shared parameters.

    Parameters
    ----------
    random_state : int or None, default=None
        Seeds the task orders; ``None`` draws them from the net's generator.

    References
    ----------
    .. [1] T. Yu, S. Kumar, A. Gupta, S. Levine, K. Hausman and C. Finn,
       "Gradient Surgery for Multi-Task Learning", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> pc = PCGrad(random_state=0).start(["binary", "binary"], "cpu", None)
    >>> g = torch.tensor([[1.0, 0.0], [-1.0, 1.0]])
    >>> pc.adjust([g], None, torch.tensor([True, True]))[0]
    tensor([[0.5000, 0.5000],
            [0.0000, 1.0000]])
    """

    needs_task_gradients = True
    rewrites_gradients = True

    _parameter_constraints = {"random_state": ["random_state", np.random.Generator]}

    def __init__(self, random_state=None):
        self.random_state = random_state

    def start(self, task_kinds, device, rng):
        from skrec.utils._random import check_generator

        super().start(task_kinds, device, rng)
        self.rng_ = check_generator(self.random_state if self.random_state is not None
                                    else rng)
        return self

    def adjust(self, grads, losses, present):
        k = self.n_tasks_
        sizes = [g[0].numel() for g in grads]
        flat = torch.cat([g.reshape(k, -1) for g in grads], dim=1)
        out = flat.clone()
        sq = (flat * flat).sum(1)
        for i in range(k):
            for j in self.rng_.permutation(k):
                if j == i or sq[j] == 0:
                    continue
                dot = out[i] @ flat[j]
                if dot < 0:
                    out[i] = out[i] - dot / sq[j] * flat[j]
        return [o.reshape(g.shape) for o, g in zip(out.split(sizes, dim=1), grads)]


class MetaBalance(_Weighting):
    """MetaBalance: bring auxiliary gradients to the target task's magnitude.

    Per shared parameter tensor, an exponential moving average of each task's
    gradient norm ``m_k <- beta m_k + (1 - beta) ||g_k||`` (from 0); every
    task's gradient is then ``g_k <- r (m_t / m_k) g_k + (1 - r) g_k``, where
    ``t`` is the target task (its own gradient is unchanged), as in the
    authors' code. ``relax_factor`` ``r`` sets how close the magnitudes get.

    Parameters
    ----------
    relax_factor : float in [0, 1), default=0.7
    beta : float in [0, 1), default=0.9
    target : int, default=-1
        Index of the target task (the last one: the core task).

    References
    ----------
    .. [1] Y. He, X. Feng, C. Cheng, G. Ji, Y. Guo and J. Caverlee,
       "MetaBalance: Improving Multi-Task Recommendations via Adapting
       Gradient Magnitudes of Auxiliary Tasks", WWW 2022 (code:
       github.com/facebookresearch/MetaBalance).

    Examples
    --------
    >>> import torch
    >>> mb = MetaBalance(beta=0.0).start(["binary", "regression"], "cpu", None)
    >>> g = torch.tensor([[3.0, 4.0], [0.0, 1.0]])  # norms 5 and 1 (target)
    >>> mb.adjust([g], None, torch.tensor([True, True]))[0]  # 0.7/5 + 0.3
    tensor([[1.3200, 1.7600],
            [0.0000, 1.0000]])
    """

    needs_task_gradients = True
    rewrites_gradients = True

    _parameter_constraints = {
        "relax_factor": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta": [Interval(numbers.Real, 0, 1, closed="left")],
        "target": [numbers.Integral],
    }

    def __init__(self, relax_factor=0.7, beta=0.9, target=-1):
        self.relax_factor = relax_factor
        self.beta = beta
        self.target = target

    def start(self, task_kinds, device, rng):
        super().start(task_kinds, device, rng)
        if not (
            -self.n_tasks_ <= self.target < self.n_tasks_
        ):
            raise ValueError(
                f"target must index one of the {self.n_tasks_} tasks, got {self.target!r}."
            )
        self.norms_ = None
        return self

    def adjust(self, grads, losses, present):
        k, t = self.n_tasks_, self.target % self.n_tasks_
        norms = torch.stack([g.reshape(k, -1).norm(dim=1) for g in grads])  # (P, K)
        if self.norms_ is None:
            self.norms_ = torch.zeros_like(norms)
        # Tasks without labels in the batch keep their moving averages.
        keep = ~present
        updated = self.beta * self.norms_ + (1 - self.beta) * norms
        self.norms_ = torch.where(keep[None, :], self.norms_, updated)
        m = self.norms_
        ratio = torch.where(m > 0, m[:, t : t + 1] / torch.where(m > 0, m, 1.0), 1.0)
        factor = self.relax_factor * ratio + (1 - self.relax_factor)  # (P, K)
        factor[:, t] = 1.0
        return [g * f.reshape(k, *([1] * (g.dim() - 1))) for g, f in zip(grads, factor)]


_NAMES = {
    "uncertainty": UncertaintyWeighting,
    "dwa": DynamicWeightAverage,
    "gradnorm": GradNorm,
    "pcgrad": PCGrad,
    "metabalance": MetaBalance,
}


def check_loss_weighting(value):
    """A fresh strategy from ``None``, a name or a strategy instance."""
    from sklearn.base import clone

    if value is None:
        return None
    if isinstance(value, str):
        if value not in _NAMES:
            raise ValueError(
                f"loss_weighting must be None, one of {sorted(_NAMES)} or a strategy "
                f"object, got {value!r}."
            )
        return _NAMES[value]()
    if isinstance(value, _Weighting):
        return clone(value)
    raise TypeError(
        f"loss_weighting must be None, one of {sorted(_NAMES)} or a strategy object "
        f"from skrec.multitask, got {type(value).__name__}."
    )
