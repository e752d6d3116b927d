"""HTLNet's gradient adjustment against hand-worked tensors."""

import pytest
import torch
from torch.testing import assert_close

from skrec.multitask import htl_adjust_gradients


def test_hand_worked_conflicting_example():
    # G_c = (3, 4), ||G_c|| = 5; G_1 = (-1, 0): <G_1, G_c> = -3 < 0
    # direction (alpha=1): G_1 - (-3/25) G_c = (-0.64, 0.48), norm 0.8
    # magnitude: r = 5 / 0.8 = 6.25; factor = 0.1 * 6.25 + 0.9 = 1.525
    # -> G_1 = (-0.976, 0.732); shared update = G_c + G_1 = (2.024, 4.732)
    g = torch.tensor([[-1.0, 0.0], [3.0, 4.0]])
    (out,) = htl_adjust_gradients([g], core=1, alpha=1.0, gamma=0.1, clip=10.0)
    assert_close(out, torch.tensor([[-0.976, 0.732], [3.0, 4.0]]))
    assert_close(out.sum(0), torch.tensor([2.024, 4.732]))
    assert_close(out[0] @ out[1], torch.tensor(0.0), atol=1e-6, rtol=0)


def test_partial_projection_clip_and_no_conflict():
    # three tasks, core last. Task 0 agrees with the core: only magnitude.
    # ||G_c|| = 2, ||G_0|| = 0.1 -> r = 20 clipped to C = 4; gamma = 0.5
    # factor = 0.5 * 4 + 0.5 = 2.5 -> (0.25, 0)
    # Task 1 = (0, -1, 0)-ish conflicting: G_1 = (-1, 1), G_c = (2, 0)
    # alpha = 0.5: <G_1,G_c> = -2, ||G_c||^2 = 4 -> G_1 + 0.5*0.5*(2,0) = (-0.5, 1)
    # norm sqrt(1.25); r = 2 / sqrt(1.25) = 1.78885; factor = 0.5 r + 0.5
    g = torch.tensor([[0.1, 0.0], [-1.0, 1.0], [2.0, 0.0]])
    (out,) = htl_adjust_gradients([g], core=-1, alpha=0.5, gamma=0.5, clip=4.0)
    r = 2 / 1.25**0.5
    f = 0.5 * r + 0.5
    expected = torch.tensor([[0.25, 0.0], [-0.5 * f, 1.0 * f], [2.0, 0.0]])
    assert_close(out, expected)


def test_global_versus_per_tensor_norms():
    # two shared tensors; globally the tasks agree (<G_0,G_c> = -1 + 4 = 3 > 0),
    # per tensor the first conflicts
    a = torch.tensor([[-1.0], [1.0]])  # tensor 1: task 0 = -1, core = 1
    b = torch.tensor([[2.0], [2.0]])  # tensor 2: task 0 = 2, core = 2
    glob = htl_adjust_gradients([a, b], gamma=0.0)  # gamma 0: direction only
    assert_close(glob[0], a)
    assert_close(glob[1], b)
    per = htl_adjust_gradients([a, b], gamma=0.0, norm="tensor")
    assert_close(per[0], torch.tensor([[0.0], [1.0]]))
    assert_close(per[1], b)


def test_zero_core_gradient_leaves_others_alone():
    g = torch.tensor([[1.0, -2.0], [0.0, 0.0]])
    (out,) = htl_adjust_gradients([g])
    assert_close(out, g)


def test_single_task_is_identity():
    g = torch.randn(1, 3, 2)
    (out,) = htl_adjust_gradients([g])
    assert_close(out, g)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(alpha=1.5), "alpha"),
        (dict(gamma=-0.1), "gamma"),
        (dict(clip=0.5), "clip"),
        (dict(norm="layer"), "norm"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        htl_adjust_gradients([torch.zeros(2, 2)], **kwargs)
