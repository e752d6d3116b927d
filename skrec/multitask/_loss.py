"""The summed per-task loss of multi-task networks."""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["MultiTaskLoss"]


class MultiTaskLoss(nn.Module):
    """Per-task losses: BCE (binary), cross-entropy (multiclass), MSE (regression).

    A NaN target marks a missing label: each task's loss is the mean over the
    rows that have its label, and ``0`` (with no gradient) when none has.

    Parameters
    ----------
    task_kinds : list of str
        Kind of every task.
    task_dims : list of int
        Number of outputs of every task (columns of the prediction).

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import MultiTaskLoss
    >>> loss = MultiTaskLoss(["binary", "regression"], [1, 1])
    >>> loss(torch.zeros(2, 2), torch.tensor([[1.0, 1.0], [0.0, -1.0]]))
    tensor([0.6931, 1.0000])
    >>> loss(torch.zeros(2, 2), torch.tensor([[1.0, float("nan")], [0.0, -2.0]]))
    tensor([0.6931, 4.0000])
    """

    def __init__(self, task_kinds, task_dims):
        super().__init__()
        self.task_kinds = list(task_kinds)
        self.task_dims = list(task_dims)

    def forward(self, y_pred, y_true):
        out = []
        start = 0
        for j, (kind, dim) in enumerate(zip(self.task_kinds, self.task_dims)):
            pred = y_pred[:, start : start + dim]
            start += dim
            target = y_true[:, j]
            labelled = ~torch.isnan(target)
            if not bool(labelled.any()):
                # no label (or no row: a process's empty share of a small
                # data-parallel batch): zero, still connected to the graph
                out.append(pred.sum() * 0.0)
                continue
            if not bool(labelled.all()):
                pred, target = pred[labelled], target[labelled]
            if kind == "binary":
                out.append(
                    F.binary_cross_entropy_with_logits(
                        pred[:, 0], target.to(pred.dtype)
                    )
                )
            elif kind == "multiclass":
                out.append(F.cross_entropy(pred, target.long()))
            else:
                out.append(F.mse_loss(pred[:, 0], target.to(pred.dtype)))
        return torch.stack(out)
