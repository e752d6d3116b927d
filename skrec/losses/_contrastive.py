"""InfoNCE (NT-Xent) contrastive loss between two views of a batch."""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["InfoNCELoss", "info_nce"]


def info_nce(z1, z2, temperature=1.0, similarity="dot"):
    """InfoNCE loss of two aligned batches of representations.

    Row ``i`` of ``z1`` and row ``i`` of ``z2`` are two views of the same
    example (the positive pair); every other row of both views in the batch is
    a negative. With ``s(a, b)`` the similarity divided by ``temperature``, the
    loss of anchor ``z1[i]`` is

    .. math::

        -\\log \\frac{e^{s(z1_i, z2_i)}}{e^{s(z1_i, z2_i)}
        + \\sum_{j \\ne i} \\left(e^{s(z1_i, z2_j)} + e^{s(z1_i, z1_j)}\\right)}

    and symmetrically for anchor ``z2[i]``; the result is the mean over the
    ``2 * batch`` anchors (the NT-Xent form of SimCLR, as used by CoSeRec).

    Parameters
    ----------
    z1, z2 : Tensor of shape (batch, dim)
        The two views.
    temperature : float, default=1.0
        Positive temperature dividing the similarities.
    similarity : {"dot", "cosine"}, default="dot"
        Dot product (CoSeRec's default) or cosine similarity.

    Returns
    -------
    loss : scalar Tensor

    Examples
    --------
    >>> import torch
    >>> z = torch.eye(2)
    >>> round(float(info_nce(z, z)), 4)  # positives score 1, negatives 0
    0.5514
    """
    if z1.shape != z2.shape or z1.dim() != 2:
        raise ValueError(
            f"z1 and z2 must be 2-D tensors of the same shape, got {tuple(z1.shape)} "
            f"and {tuple(z2.shape)}."
        )
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}.")
    if similarity == "cosine":
        z1, z2 = F.normalize(z1, dim=-1), F.normalize(z2, dim=-1)
    elif similarity != "dot":
        raise ValueError(f"similarity must be 'dot' or 'cosine', got {similarity!r}.")
    n = z1.shape[0]
    z = torch.cat([z1, z2], dim=0)  # (2n, d)
    sim = z @ z.T / temperature
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    sim = sim.masked_fill(self_mask, float("-inf"))
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(sim, partner)


class InfoNCELoss(nn.Module):
    """InfoNCE contrastive loss as a torch module (see :func:`info_nce`).

    Parameters
    ----------
    temperature : float, default=1.0
    similarity : {"dot", "cosine"}, default="dot"

    References
    ----------
    .. [1] van den Oord, Li and Vinyals, "Representation Learning with
       Contrastive Predictive Coding", 2018.
    .. [2] Chen, Kornblith, Norouzi and Hinton, "A Simple Framework for
       Contrastive Learning of Visual Representations" (SimCLR), ICML 2020.
    .. [3] Liu et al., "Contrastive Self-supervised Sequential Recommendation
       with Robust Augmentation" (CoSeRec), 2021.

    Examples
    --------
    >>> import torch
    >>> loss = InfoNCELoss(temperature=0.5)
    >>> round(float(loss(torch.eye(2), torch.eye(2))), 4)
    0.2395
    """

    def __init__(self, temperature=1.0, similarity="dot"):
        super().__init__()
        self.temperature = temperature
        self.similarity = similarity

    def forward(self, z1, z2):
        return info_nce(z1, z2, self.temperature, self.similarity)
