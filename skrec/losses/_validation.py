"""Shared input handling of skrec's classification losses (logits + targets)."""

import torch

__all__ = ["check_logits_targets", "reduce_loss"]


def check_logits_targets(input, target, name):
    """Validate logits/targets as skorch passes them and bring them to 2-D.

    Returns
    -------
    logits : torch.Tensor of shape (n_samples, n_columns)
        The logits, binary ones reshaped to one column.
    proba : torch.Tensor of shape (n_samples, n_columns)
        Softmax (multi-class) or sigmoid (binary, multi-label) of the logits.
    onehot : torch.Tensor of shape (n_samples, n_columns)
        One-hot class indicators (multi-class) or the 0/1 targets, in the dtype
        of ``input``.
    mode : {"multiclass", "binary", "multilabel"}
    """
    if not isinstance(input, torch.Tensor) or not torch.is_floating_point(input):
        raise TypeError(
            f"{name} expects floating point logits as a torch.Tensor, got "
            f"{type(input).__name__}"
            + (f" of dtype {input.dtype}" if isinstance(input, torch.Tensor) else "")
            + "."
        )
    if not isinstance(target, torch.Tensor):
        target = torch.as_tensor(target)
    target = target.to(input.device)
    if input.ndim == 0 or input.ndim > 2:
        raise ValueError(
            f"{name} expects logits of shape (n_samples,) or (n_samples, "
            f"n_columns), got shape {tuple(input.shape)}."
        )
    if not torch.isfinite(input).all():
        raise ValueError(f"{name} received NaN or infinite logits.")
    n = input.shape[0]
    if input.ndim == 2 and input.shape[1] >= 2 and target.ndim == 1:
        if target.shape[0] != n:
            raise ValueError(
                f"{name}: {n} rows of logits but {target.shape[0]} targets."
            )
        if torch.is_floating_point(target):
            if not torch.equal(target, target.round()):
                raise ValueError(
                    f"{name}: multi-class targets must be integer class indices."
                )
        target = target.long()
        n_classes = input.shape[1]
        if n and (target.min() < 0 or target.max() >= n_classes):
            raise ValueError(
                f"{name}: class indices must lie in [0, {n_classes}), got values "
                f"in [{int(target.min())}, {int(target.max())}]. Encode the "
                "labels as 0..n_classes-1 (skorch's NeuralNetClassifier does)."
            )
        onehot = torch.nn.functional.one_hot(target, n_classes).to(input.dtype)
        return input, torch.softmax(input, dim=1), onehot, "multiclass"
    if input.ndim == 1 or input.shape[1] == 1:
        logits = input.reshape(n, 1)
        if target.numel() != n:
            raise ValueError(
                f"{name}: binary logits of shape {tuple(input.shape)} need {n} "
                f"targets, got shape {tuple(target.shape)}."
            )
        mode = "binary"
    elif target.shape == input.shape:
        logits = input
        mode = "multilabel"
    else:
        raise ValueError(
            f"{name}: cannot match logits of shape {tuple(input.shape)} with "
            f"targets of shape {tuple(target.shape)}. Pass class indices of shape "
            "(n_samples,) for multi-class, or 0/1 targets of the logits' shape "
            "for binary/multi-label outputs."
        )
    target = target.reshape(logits.shape).to(input.dtype)
    if not torch.isfinite(target).all() or ((target < 0) | (target > 1)).any():
        raise ValueError(f"{name}: binary and multi-label targets must lie in [0, 1].")
    return logits, torch.sigmoid(logits), target, mode


def reduce_loss(loss, reduction):
    """Apply ``reduction`` ('mean', 'sum' or 'none') to a loss tensor."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
