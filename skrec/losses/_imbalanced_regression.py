"""Balanced MSE (batch Monte-Carlo) and RankSim for deep imbalanced regression."""

import math
import numbers

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["BalancedMSELoss", "RankSimLoss"]


class BalancedMSELoss(nn.Module):
    """Balanced MSE, batch Monte-Carlo form (BMC; Ren et al., 2022).

    Regression with an imbalanced target distribution makes MSE favour the
    frequent targets. Balanced MSE corrects the likelihood for the training
    label distribution; its batch Monte-Carlo estimate treats the batch's
    targets as samples of that distribution: with ``logits_ij = -(pred_i -
    y_j)**2 / (2 sigma**2)``, the loss is the cross-entropy of each row
    against its own target, ``-log softmax_j(logits_ij)[i]``, scaled by
    ``2 sigma**2`` (detached) to keep MSE's gradient scale. The noise scale
    ``sigma`` is a learned parameter (trained by the net's optimizer when this
    module is a skorch ``criterion``). Written from the paper's formula and
    checked against the authors' code (jiawei-ren/BalancedMSE, ``bmc_loss``).

    Parameters
    ----------
    init_noise_sigma : float, default=1.0
        Initial ``sigma``, in target units (the paper's default is 1.0; set it
        on the scale of the target).
    reduction : {"mean", "none"}, default="mean"
        ``"none"`` returns each row's term (for sample weighting).

    Examples
    --------
    >>> import torch
    >>> loss = BalancedMSELoss(init_noise_sigma=1.0)
    >>> pred = torch.tensor([[0.0], [1.0]]); target = torch.tensor([[0.0], [1.0]])
    >>> # rows: -log(1 / (1 + e^-0.5)); times 2 sigma^2 = 2
    >>> round(float(loss(pred, target)), 4)
    0.9482

    References
    ----------
    .. [1] J. Ren, M. Zhang, C. Yu and Z. Liu, "Balanced MSE for Imbalanced
       Visual Regression", CVPR 2022.
    """

    def __init__(self, init_noise_sigma=1.0, reduction="mean"):
        super().__init__()
        if not isinstance(init_noise_sigma, numbers.Real) or not 0 < init_noise_sigma < math.inf:
            raise ValueError(
                f"init_noise_sigma must be a positive finite number; got {init_noise_sigma!r}."
            )
        if reduction not in ("mean", "none"):
            raise ValueError(f"reduction must be 'mean' or 'none'; got {reduction!r}.")
        self.noise_sigma = nn.Parameter(torch.tensor(float(init_noise_sigma)))
        self.reduction = reduction

    def forward(self, prediction, target):
        pred = prediction.reshape(-1, 1)
        y = target.reshape(1, -1).to(pred.dtype)
        if pred.shape[0] != y.shape[1]:
            raise ValueError(
                f"prediction and target must have one value per row; got "
                f"{pred.shape[0]} and {y.shape[1]}."
            )
        noise_var = self.noise_sigma ** 2
        logits = -0.5 * (pred - y).pow(2) / noise_var
        rows = torch.arange(pred.shape[0], device=pred.device)
        loss = F.cross_entropy(logits, rows, reduction=self.reduction)
        return loss * (2 * noise_var).detach()


def _rank_normalised(values):
    """Descending rank of every entry of each row, divided by the row length."""
    order = torch.argsort(values, dim=1, descending=True)
    ranks = torch.argsort(order, dim=1)
    return (ranks + 1).to(values.dtype) / values.shape[1]


class _TrueRanker(torch.autograd.Function):
    """Ranks, differentiated by blackbox interpolation (Vlastelica et al.)."""

    @staticmethod
    def forward(ctx, values, lambda_val):
        ranks = _rank_normalised(values)
        ctx.lambda_val = lambda_val
        ctx.save_for_backward(values, ranks)
        return ranks

    @staticmethod
    def backward(ctx, grad_output):
        values, ranks = ctx.saved_tensors
        perturbed = _rank_normalised(values + ctx.lambda_val * grad_output)
        return -(ranks - perturbed) / (ctx.lambda_val + 1e-8), None


class RankSimLoss(nn.Module):
    """RankSim: make feature similarities rank neighbours as the labels do.

    For a batch, keep one sample per distinct target value (drawn at random:
    fewer ties, and rare targets count as much as common ones); for every
    kept sample ``i``, rank the others by the cosine similarity of their
    features to ``i``'s and by the closeness of their targets to ``i``'s,
    and penalise the squared difference of the two normalised rankings
    (summed over anchors, averaged over each row). Rankings are
    differentiated by blackbox combinatorial interpolation with strength
    ``interpolation_lambda`` (Gong et al., 2022, and their code
    BorealisAI/ranksim-imbalanced-regression, whose rule this follows).

    Parameters
    ----------
    interpolation_lambda : float, default=2.0
        ``lambda`` of the blackbox gradient (the paper uses 2 on its age
        benchmarks; the code's default is 1).

    Examples
    --------
    >>> import torch
    >>> loss = RankSimLoss()
    >>> z = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])  # agrees with y
    >>> float(loss(z, torch.tensor([0.0, 1.0, 5.0])))
    0.0

    References
    ----------
    .. [1] Y. Gong, G. Mori and F. Tung, "RankSim: Ranking Similarity
       Regularization for Deep Imbalanced Regression", ICML 2022.
    """

    def __init__(self, interpolation_lambda=2.0):
        super().__init__()
        if not isinstance(interpolation_lambda, numbers.Real) or not (
            0 < interpolation_lambda < math.inf
        ):
            raise ValueError(
                "interpolation_lambda must be a positive finite number; got "
                f"{interpolation_lambda!r}."
            )
        self.interpolation_lambda = float(interpolation_lambda)

    def forward(self, features, target):
        x = features.reshape(features.shape[0], -1)
        y = target.reshape(-1).to(x.dtype)
        n = x.shape[0]
        if y.shape[0] != n:
            raise ValueError(
                f"features and target must have one row per sample; got {n} and "
                f"{y.shape[0]}."
            )
        # One random sample per distinct target value, vectorized: the first
        # of each value in a random permutation.
        perm = torch.randperm(n, device=x.device)
        _, inverse = torch.unique(y[perm], return_inverse=True)
        first = torch.full((int(inverse.max()) + 1,), n, dtype=torch.long, device=x.device)
        first = first.scatter_reduce(0, inverse, torch.arange(n, device=x.device), "amin")
        keep = perm[first]
        x, y = x[keep], y[keep]
        if len(y) < 2:
            return features.sum() * 0.0
        z = F.normalize(x, dim=1)
        similarity = z @ z.T
        label_ranks = _rank_normalised(-(y[:, None] - y[None, :]).abs())
        feature_ranks = _TrueRanker.apply(similarity, self.interpolation_lambda)
        return (feature_ranks - label_ranks).pow(2).mean(1).sum()
