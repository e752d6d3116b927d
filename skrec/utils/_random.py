"""The one owner of seeding: numpy generators from ``random_state`` and torch
seeds and seeded blocks for the torch estimators."""

import contextlib
import numbers

import numpy as np

__all__ = ["check_generator", "torch_seed", "seeded_torch"]


def check_generator(random_state):
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    ``None`` gives fresh entropy, an int or a ``Generator`` are used as
    :func:`numpy.random.default_rng` uses them (a ``Generator`` is returned
    as is), and a legacy :class:`numpy.random.RandomState` seeds a new
    generator from one draw.

    Examples
    --------
    >>> check_generator(0).integers(10) == check_generator(0).integers(10)
    np.True_
    """
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, bool):
        raise TypeError("random_state must be None, an int or a generator, got a bool.")
    if isinstance(random_state, (numbers.Integral, np.random.Generator)) or random_state is None:
        return np.random.default_rng(random_state)
    raise TypeError(
        "random_state must be None, an int, a numpy Generator or RandomState; got "
        f"{type(random_state).__name__}."
    )


def torch_seed(random_state):
    """The torch seed of an estimator's ``random_state`` (``None`` for none).

    An int is used as is; a ``RandomState`` or ``Generator`` gives one draw, so
    that refitting with the same object continues its stream, as scikit-learn
    does.

    Examples
    --------
    >>> torch_seed(7), torch_seed(None)
    (7, None)
    """
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(
        "random_state must be None, an int, a numpy Generator or RandomState; got "
        f"{type(random_state).__name__}."
    )


def seeded_torch(seed, device="cpu"):
    """Context in which torch's global generator is seeded with ``seed``.

    The caller's torch random state is restored afterwards
    (:func:`torch.random.fork_rng`), so fitting an estimator never changes
    the random stream of the code around it. ``seed=None`` leaves torch alone.

    Examples
    --------
    >>> import torch
    >>> with seeded_torch(0):
    ...     a = torch.rand(1)
    >>> with seeded_torch(0):
    ...     b = torch.rand(1)
    >>> bool(a == b)
    True
    """
    if seed is None:
        return contextlib.nullcontext()
    return _seeded(seed, device)


@contextlib.contextmanager
def _seeded(seed, device):
    import torch

    devices = []
    if "cuda" in str(device) and torch.cuda.is_available():
        devices = [torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
