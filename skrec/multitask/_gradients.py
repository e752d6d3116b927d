"""HTLNet's adjustment of the auxiliary tasks' gradients toward the core task."""

import torch

__all__ = ["htl_adjust_gradients"]


def htl_adjust_gradients(
    task_grads, core=-1, alpha=1.0, gamma=0.1, clip=10.0, norm="global"
):
    """Bend the other tasks' shared-parameter gradients toward the core task's.

    The core task's gradient ``G_c`` is the untouched reference; for every
    other task ``t`` (vectorised over tasks):

    1. direction: if ``<G_t, G_c> < 0``,
       ``G_t <- G_t - alpha * <G_t, G_c> / ||G_c||**2 * G_c``
       (``alpha = 1`` removes the conflicting component);
    2. magnitude: ``r_t = clip(||G_c|| / ||G_t||, 1/clip, clip)`` and
       ``G_t <- gamma * r_t * G_t + (1 - gamma) * G_t``.

    The shared update is then ``G_c + sum_t G_t`` (the sum over the first axis
    of the result).

    Parameters
    ----------
    task_grads : list of torch.Tensor
        One tensor per shared parameter, of shape ``(n_tasks, *param.shape)``.
    core : int, default=-1
        Index of the core task (the last one in dependence order).
    alpha : float, default=1.0
        Share of the conflicting component removed, in [0, 1].
    gamma : float, default=0.1
        Strength of the magnitude adjustment, in [0, 1].
    clip : float, default=10.0
        Bound ``C >= 1`` of the norm ratio (clipped to ``[1/C, C]``).
    norm : {"global", "tensor"}, default="global"
        Compute inner products and norms over all shared tensors at once or
        per tensor.

    Returns
    -------
    list of torch.Tensor
        The adjusted per-task gradients, same shapes as ``task_grads``.

    References
    ----------
    .. [1] X. Tang, Y. Qiao, F. Lyu, D. Liu and X. He, "Touch the Core: Exploring
       Task Dependence Among Hybrid Targets for Recommendation", RecSys 2024,
       arXiv:2403.17442 (gradient adjustment between the core regression task
       and the classification tasks; the form below follows the MetaBalance
       rule with the core task as target, as the paper describes it).
    .. [2] Y. He et al., "MetaBalance: Improving Multi-Task Recommendations via
       Adapting Gradient Magnitudes of Auxiliary Tasks", WWW 2022.

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import htl_adjust_gradients
    >>> g = torch.tensor([[-1.0, 0.0], [3.0, 4.0]])  # task 0, core task 1
    >>> out = htl_adjust_gradients([g], core=1)
    >>> out[0]
    tensor([[-0.9760,  0.7320],
            [ 3.0000,  4.0000]])
    """
    if norm not in ("global", "tensor"):
        raise ValueError(f"norm must be 'global' or 'tensor', got {norm!r}.")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}.")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma!r}.")
    if clip < 1.0:
        raise ValueError(f"clip must be >= 1, got {clip!r}.")
    task_grads = list(task_grads)
    if not task_grads:
        return []
    k = task_grads[0].shape[0]
    core = core % k
    if k == 1:
        return [g.clone() for g in task_grads]
    flats = [g.reshape(k, -1) for g in task_grads]
    groups = [flats] if norm == "global" else [[f] for f in flats]
    out = []
    for group in groups:
        flat = torch.cat(group, dim=1)  # (K, P)
        gc = flat[core]
        dots = flat @ gc  # (K,)
        nc2 = gc @ gc
        other = torch.ones(k, dtype=torch.bool, device=flat.device)
        other[core] = False
        conflict = other & (dots < 0) & (nc2 > 0)
        coef = torch.where(conflict, alpha * dots / torch.where(nc2 > 0, nc2, 1.0), 0.0)
        flat = flat - coef.unsqueeze(1) * gc.unsqueeze(0)
        nt = flat.norm(dim=1)
        nc = nc2.sqrt()
        valid = other & (nt > 0) & (nc > 0)
        r = torch.where(valid, nc / torch.where(nt > 0, nt, 1.0), 1.0).clamp(
            1.0 / clip, clip
        )
        factor = torch.where(valid, gamma * r + (1.0 - gamma), 1.0)
        flat = flat * factor.unsqueeze(1)
        sizes = [f.shape[1] for f in group]
        out.extend(flat.split(sizes, dim=1))
    return [o.reshape(g.shape) for o, g in zip(out, task_grads)]
