"""Self-adjusting dice loss (Li et al., 2020)."""

import numbers

import torch
from torch import nn

from skrec.losses._validation import check_logits_targets, reduce_loss

__all__ = ["DiceLoss"]


class DiceLoss(nn.Module):
    r"""Self-adjusting dice loss for data-imbalanced classification.

    For a predicted probability :math:`p` of a class and its binary indicator
    :math:`y`, the soft probability :math:`\tilde p = (1 - p)^\alpha p` enters the
    smoothed Sørensen–Dice coefficient

    .. math::

        \mathrm{DSC} = \frac{2 \tilde p y + \gamma}{\tilde p + y + \gamma},

    and the loss is :math:`1 - \mathrm{DSC}`. The factor :math:`(1 - p)^\alpha`
    down-weights easy, confidently classified examples (in the spirit of the focal
    loss); the smoothing :math:`\gamma` lets negative examples contribute.

    Two forms are offered:

    - ``form="batch"`` (default; the authors' released code): per class, the sums
      over the batch enter one coefficient,
      :math:`1 - (2 \sum_i \tilde p_i y_i + \gamma) / (\sum_i \tilde p_i^k +
      \sum_i y_i^k + \gamma)` with :math:`k = 2` when ``square_denominator=True``
      and :math:`k = 1` otherwise; the per-class losses are averaged.
    - ``form="example"`` (the paper's per-example coefficient): one coefficient
      per example and class, averaged over examples and classes.

    The module takes raw scores (logits) as a skorch ``criterion`` receives them:

    - multi-class: logits of shape ``(n_samples, n_classes)`` and integer class
      indices of shape ``(n_samples,)``; probabilities by softmax, one-vs-rest dice
      per class;
    - binary: logits of shape ``(n_samples,)`` or ``(n_samples, 1)`` and 0/1
      targets of the same length; probability by sigmoid, dice of the positive
      class;
    - multi-label: logits and 0/1 targets of the same shape ``(n_samples,
      n_outputs)``; sigmoid per output.

    Parameters
    ----------
    alpha : float, default=0.01
        Exponent of the :math:`(1 - p)` down-weighting factor, ``>= 0``; 0 gives
        the plain smoothed dice loss. 0.01 is what the authors' training
        scripts mostly use; keep it small (see Notes).
    gamma : float, default=1.0
        Smoothing constant added to numerator and denominator, ``> 0``.
    form : {"batch", "example"}, default="batch"
        Per-class batch coefficient (code) or per-example coefficient (paper).
        See the Notes before choosing ``"example"`` on imbalanced data.
    square_denominator : bool, default=False
        Square the terms of the denominator (``form="batch"`` only).
    reduction : {"mean", "sum", "none"}, default="mean"
        Reduction over examples (``"example"``) or classes (``"batch"``);
        ``"none"`` returns the per-example (``(n_samples,)``) or per-class
        losses.

    Notes
    -----
    On heavily imbalanced data the per-example form can fail: its gradient
    with respect to a minority example's logit vanishes as the predicted
    probability goes to 0 (unlike cross-entropy's), so the majority drives all
    probabilities down and the ranking of the minority can end up inverted. On
    the five imbalanced sets of ``benchmarks/imbalanced_training.py`` the
    per-example form reached a held-out ROC AUC of 0.09-0.48 (below chance),
    the batch form 0.67-0.93 (cross-entropy: 0.74-0.96).
    The self-adjusting factor also makes the per-example loss of a negative
    example non-monotone: :math:`\tilde p \to 0` both for :math:`p \to 0` and
    :math:`p \to 1`, so ``alpha`` should stay small (the authors use 0.01).

    References
    ----------
    .. [1] X. Li, X. Sun, Y. Meng, J. Liang, F. Wu and J. Li, "Dice Loss for
       Data-imbalanced NLP Tasks", ACL 2020 (arXiv:1911.02855). Released code:
       https://github.com/ShannonAI/dice_loss_for_NLP

    Examples
    --------
    >>> import torch
    >>> from skrec.losses import DiceLoss
    >>> logits = torch.tensor([[2.0, -1.0], [0.0, 1.0]])
    >>> target = torch.tensor([0, 1])
    >>> loss = DiceLoss(alpha=0.0, gamma=1.0, form="example")(logits, target)
    >>> round(float(loss), 4)
    0.0929

    Usable as a skorch criterion (``predict_proba`` then needs
    ``predict_nonlinearity=partial(torch.softmax, dim=-1)``):

    >>> from skorch import NeuralNetClassifier
    >>> net = NeuralNetClassifier(torch.nn.Linear(4, 2), criterion=DiceLoss,
    ...                           criterion__alpha=0.01)
    """

    def __init__(
        self,
        alpha=0.01,
        gamma=1.0,
        form="batch",
        square_denominator=False,
        reduction="mean",
    ):
        super().__init__()
        if not isinstance(alpha, numbers.Real) or not alpha >= 0:
            raise ValueError(f"alpha must be a real number >= 0, got {alpha!r}.")
        if not isinstance(gamma, numbers.Real) or not gamma > 0:
            raise ValueError(f"gamma must be a real number > 0, got {gamma!r}.")
        if form not in ("example", "batch"):
            raise ValueError(f"form must be 'example' or 'batch', got {form!r}.")
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}."
            )
        self.alpha = float(alpha)
        self.gamma = float(gamma)
        self.form = form
        self.square_denominator = bool(square_denominator)
        self.reduction = reduction

    def forward(self, input, target):
        """Dice loss of ``input`` logits against ``target``.

        Parameters
        ----------
        input : torch.Tensor
            Logits, see the class docstring for the accepted shapes.
        target : torch.Tensor
            Class indices (multi-class) or 0/1 indicators (binary, multi-label).

        Returns
        -------
        loss : torch.Tensor
            Scalar unless ``reduction="none"``.
        """
        logits, proba, onehot, mode = check_logits_targets(input, target, "DiceLoss")
        if self.alpha:
            # 1 - p, accurate for sigmoid outputs and floored at eps: the
            # derivative of (1 - p)^alpha is infinite at p = 1 (saturated
            # outputs), which would turn the gradient into NaN.
            if mode == "multiclass":
                rest = 1.0 - proba
            else:
                rest = torch.sigmoid(-logits)
            rest = rest.clamp_min(torch.finfo(proba.dtype).eps)
            soft = rest.pow(self.alpha) * proba
        else:
            soft = proba
        if self.form == "example":
            dsc = (2.0 * soft * onehot + self.gamma) / (soft + onehot + self.gamma)
            per_example = (1.0 - dsc).mean(dim=1)
            return reduce_loss(per_example, self.reduction)
        power = 2 if self.square_denominator else 1
        numerator = 2.0 * (soft * onehot).sum(dim=0) + self.gamma
        denominator = (
            soft.pow(power).sum(dim=0) + onehot.pow(power).sum(dim=0) + self.gamma
        )
        per_class = 1.0 - numerator / denominator
        return reduce_loss(per_class, self.reduction)
