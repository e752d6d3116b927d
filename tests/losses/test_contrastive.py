"""InfoNCE against hand-computed values and finite differences."""

import math

import numpy as np
import pytest
import torch

from skrec.losses import InfoNCELoss, info_nce


def _reference(z1, z2, t):
    """Direct transcription of the formula, anchor by anchor."""
    z = np.concatenate([z1, z2])
    n = len(z1)
    total = 0.0
    for a in range(2 * n):
        partner = a + n if a < n else a - n
        logits = [z[a] @ z[b] / t for b in range(2 * n) if b != a]
        others = [b for b in range(2 * n) if b != a]
        pos = z[a] @ z[partner] / t
        total += -(pos - math.log(sum(math.exp(v) for v in logits)))
        assert partner in others
    return total / (2 * n)


def test_hand_computed_value():
    # Two orthonormal views: each anchor sees its partner at similarity 1
    # and two other rows at 0 -> loss = log(e + 2) - 1.
    z = torch.eye(2)
    assert float(info_nce(z, z)) == pytest.approx(math.log(math.e + 2) - 1)
    # Temperature 0.5 doubles the logits: log(e^2 + 2) - 2.
    assert float(InfoNCELoss(0.5)(z, z)) == pytest.approx(math.log(math.e**2 + 2) - 2)


@pytest.mark.parametrize("t", [1.0, 0.3])
def test_matches_loop_reference(t):
    rng = np.random.default_rng(0)
    z1, z2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    got = info_nce(torch.tensor(z1), torch.tensor(z2), temperature=t)
    assert float(got) == pytest.approx(_reference(z1, z2, t), rel=1e-10)


def test_cosine_is_scale_invariant():
    rng = np.random.default_rng(1)
    z1, z2 = torch.tensor(rng.normal(size=(4, 3))), torch.tensor(rng.normal(size=(4, 3)))
    a = info_nce(z1, z2, similarity="cosine")
    b = info_nce(3 * z1, 0.5 * z2, similarity="cosine")
    assert float(a) == pytest.approx(float(b))


def test_gradcheck():
    torch.manual_seed(0)
    z1 = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    z2 = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: info_nce(a, b, 0.7), (z1, z2))
    assert torch.autograd.gradcheck(
        lambda a, b: info_nce(a, b, 1.0, similarity="cosine"), (z1, z2)
    )


def test_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        info_nce(torch.ones(3, 2), torch.ones(2, 2))
    with pytest.raises(ValueError, match="temperature"):
        info_nce(torch.ones(2, 2), torch.ones(2, 2), temperature=0)
    with pytest.raises(ValueError, match="similarity"):
        info_nce(torch.ones(2, 2), torch.ones(2, 2), similarity="l2")
