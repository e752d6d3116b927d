"""What skrec's nets need to know when skorch's ``AccelerateMixin`` drives them.

skorch's ``AccelerateMixin`` (Hugging Face accelerate) replaces a net's
``train_step_single`` by ``infer`` + ``get_loss`` + ``accelerator.backward``
and wraps the module in ``DistributedDataParallel`` when several processes
train. These helpers let a skrec net shard its own batches, reach its
unwrapped module, and refuse the configurations whose training step owns
more than that one backward pass.
"""

import torch

__all__ = [
    "accelerator_safe_criterion",
    "process_rank",
    "refuse_under_accelerator",
    "unwrap_module",
]


def process_rank(net):
    """``(rank, world_size)`` of the process training ``net`` (``(0, 1)`` alone)."""
    accelerator = getattr(net, "accelerator", None)
    if accelerator is None:
        return 0, 1
    return int(accelerator.process_index), int(accelerator.num_processes)


def unwrap_module(module):
    """The module inside a ``DistributedDataParallel`` wrapper (or itself)."""
    if isinstance(module, torch.nn.parallel.DistributedDataParallel):
        return module.module
    return module


def refuse_under_accelerator(net, reason):
    """Raise when ``net`` trains under an accelerator and ``reason`` is not None."""
    if getattr(net, "accelerator", None) is not None and reason is not None:
        raise NotImplementedError(
            f"{type(net).__name__} cannot train under AccelerateMixin with {reason}: "
            "that training step runs its own backward passes, which the accelerator "
            "must own. Train it in one process, or drop that option."
        )


class _PlainLoss:
    """A parameterless torch loss hidden from the accelerator.

    ``DistributedDataParallel`` refuses modules without trainable parameters,
    and skorch's ``AccelerateMixin`` prepares every criterion that is a torch
    module; this holder (not a module) calls the loss and forwards attribute
    access (``reduction``) to it.
    """

    def __init__(self, loss):
        object.__setattr__(self, "loss", loss)

    def __call__(self, *args, **kwargs):
        return self.loss(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.loss, name)

    def __setattr__(self, name, value):
        setattr(self.loss, name, value)


def accelerator_safe_criterion(net, criterion):
    """``criterion``, or a holder of it when an accelerator would refuse it."""
    if getattr(net, "accelerator", None) is None:
        return criterion
    if isinstance(criterion, torch.nn.Module) and not any(
        p.requires_grad for p in criterion.parameters()
    ):
        return _PlainLoss(criterion)
    return criterion
