"""Task-aware adaptive optimizers for multi-task learning (AdaTask).

In an adaptive optimizer (Adam, RMSprop, AdaGrad) the accumulated squared
gradient of a parameter shared by several tasks mixes the gradients of all of
them, so the task with the largest gradients sets everybody's effective
learning rate ("task dominance"). AdaTask keeps, for every *shared*
parameter, one set of accumulators per task, built from that task's own
gradient, and sums the per-task steps. Task-specific parameters get the
ordinary optimizer.

How the per-task gradients arrive
---------------------------------
Parameter groups carry a ``shared`` flag (default ``False``). Before
:meth:`step`, the training loop hands the per-task gradients of the shared
parameters to :meth:`set_task_gradients` as one tensor of shape
``(n_tasks, *param.shape)`` per parameter (``skrec.multitask.MultiTaskNet``
does this with one ``torch.autograd.grad`` call per task). A shared parameter
without task gradients falls back to ``param.grad`` as the gradient of a
single task, so with ``n_tasks=1`` each optimizer *is* its torch counterpart,
operation for operation.

The optimizers also record the dominance measure of the paper, AU: for every
shared parameter and task an exponential moving average of the mean squared
update that the task contributes; :meth:`dominance` returns the shares.
With ``task_aware=False`` they run the ordinary optimizer on the summed
gradient (shared accumulators) while still recording every task's share of
the update, which is how the dominance under plain Adam is measured.
"""

import torch
from torch.optim import Optimizer

__all__ = ["AdaTaskAdam", "AdaTaskRMSprop", "AdaTaskAdagrad"]


class _AdaTaskBase(Optimizer):
    """Shared machinery: parameter groups, task gradients, AU tracking."""

    def __init__(self, params, defaults, n_tasks, task_aware, average, au_beta):
        if not isinstance(n_tasks, int | type(None)) or (
            n_tasks is not None and n_tasks < 1
        ):
            raise ValueError(f"n_tasks must be a positive integer, got {n_tasks!r}.")
        if not 0.0 <= au_beta < 1.0:
            raise ValueError(f"au_beta must lie in [0, 1), got {au_beta!r}.")
        if defaults["lr"] < 0.0:
            raise ValueError(f"Invalid learning rate: {defaults['lr']!r}.")
        if defaults["eps"] < 0.0:
            raise ValueError(f"Invalid eps: {defaults['eps']!r}.")
        if defaults["weight_decay"] < 0.0:
            raise ValueError(f"Invalid weight_decay: {defaults['weight_decay']!r}.")
        defaults = dict(defaults, shared=False)
        self.n_tasks = n_tasks
        self.task_aware = bool(task_aware)
        self.average = bool(average)
        self.au_beta = au_beta
        super().__init__(params, defaults)
        self._task_grads = {}

    def __getstate__(self):
        state = super().__getstate__()
        state.update(
            n_tasks=self.n_tasks,
            task_aware=self.task_aware,
            average=self.average,
            au_beta=self.au_beta,
        )
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._task_grads = {}

    # -- task gradients ---------------------------------------------------
    def set_task_gradients(self, params, task_grads):
        """Hand over the per-task gradients of shared parameters for the next step.

        Parameters
        ----------
        params : sequence of torch.nn.Parameter
            Shared parameters (they must belong to a group with ``shared=True``).
        task_grads : sequence of torch.Tensor
            One tensor per parameter, of shape ``(n_tasks, *param.shape)``:
            the gradient of each task's weighted loss.
        """
        params = list(params)
        task_grads = list(task_grads)
        if len(params) != len(task_grads):
            raise ValueError(
                f"Got {len(params)} parameters but {len(task_grads)} task gradients."
            )
        for p, g in zip(params, task_grads):
            if g.shape[1:] != p.shape:
                raise ValueError(
                    f"A task gradient has shape {tuple(g.shape)}; expected "
                    f"(n_tasks, {', '.join(map(str, p.shape))})."
                )
            if self.n_tasks is not None and g.shape[0] != self.n_tasks:
                raise ValueError(
                    f"Got gradients of {g.shape[0]} tasks; the optimizer was "
                    f"built with n_tasks={self.n_tasks}."
                )
            self._task_grads[id(p)] = g

    def _gradients(self, p, shared):
        """Return the task gradient stack ``(K, *shape)`` of ``p`` or None."""
        g = self._task_grads.pop(id(p), None) if shared else None
        if g is None:
            if p.grad is None:
                return None
            g = p.grad.unsqueeze(0)
        return g

    # -- dominance ----------------------------------------------------------
    def _track(self, state, updates):
        """EMA of each task's mean squared update (``updates``: (K, *shape))."""
        msq = updates.detach().pow(2).flatten(1).mean(1)
        au = state.get("au")
        if au is None or au.shape != msq.shape:
            state["au"] = (1 - self.au_beta) * msq
        else:
            au.mul_(self.au_beta).add_(msq, alpha=1 - self.au_beta)

    def task_au(self, named_params=None):
        """Raw AU (moving average of squared updates) per shared parameter.

        Parameters
        ----------
        named_params : iterable of (str, Parameter), default=None
            Names for the parameters; by default they are numbered.

        Returns
        -------
        dict
            Maps parameter names to ``(au, numel)``: ``au`` lists one value
            per task (the mean over the parameter's elements), ``numel`` is the
            parameter's size.
        """
        names = {}
        if named_params is not None:
            names = {id(p): name for name, p in named_params}
        out = {}
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                au = self.state.get(p, {}).get("au") if group["shared"] else None
                if au is not None:
                    out[names.get(id(p), f"param{i}")] = (au.tolist(), p.numel())
                i += 1
        return out

    def dominance(self, named_params=None):
        """Share of each task in the AU (average of squared updates).

        Parameters
        ----------
        named_params : iterable of (str, Parameter), default=None
            Names for the parameters; by default they are numbered.

        Returns
        -------
        dict
            Maps each shared parameter (that has been updated) to a list of
            ``n_tasks`` shares summing to one.
        """
        out = {}
        for name, (au, _) in self.task_au(named_params).items():
            total = sum(au)
            out[name] = (
                [a / total for a in au] if total > 0 else [1.0 / len(au)] * len(au)
            )
        return out

    # -- step ---------------------------------------------------------------
    def _weight_decayed(self, g, p, wd):
        if wd == 0:
            return g
        # L2 penalty spread evenly over the K per-task gradients so that the
        # summed step decays like the ordinary optimizer (exact for K = 1).
        return g.add(p.unsqueeze(0), alpha=wd / g.shape[0])

    @torch.no_grad()
    def step(self, closure=None):
        """Perform one optimisation step.

        Parameters
        ----------
        closure : callable, default=None
            Re-evaluates the model and returns the loss (it may call
            :meth:`set_task_gradients`).

        Returns
        -------
        loss : torch.Tensor or None
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                g = self._gradients(p, group["shared"])
                if g is None:
                    continue
                if g.is_sparse:
                    raise RuntimeError(
                        "AdaTask optimizers do not support sparse gradients."
                    )
                g = self._weight_decayed(g, p, group["weight_decay"])
                state = self.state[p]
                task_aware = self.task_aware or g.shape[0] == 1
                if task_aware:
                    self._update(p, g, group, state)
                else:
                    self._update_shared_accumulator(p, g, group, state)
        self._task_grads.clear()
        return loss

    def _apply(self, p, numer, denom, value, state, track):
        """``p += value * sum_k numer_k / denom_k`` (or averaged) and track AU."""
        k = numer.shape[0]
        if self.average and k > 1:
            value = value / k
        for i in range(k):
            p.addcdiv_(numer[i], denom[i], value=value)
        if track:
            self._track(state, numer / denom * value)

    def _update_shared_accumulator(self, p, g, group, state):
        """Ordinary optimizer on the summed gradient, with per-task AU."""
        total = g.sum(0, keepdim=True)
        st = state.setdefault("_plain", {})
        numer_total, denom, value, numer_tasks = self._plain_parts(
            p, total, g, group, st
        )
        p.addcdiv_(numer_total[0], denom[0], value=value)
        self._track(state, numer_tasks / denom * value)


class AdaTaskAdam(_AdaTaskBase):
    """Adam with task-wise accumulators on shared parameters (AdaTask).

    For a shared parameter and task ``k`` with gradient ``g_k`` (of the
    task's weighted loss): ``m_k = b1 m_k + (1 - b1) g_k``,
    ``v_k = b2 v_k + (1 - b2) g_k**2`` and the parameter moves by the sum
    over tasks of ``-lr / (1 - b1**t) * m_k / (sqrt(v_k) / sqrt(1 - b2**t) + eps)``
    (one step counter ``t`` per parameter, as in the authors' code).
    Task-specific parameters get plain Adam.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups; a group with ``"shared": True`` holds
        the shared parameters.
    lr : float, default=1e-3
        Learning rate.
    betas : tuple of float, default=(0.9, 0.999)
        Decay rates of the first and second moments.
    eps : float, default=1e-8
        Added to the denominator.
    weight_decay : float, default=0
        L2 penalty added to the gradient (as ``torch.optim.Adam``); on shared
        parameters it is split evenly over the tasks.
    n_tasks : int or None, default=None
        Number of tasks; ``None`` takes it from the task gradients.
    task_aware : bool, default=True
        ``False`` keeps one accumulator per parameter (plain Adam on the summed
        gradient) but still records the per-task dominance.
    average : bool, default=False
        Average rather than sum the per-task steps (the paper sums them).
    au_beta : float, default=0.99
        Decay of the moving average of squared updates (dominance).

    References
    ----------
    .. [1] E. Yang, J. Pan, X. Wang, H. Yu, L. Shen, X. Chen, L. Xiao, J. Jiang
       and G. Guo, "AdaTask: A Task-Aware Adaptive Learning Rate Approach to
       Multi-Task Learning", AAAI 2023, arXiv:2211.15055 (code:
       github.com/EnnengYang/AdaTask).

    Examples
    --------
    >>> import torch
    >>> from skrec.optim import AdaTaskAdam
    >>> w = torch.nn.Parameter(torch.zeros(3))
    >>> opt = AdaTaskAdam([{"params": [w], "shared": True}], lr=0.1)
    >>> opt.set_task_gradients([w], [torch.tensor([[1.0, 0, 0], [0, -100.0, 0]])])
    >>> _ = opt.step()
    >>> w.detach()   # each task moves its coordinate by lr, whatever its scale
    tensor([-0.1000,  0.1000,  0.0000])
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        n_tasks=None,
        task_aware=True,
        average=False,
        au_beta=0.99,
    ):
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"Invalid betas: {betas!r}; both must lie in [0, 1).")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults, n_tasks, task_aware, average, au_beta)

    def _moments(self, p, g, group, state):
        b1, b2 = group["betas"]
        if "step" not in state:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(g, memory_format=torch.preserve_format)
            state["exp_avg_sq"] = torch.zeros_like(
                g, memory_format=torch.preserve_format
            )
        state["step"] += 1
        state["exp_avg"].lerp_(g, 1 - b1)
        state["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
        step = float(state["step"])
        bias_correction1 = 1 - b1**step
        bias_correction2 = 1 - b2**step
        step_size = group["lr"] / bias_correction1
        denom = (state["exp_avg_sq"].sqrt() / bias_correction2**0.5).add_(group["eps"])
        return state["exp_avg"], denom, -step_size

    def _update(self, p, g, group, state):
        numer, denom, value = self._moments(p, g, group, state)
        self._apply(p, numer, denom, value, state, track=group["shared"])

    def _plain_parts(self, p, total, g, group, st):
        numer, denom, value = self._moments(p, total, group, st)
        b1 = group["betas"][0]
        # m is linear in g: the task's part of m is its own first moment.
        if "task_exp_avg" not in st:
            st["task_exp_avg"] = torch.zeros_like(g)
        st["task_exp_avg"].lerp_(g, 1 - b1)
        return numer, denom, value, st["task_exp_avg"]


class AdaTaskRMSprop(_AdaTaskBase):
    """RMSprop with task-wise accumulators on shared parameters (AdaTask).

    For a shared parameter: ``v_k = alpha v_k + (1 - alpha) g_k**2`` and
    ``theta -= lr * sum_k g_k / (sqrt(v_k) + eps)``. The RMSprop and AdaGrad
    variants are reconstructed from the paper (the authors' code has Adam
    only). Momentum and the centred variant are not offered.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups (``"shared": True`` for shared ones).
    lr : float, default=1e-2
        Learning rate.
    alpha : float, default=0.99
        Smoothing constant.
    eps : float, default=1e-8
        Added to the denominator.
    weight_decay : float, default=0
        L2 penalty (split evenly over the tasks on shared parameters).
    n_tasks : int or None, default=None
        Number of tasks.
    task_aware : bool, default=True
        ``False`` gives plain RMSprop (shared accumulators) with dominance
        tracking.
    average : bool, default=False
        Average rather than sum the per-task steps.
    au_beta : float, default=0.99
        Decay of the moving average of squared updates.

    References
    ----------
    .. [1] E. Yang et al., "AdaTask: A Task-Aware Adaptive Learning Rate
       Approach to Multi-Task Learning", AAAI 2023, arXiv:2211.15055.

    Examples
    --------
    >>> import torch
    >>> from skrec.optim import AdaTaskRMSprop
    >>> w = torch.nn.Parameter(torch.ones(2))
    >>> opt = AdaTaskRMSprop([w], lr=0.01)
    >>> w.grad = torch.tensor([0.5, -2.0])
    >>> _ = opt.step()
    >>> w.detach()
    tensor([0.9000, 1.1000])
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0.0,
        n_tasks=None,
        task_aware=True,
        average=False,
        au_beta=0.99,
    ):
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"Invalid alpha: {alpha!r}; it must lie in [0, 1).")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults, n_tasks, task_aware, average, au_beta)

    def _acc(self, g, group, state):
        if "square_avg" not in state:
            state["step"] = 0
            state["square_avg"] = torch.zeros_like(
                g, memory_format=torch.preserve_format
            )
        state["step"] += 1
        state["square_avg"].mul_(group["alpha"]).addcmul_(
            g, g, value=1 - group["alpha"]
        )
        return state["square_avg"].sqrt().add_(group["eps"])

    def _update(self, p, g, group, state):
        denom = self._acc(g, group, state)
        self._apply(p, g, denom, -group["lr"], state, track=group["shared"])

    def _plain_parts(self, p, total, g, group, st):
        denom = self._acc(total, group, st)
        return total, denom, -group["lr"], g


class AdaTaskAdagrad(_AdaTaskBase):
    """AdaGrad with task-wise accumulators on shared parameters (AdaTask).

    For a shared parameter: ``v_k += g_k**2`` and
    ``theta -= lr * sum_k g_k / (sqrt(v_k) + eps)``.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups (``"shared": True`` for shared ones).
    lr : float, default=1e-2
        Learning rate.
    eps : float, default=1e-10
        Added to the denominator.
    weight_decay : float, default=0
        L2 penalty (split evenly over the tasks on shared parameters).
    initial_accumulator_value : float, default=0
        Starting value of the accumulators.
    n_tasks : int or None, default=None
        Number of tasks.
    task_aware : bool, default=True
        ``False`` gives plain AdaGrad (shared accumulators) with dominance
        tracking.
    average : bool, default=False
        Average rather than sum the per-task steps.
    au_beta : float, default=0.99
        Decay of the moving average of squared updates.

    References
    ----------
    .. [1] E. Yang et al., "AdaTask: A Task-Aware Adaptive Learning Rate
       Approach to Multi-Task Learning", AAAI 2023, arXiv:2211.15055.

    Examples
    --------
    >>> import torch
    >>> from skrec.optim import AdaTaskAdagrad
    >>> w = torch.nn.Parameter(torch.zeros(2))
    >>> opt = AdaTaskAdagrad([w], lr=0.5)
    >>> w.grad = torch.tensor([4.0, -1.0])
    >>> _ = opt.step()
    >>> w.detach()
    tensor([-0.5000,  0.5000])
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        eps=1e-10,
        weight_decay=0.0,
        initial_accumulator_value=0.0,
        n_tasks=None,
        task_aware=True,
        average=False,
        au_beta=0.99,
    ):
        if initial_accumulator_value < 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value: {initial_accumulator_value!r}."
            )
        defaults = dict(
            lr=lr,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
        )
        super().__init__(params, defaults, n_tasks, task_aware, average, au_beta)

    def _acc(self, g, group, state):
        if "sum" not in state:
            state["step"] = 0
            state["sum"] = torch.full_like(
                g,
                group["initial_accumulator_value"],
                memory_format=torch.preserve_format,
            )
        state["step"] += 1
        state["sum"].addcmul_(g, g, value=1)
        return state["sum"].sqrt().add_(group["eps"])

    def _update(self, p, g, group, state):
        denom = self._acc(g, group, state)
        self._apply(p, g, denom, -group["lr"], state, track=group["shared"])

    def _plain_parts(self, p, total, g, group, st):
        denom = self._acc(total, group, st)
        return total, denom, -group["lr"], g
