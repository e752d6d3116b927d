"""What skrec's nets need to know when skorch's ``AccelerateMixin`` drives them.

skorch's ``AccelerateMixin`` (Hugging Face accelerate) wraps the module in
``DistributedDataParallel`` (DDP) when several processes train, and replaces
a net's ``train_step_single`` by ``infer`` + ``get_loss`` +
``accelerator.backward``. skrec's training steps do more than that (augmented
views, cloze masks, per-task gradients), so :class:`AccelerateSupportMixin`
keeps them, and they send every backward pass through :func:`backward` (the
accelerator's when there is one).

Data-parallel training must give the update of one process training on the
whole global batch. Three rules, one helper each:

* a mean over the rows (or targets) of the batch is a sum over this
  process's rows divided by :func:`global_count` / world size, so that the
  gradient DDP averages is the global mean's (:func:`shard_normalizer`);
* a loss over pairs of rows (InfoNCE, ConR, RankSim) is computed on the rows
  of every process (:func:`gather_rows`), the same value in every process;
* gradients that DDP does not average (parameters outside the module, or
  per-task gradients taken with ``torch.autograd.grad``) are averaged by
  :func:`average_gradients`.
"""

import contextlib
import functools

import numpy as np
import torch

__all__ = [
    "AccelerateSupportMixin",
    "accelerator_safe_criterion",
    "all_reduce_sum",
    "average_gradients",
    "backward",
    "gather_rows",
    "global_count",
    "process_rank",
    "process_rng",
    "refuse_per_task_gradients",
    "shard_normalizer",
    "shared_random_state",
    "sync_context",
    "unwrap_module",
    "unwrap_optimizer",
]


def process_rank(net):
    """``(rank, world_size)`` of the process training ``net`` (``(0, 1)`` alone)."""
    accelerator = getattr(net, "accelerator", None)
    if accelerator is None:
        return 0, 1
    return int(accelerator.process_index), int(accelerator.num_processes)


def _distributed(net):
    return process_rank(net)[1] > 1


def process_rng(net, name):
    """The generator of this process's random draws within a training step.

    ``name`` is the attribute of ``net`` holding the generator the draws come
    from in one process (``"rng_"``), which is returned as is (single-process
    results are unchanged). Under several processes that generator must stay
    in step in every process (it draws the shared batch order), while the
    draws of a step (negatives, views, masks) must differ between processes
    and may use different amounts of randomness: they come from a generator
    seeded once from it and the process's rank.
    """
    rng = getattr(net, name)
    rank, world = process_rank(net)
    if world == 1:
        return rng
    cache = net.__dict__.setdefault("_process_rngs", {})
    source, generator = cache.get(name, (None, None))
    if source is not rng:
        # one draw from rng in every process: it stays in step
        seed = int(rng.integers(2**63 - 1))
        generator = np.random.default_rng([seed, rank])
        cache[name] = (rng, generator)
    return generator


def shared_random_state(net, random_state):
    """``random_state``, the same in every process.

    Every process must draw the same batch order from it. An int or a
    generator given to every process already is; ``None`` (fresh entropy)
    is not, so under several processes process 0 draws a seed and sends it
    to the others. Alone, ``random_state`` is returned as is.
    """
    rank, world = process_rank(net)
    if world == 1 or random_state is not None:
        return random_state
    entropy = np.random.SeedSequence().entropy % 2**62 if rank == 0 else 0
    seed = torch.tensor([entropy], dtype=torch.int64, device=net.accelerator.device)
    torch.distributed.broadcast(seed, src=0)
    return int(seed[0])


def all_reduce_sum(net, tensor):
    """``tensor`` summed over the processes (a new tensor; itself alone)."""
    if not _distributed(net):
        return tensor
    out = tensor.detach().clone()
    torch.distributed.all_reduce(out)
    return out


def global_count(net, count):
    """A count (number of rows or targets) summed over the processes."""
    if not _distributed(net):
        return float(count)
    # on the accelerator's device: NCCL reduces only GPU tensors
    t = torch.tensor([float(count)], dtype=torch.float64, device=net.accelerator.device)
    torch.distributed.all_reduce(t)
    return float(t[0])


def shard_normalizer(net, count):
    """Divisor of this process's loss sum, for a mean over ``count`` items.

    ``count`` is the number of items (rows, targets) this process's share of
    the batch holds. Alone it is returned as is. Under ``world`` processes
    whose gradients DDP averages, the divisor is the global count divided by
    ``world``: the average of the processes' gradients is then the gradient
    of the mean over every process's items.
    """
    rank, world = process_rank(net)
    if world == 1:
        return count
    return global_count(net, count) / world


class _GatherRows(torch.autograd.Function):
    """All rows of every process, in rank order, differentiable."""

    @staticmethod
    def forward(ctx, tensor, sizes, rank, world):
        ctx.rank, ctx.sizes, ctx.world = rank, sizes, world
        longest = max(sizes)
        padded = tensor.new_zeros((longest,) + tuple(tensor.shape[1:]))
        padded[: tensor.shape[0]] = tensor
        parts = [torch.empty_like(padded) for _ in range(world)]
        torch.distributed.all_gather(parts, padded.contiguous())
        return torch.cat([p[:n] for p, n in zip(parts, sizes)])

    @staticmethod
    def backward(ctx, grad):
        # This process's rows get the gradient of every process's loss (a
        # sum); DDP then averages over the processes. When every process
        # computes the same loss (the usual case) that is the gradient of the
        # global batch's loss; when the losses differ (a random choice drawn
        # differently), the gradient of their mean.
        grad = grad.clone()  # all_reduce works in place
        torch.distributed.all_reduce(grad)
        start = sum(ctx.sizes[: ctx.rank])
        return grad[start : start + ctx.sizes[ctx.rank]], None, None, None


def gather_rows(net, *tensors):
    """Concatenate the rows of ``tensors`` over the processes (rank order).

    Alone, the tensors are returned as they are. Under several processes, a
    loss over pairs of rows computed on the gathered tensors is the loss of
    the global batch (its rows in another order), the same value in every
    process; gradients flow back to each process's own rows, summed over the
    processes' losses, so that DDP's average is the global batch's gradient.
    ``None`` stays ``None``.
    """
    rank, world = process_rank(net)
    if world == 1:
        return tensors if len(tensors) > 1 else tensors[0]
    first = next(t for t in tensors if t is not None)
    sizes = torch.tensor([first.shape[0]], dtype=torch.int64, device=first.device)
    all_sizes = [torch.zeros_like(sizes) for _ in range(world)]
    torch.distributed.all_gather(all_sizes, sizes)
    sizes = [int(s[0]) for s in all_sizes]
    out = tuple(None if t is None else _GatherRows.apply(t, sizes, rank, world)
                for t in tensors)
    return out if len(out) > 1 else out[0]


def average_gradients(net, tensors):
    """Average ``tensors`` (gradients) over the processes, in place.

    For gradients DDP does not average: those of parameters outside the
    module, and per-task gradients taken with ``torch.autograd.grad``.
    ``None`` entries are skipped.
    """
    rank, world = process_rank(net)
    tensors = [t for t in tensors if t is not None]
    if world == 1 or not tensors:
        return
    flat = torch.cat([t.reshape(-1) for t in tensors])
    torch.distributed.all_reduce(flat)
    flat /= world
    offset = 0
    for t in tensors:
        t.copy_(flat[offset : offset + t.numel()].view_as(t))
        offset += t.numel()


def backward(net, loss, **kwargs):
    """``loss.backward(**kwargs)``, through the accelerator when there is one."""
    accelerator = getattr(net, "accelerator", None)
    if accelerator is None:
        loss.backward(**kwargs)
    else:
        accelerator.backward(loss, **kwargs)


def sync_context(net, sync=True):
    """Context of a training step; ``sync=False`` turns DDP's averaging off.

    A step that takes gradients DDP cannot see (``torch.autograd.grad``)
    averages them itself (:func:`average_gradients`) and runs, forward pass
    included, without DDP's synchronisation.
    """
    accelerator = getattr(net, "accelerator", None)
    if sync or accelerator is None or not _distributed(net):
        return contextlib.nullcontext()
    return accelerator.no_sync(net.module_)


def _is_generic_accelerated_step(klass):
    return klass.__module__.startswith("skorch")


class AccelerateSupportMixin:
    """What a skrec net needs to train under skorch's ``AccelerateMixin``.

    ``class Net(AccelerateMixin, SASRec)`` would otherwise train with the
    mixin's generic step (``infer`` + ``get_loss`` + one backward pass),
    which drops what skrec's steps add (augmented views, cloze masks,
    per-task gradients). For such a class, the step of the first skrec class
    in its MRO is used again, inside the accelerator's ``autocast``; skrec's
    steps send their backward passes through the accelerator
    (:func:`backward`). A class that defines ``train_step_single`` itself is
    left alone.

    ``_device`` is where a net puts its tensors: ``device``, or the
    accelerator's device when ``device`` is None (the mixin's default: the
    accelerator places the module, and skrec's own batches follow it).
    """

    @property
    def _device(self):
        accelerator = getattr(self, "accelerator", None)
        if self.device is None and accelerator is not None:
            return accelerator.device
        return self.device

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        owners = [k for k in cls.__mro__ if "train_step_single" in k.__dict__]
        if not owners or not _is_generic_accelerated_step(owners[0]):
            return
        own = next((k for k in owners if not _is_generic_accelerated_step(k)), None)
        if own is None:
            return
        step = own.__dict__["train_step_single"]

        @functools.wraps(step)
        def train_step_single(self, batch, **fit_params):
            with self.accelerator.autocast():
                return step(self, batch, **fit_params)

        cls.train_step_single = train_step_single


def unwrap_module(module):
    """The module inside a ``DistributedDataParallel`` wrapper (or itself)."""
    if isinstance(module, torch.nn.parallel.DistributedDataParallel):
        return module.module
    return module


def refuse_per_task_gradients(net):
    """Refuse per-task gradients where the accelerator would scale the loss.

    Steps that take one gradient per task (``torch.autograd.grad``) see the
    unscaled loss, while the accelerator's backward pass divides it by the
    gradient accumulation steps and multiplies it by the fp16 loss scale:
    the two would not match.
    """
    accelerator = getattr(net, "accelerator", None)
    if accelerator is None:
        return
    if accelerator.gradient_accumulation_steps > 1 or accelerator.scaler is not None:
        raise NotImplementedError(
            f"{type(net).__name__} takes one gradient per task here (AdaTask, "
            "gradient_adjustment='htl' or a gradient-based loss_weighting); under "
            "AccelerateMixin that needs gradient_accumulation_steps=1 and no fp16 "
            "loss scaling (use mixed_precision='bf16' or 'no')."
        )


def unwrap_optimizer(optimizer):
    """The optimizer inside accelerate's ``AcceleratedOptimizer`` (or itself)."""
    inner = getattr(optimizer, "optimizer", None)
    return inner if isinstance(inner, torch.optim.Optimizer) else optimizer


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
