"""Class-balanced losses from the effective number of samples.

``ClassBalancedLoss`` re-weights a softmax, sigmoid or focal loss per class
(Cui et al., 2019); ``PerOutputClassBalancedLoss`` gives every output of a
multi-label head its own positive/negative weights (HACO's vertex-level
class-balanced loss, Jung & Lee, 2025).
"""

import numbers

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from skrec.losses._validation import check_logits_targets, reduce_loss

__all__ = [
    "ClassBalancedLoss",
    "PerOutputClassBalancedLoss",
    "class_balanced_weights",
]


def _check_beta(beta):
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"beta must be a real number in [0, 1), got {beta!r}.")
    if not 0.0 <= beta < 1.0:
        raise ValueError(
            f"beta must lie in [0, 1), got {beta!r}: 0 disables the re-weighting, "
            "values close to 1 (e.g. 0.9999) approach inverse class frequency."
        )
    return float(beta)


def _check_counts(counts, name, ndim):
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != ndim:
        raise ValueError(
            f"{name} must be {ndim}-dimensional, got shape {counts.shape}."
        )
    if counts.size == 0 or not np.all(np.isfinite(counts)):
        raise ValueError(f"{name} must be non-empty and finite.")
    if np.any(counts < 0):
        raise ValueError(f"{name} must be non-negative counts.")
    return counts


def class_balanced_weights(class_counts, beta=0.9999):
    """Class weights from the effective number of samples (Cui et al., 2019).

    The weight of class :math:`c` with :math:`n_c` training samples is
    :math:`(1 - \\beta) / (1 - \\beta^{n_c})`, the inverse of its effective number
    of samples, normalised so that the weights sum to the number of classes.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Positive number of training samples per class.
    beta : float, default=0.9999
        In ``[0, 1)``: 0 gives equal weights, ``beta -> 1`` inverse frequency.

    Returns
    -------
    weights : ndarray of shape (n_classes,)

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019 (arXiv:1901.05555).

    Examples
    --------
    >>> from skrec.losses import class_balanced_weights
    >>> class_balanced_weights([90, 10], beta=0.0)
    array([1., 1.])
    >>> class_balanced_weights([90, 10], beta=0.9).round(4)
    array([0.7889, 1.2111])
    """
    beta = _check_beta(beta)
    counts = _check_counts(class_counts, "class_counts", 1)
    if np.any(counts <= 0):
        raise ValueError(
            "class_counts must be > 0 for every class: a class without training "
            "samples has no effective number. Drop the class or add samples."
        )
    if beta == 0.0:
        return np.ones_like(counts)
    # 1 - beta**n computed as -expm1(n * log(beta)) stays accurate for beta -> 1.
    weights = (1.0 - beta) / -np.expm1(counts * np.log(beta))
    return weights / weights.sum() * counts.size


class ClassBalancedLoss(nn.Module):
    r"""Class-balanced loss (effective number of samples, Cui et al., 2019).

    Every example of class :math:`y_i` is weighted by
    :math:`w_{y_i} \propto (1 - \beta) / (1 - \beta^{n_{y_i}})`
    (:func:`class_balanced_weights`, normalised to sum to the number of classes)
    inside one of three base losses:

    - ``"softmax"``: cross-entropy of the softmax,
      :math:`w_{y_i} \cdot (-\log \mathrm{softmax}(z_i)_{y_i})`;
    - ``"sigmoid"``: one-vs-rest binary cross-entropy summed over classes,
      :math:`w_{y_i} \sum_k \mathrm{BCE}(z_{ik}, [y_i = k])`;
    - ``"focal"``: the sigmoid loss with the focal factor :math:`(1 - p_t)^\gamma`
      on every term (Lin et al., 2017), as in Cui et al.

    The weighted per-example losses are averaged over the batch (a plain mean,
    not torch's weighted mean, so that the weights' scale is kept).

    Input as a skorch ``criterion`` receives it: logits of shape ``(n_samples,
    n_classes)`` with class indices ``(n_samples,)``, or, for two classes, one
    logit per example (shape ``(n_samples,)`` or ``(n_samples, 1)``) with 0/1
    targets — there the softmax and sigmoid losses coincide.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Number of training samples per class, in the order of the class indices
        (e.g. ``np.bincount(y_encoded)``).
    beta : float, default=0.9999
        Hyper-parameter of the effective number, in ``[0, 1)``.
    loss_type : {"softmax", "sigmoid", "focal"}, default="softmax"
        The base loss.
    gamma : float, default=2.0
        Focusing parameter of the focal loss (``loss_type="focal"`` only), ``>= 0``.
    reduction : {"mean", "sum", "none"}, default="mean"
        Reduction over examples.

    Attributes
    ----------
    weights : torch.Tensor of shape (n_classes,)
        The class weights (a float64 buffer: moves with ``.to(device)``).

    See Also
    --------
    class_balanced_weights : The weights alone, e.g. for ``class_weight=`` of a
        scikit-learn estimator.
    PerOutputClassBalancedLoss : Per-output weights for multi-label heads.

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019 (arXiv:1901.05555).
    .. [2] T.-Y. Lin, P. Goyal, R. Girshick, K. He and P. Dollár, "Focal Loss for
       Dense Object Detection", ICCV 2017.

    Examples
    --------
    >>> import torch
    >>> from skrec.losses import ClassBalancedLoss
    >>> loss = ClassBalancedLoss([90, 10], beta=0.9)
    >>> loss.weights
    tensor([0.7889, 1.2111], dtype=torch.float64)
    >>> logits = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> round(float(loss(logits, torch.tensor([0, 1]))), 4)  # log(2) * mean(w)
    0.6931

    As a skorch criterion:

    >>> from skorch import NeuralNetClassifier
    >>> net = NeuralNetClassifier(torch.nn.Linear(4, 2), criterion=ClassBalancedLoss,
    ...                           criterion__class_counts=[90, 10])
    """

    def __init__(
        self,
        class_counts,
        beta=0.9999,
        loss_type="softmax",
        gamma=2.0,
        reduction="mean",
    ):
        super().__init__()
        if loss_type not in ("softmax", "sigmoid", "focal"):
            raise ValueError(
                f"loss_type must be 'softmax', 'sigmoid' or 'focal', got {loss_type!r}."
            )
        if not isinstance(gamma, numbers.Real) or not gamma >= 0:
            raise ValueError(f"gamma must be a real number >= 0, got {gamma!r}.")
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}."
            )
        weights = class_balanced_weights(class_counts, beta)
        if weights.size < 2:
            raise ValueError("class_counts must hold at least two classes.")
        self.beta = float(beta)
        self.loss_type = loss_type
        self.gamma = float(gamma)
        self.reduction = reduction
        # float64 buffers: cast to the logits' dtype in forward.
        self.register_buffer("weights", torch.as_tensor(weights, dtype=torch.float64))

    def forward(self, input, target):
        """Class-balanced loss of ``input`` logits against ``target``.

        Parameters
        ----------
        input : torch.Tensor
            Logits of shape ``(n_samples, n_classes)``, or ``(n_samples,)`` /
            ``(n_samples, 1)`` for two classes.
        target : torch.Tensor
            Class indices (or 0/1 targets for a single logit).

        Returns
        -------
        loss : torch.Tensor
            Scalar unless ``reduction="none"`` (then shape ``(n_samples,)``).
        """
        name = type(self).__name__
        logits, proba, onehot, mode = check_logits_targets(input, target, name)
        n_classes = self.weights.numel()
        if mode == "multilabel":
            raise ValueError(
                f"{name} is for single-label targets; use "
                "PerOutputClassBalancedLoss for multi-label outputs."
            )
        if mode == "multiclass" and logits.shape[1] != n_classes:
            raise ValueError(
                f"{name}: logits have {logits.shape[1]} columns but class_counts "
                f"has {n_classes} classes."
            )
        if mode == "binary":
            if n_classes != 2:
                raise ValueError(
                    f"{name}: a single logit per example needs 2 class counts, "
                    f"got {n_classes}."
                )
            if not torch.equal(onehot, onehot.round()):
                raise ValueError(f"{name}: binary targets must be 0 or 1.")
            labels = onehot[:, 0].long()
        else:
            labels = onehot.argmax(dim=1)
        weights = self.weights.to(logits.dtype)[labels]
        if mode == "multiclass" and self.loss_type == "softmax":
            per_term = -(torch.log_softmax(logits, dim=1) * onehot)
        else:
            per_term = F.binary_cross_entropy_with_logits(
                logits, onehot, reduction="none"
            )
            if self.loss_type == "focal":
                # 1 - p_t = sigmoid(-z) for positives, sigmoid(z) for negatives.
                per_term = per_term * torch.sigmoid(logits * (1.0 - 2.0 * onehot)).pow(
                    self.gamma
                )
        return reduce_loss(weights * per_term.sum(dim=1), self.reduction)


class PerOutputClassBalancedLoss(nn.Module):
    r"""Per-output class-balanced binary cross-entropy for multi-label heads.

    HACO's vertex-level class-balanced (VCB) loss: each output :math:`v` (a
    vertex, a label) of a multi-label head gets its own negative/positive
    weights from how often it is positive in the training set, so that outputs
    that are rarely positive weight their positives up. Following the authors'
    code, with :math:`n_{v,c}` the count of class :math:`c \in \{0, 1\}` at
    output :math:`v`:

    1. per-output counts are rescaled to ``total`` per output, and so are the
       global counts :math:`\sum_v n_{v,c}`;
    2. they are blended, ``blend`` * per-output + (1 - ``blend``) * global;
    3. clamped at ``min_count`` and rescaled to ``total`` again;
    4. weights :math:`(1 - \beta) / (1 - \beta^{n})` are normalised so that the
       two weights of an output sum to 1.

    The loss is the mean over examples and outputs of
    :math:`w_{v, y_{iv}} \mathrm{BCE}(z_{iv}, y_{iv})` plus ``fp_penalty`` times
    the mean of :math:`\sigma(z_{iv}) (1 - y_{iv})`, a penalty on confident false
    positives.

    Parameters
    ----------
    counts : array-like of shape (n_outputs, 2)
        Number of training examples where each output is 0 (column 0) and 1
        (column 1). :meth:`from_targets` computes it from a 0/1 target matrix.
    beta : float, default=0.9999
        Hyper-parameter of the effective number, in ``[0, 1)``.
    blend : float, default=0.3
        Weight of the per-output counts against the global counts, in ``[0, 1]``.
        The authors raise it linearly from 0 to 0.3 over training; it is read at
        every forward pass, so a callback may schedule it.
    total : float, default=1000.0
        Count every output's class counts are rescaled to.
    min_count : float, default=20.0
        Lower clamp of the rescaled counts (keeps weights of never-positive
        outputs bounded), ``< total / 2``.
    fp_penalty : float, default=0.5
        Weight of the false-positive penalty; 0 disables it.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"none"`` returns the per-element losses of shape ``(n_samples,
        n_outputs)`` whose mean is the ``"mean"`` loss.

    References
    ----------
    .. [1] D. S. Jung and K. M. Lee, "Learning Dense Hand Contact Estimation from
       Imbalanced Data", NeurIPS 2025 (arXiv:2505.11152). Code:
       https://github.com/dqj5182/HACO_RELEASE
    .. [2] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> import torch
    >>> from skrec.losses import PerOutputClassBalancedLoss
    >>> Y = torch.tensor([[1, 0, 0], [1, 0, 0], [1, 1, 0], [0, 0, 0]])
    >>> loss = PerOutputClassBalancedLoss.from_targets(Y, blend=1.0, min_count=1.0)
    >>> loss.output_weights().round(decimals=3)  # (negative, positive) weights
    tensor([[0.7450, 0.2550],
            [0.2550, 0.7450],
            [0.0010, 0.9990]], dtype=torch.float64)
    >>> round(float(loss(torch.zeros(4, 3), Y)), 4)
    0.3413
    """

    def __init__(
        self,
        counts,
        beta=0.9999,
        blend=0.3,
        total=1000.0,
        min_count=20.0,
        fp_penalty=0.5,
        reduction="mean",
    ):
        super().__init__()
        counts = _check_counts(counts, "counts", 2)
        if counts.shape[1] != 2:
            raise ValueError(
                f"counts must have shape (n_outputs, 2), got {counts.shape}."
            )
        if np.any(counts.sum(axis=1) <= 0):
            raise ValueError("every output needs at least one training example.")
        self.beta = _check_beta(beta)
        if not isinstance(total, numbers.Real) or not total > 0:
            raise ValueError(f"total must be > 0, got {total!r}.")
        if not isinstance(min_count, numbers.Real) or not 0 <= min_count < total / 2:
            raise ValueError(
                f"min_count must lie in [0, total / 2), got {min_count!r}."
            )
        if not isinstance(fp_penalty, numbers.Real) or not fp_penalty >= 0:
            raise ValueError(f"fp_penalty must be >= 0, got {fp_penalty!r}.")
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}."
            )
        self.blend = blend
        self.total = float(total)
        self.min_count = float(min_count)
        self.fp_penalty = float(fp_penalty)
        self.reduction = reduction
        self.register_buffer("counts", torch.as_tensor(counts, dtype=torch.float64))

    @classmethod
    def from_targets(cls, y, **kwargs):
        """Build the loss from a 0/1 training target matrix.

        Parameters
        ----------
        y : array-like or torch.Tensor of shape (n_samples, n_outputs)
            Binary training targets.
        **kwargs
            Other parameters of :class:`PerOutputClassBalancedLoss`.

        Returns
        -------
        loss : PerOutputClassBalancedLoss
        """
        y = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
        if y.ndim != 2:
            raise ValueError(
                f"y must be a (n_samples, n_outputs) 0/1 matrix, got shape {y.shape}."
            )
        y = y.astype(float)
        if not np.all(np.isin(y, (0.0, 1.0))):
            raise ValueError("y must contain only 0 and 1 (NaN is not allowed).")
        positives = y.sum(axis=0)
        return cls(np.column_stack([y.shape[0] - positives, positives]), **kwargs)

    def output_weights(self):
        """Negative/positive weights per output, shape ``(n_outputs, 2)``.

        Returns
        -------
        weights : torch.Tensor of shape (n_outputs, 2)
            Rows sum to 1.
        """
        blend = self.blend
        if isinstance(blend, bool) or not isinstance(blend, numbers.Real):
            raise TypeError(f"blend must be a real number in [0, 1], got {blend!r}.")
        if not 0.0 <= blend <= 1.0:
            raise ValueError(f"blend must lie in [0, 1], got {blend!r}.")
        counts = self.counts
        per_output = counts / counts.sum(dim=1, keepdim=True) * self.total
        overall = counts.sum(dim=0)
        overall = overall / overall.sum() * self.total
        mixed = blend * per_output + (1.0 - blend) * overall
        mixed = mixed.clamp(min=self.min_count)
        mixed = mixed / mixed.sum(dim=1, keepdim=True) * self.total
        if self.beta == 0.0:
            weights = torch.ones_like(mixed)
        else:
            weights = (1.0 - self.beta) / -torch.expm1(mixed * np.log(self.beta))
        return weights / weights.sum(dim=1, keepdim=True)

    def forward(self, input, target):
        """Per-output class-balanced loss of ``input`` logits against ``target``.

        Parameters
        ----------
        input : torch.Tensor of shape (n_samples, n_outputs)
            Logits.
        target : torch.Tensor of shape (n_samples, n_outputs)
            0/1 targets.

        Returns
        -------
        loss : torch.Tensor
            Scalar unless ``reduction="none"``.
        """
        name = type(self).__name__
        n_outputs = self.counts.shape[0]
        if input.ndim == 1 and n_outputs == 1:
            input = input.reshape(-1, 1)
        logits, proba, target, _ = check_logits_targets(input, target, name)
        if logits.shape[1] != n_outputs:
            raise ValueError(
                f"{name}: logits have {logits.shape[1]} outputs but counts has "
                f"{n_outputs} rows."
            )
        weights = self.output_weights().to(logits.dtype)
        element_weights = (1.0 - target) * weights[:, 0] + target * weights[:, 1]
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        loss = element_weights * bce + self.fp_penalty * proba * (1.0 - target)
        return reduce_loss(loss, self.reduction)
