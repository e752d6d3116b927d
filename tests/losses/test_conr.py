"""Tests of the ConR loss against hand-worked values and a brute-force loop."""

import math

import numpy as np
import pytest
import torch

from skrec.losses import ConRLoss


def _brute_force(z, y, y_hat, omega, tau, w, e, kernel):
    """Literal transcription of the ConR formula, one anchor at a time."""
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    m = len(y)
    total = 0.0
    for j in range(m):
        pos = [a for a in range(m) if a != j and abs(y[j] - y[a]) <= w]
        neg = [a for a in range(m) if abs(y[j] - y[a]) > w and abs(y_hat[j] - y_hat[a]) <= w]
        if not pos or not neg or omega[j] == 0:
            continue
        def sim(a, j=j):
            return float(z[j] @ z[a]) / tau

        def push(a, j=j):
            if kernel == "exp":
                return omega[j] * math.exp(e * abs(y[j] - y[a]))
            return e * omega[j] * abs(y[j] - y[a])

        denom = sum(math.exp(sim(p)) for p in pos) + sum(push(a) * math.exp(sim(a)) for a in neg)
        lj = -sum(math.log(math.exp(sim(p)) / denom) for p in pos) / len(pos)
        total += omega[j] * lj
    return total / m


def test_hand_computed_value():
    # views 0 and 1 share a direction and close labels (positives of each
    # other); view 2 is orthogonal, its label is far but its prediction close
    # (a negative of 0 and 1). View 2 has no positive, so it contributes 0.
    z = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])  # norms are irrelevant
    y = torch.tensor([0.0, 0.5, 5.0])
    y_hat = torch.tensor([0.0, 0.0, 0.5])
    loss = ConRLoss(temperature=1.0, similarity_threshold=1.0, pushing_weight=0.01)
    # anchor 0: -log(e^1 / (e^1 + e^{0.01*5} e^0)) = log(1 + e^{0.05 - 1})
    # anchor 1: log(1 + e^{0.045 - 1})
    expected = (math.log(1 + math.exp(-0.95)) + math.log(1 + math.exp(-0.955))) / 3
    assert loss(z, y, y_hat).item() == pytest.approx(expected, rel=1e-6)


def test_hand_computed_with_weights_and_temperature():
    z = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([0.0, 0.5, 5.0], dtype=torch.float64)
    y_hat = torch.tensor([0.0, 0.0, 0.5], dtype=torch.float64)
    omega = torch.tensor([2.0, 0.5, 1.0], dtype=torch.float64)
    loss = ConRLoss(temperature=0.5, similarity_threshold=1.0, pushing_weight=0.0)
    # s(0,1) = 2, s(0,2) = 0; anchor j pushes with S = omega_j
    l0 = math.log(1 + 2.0 * math.exp(-2))
    l1 = math.log(1 + 0.5 * math.exp(-2))
    expected = (2.0 * l0 + 0.5 * l1) / 3
    assert loss(z, y, y_hat, omega).item() == pytest.approx(expected, rel=1e-12)


def test_no_negatives_gives_zero_with_gradient():
    z = torch.randn(4, 3, requires_grad=True)
    y = torch.tensor([0.0, 0.1, 5.0, 5.1])
    y_hat = torch.tensor([0.0, 0.0, 5.0, 5.0])  # predictions far apart: no confusion
    out = ConRLoss()(z, y, y_hat)
    assert out.item() == 0.0
    out.backward()
    assert torch.all(z.grad == 0)


@pytest.mark.parametrize("kernel", ["exp", "linear"])
def test_matches_brute_force(kernel):
    rng = np.random.default_rng(0)
    m = 12
    z = rng.normal(size=(m, 5))
    y = rng.integers(0, 6, size=m).astype(float)
    y_hat = y + rng.normal(scale=2.0, size=m)
    omega = rng.uniform(0.2, 3.0, size=m)
    loss = ConRLoss(temperature=0.3, similarity_threshold=1.0, pushing_weight=0.2, pushing_kernel=kernel)
    got = loss(*(torch.tensor(a) for a in (z, y, y_hat, omega))).item()
    ref = _brute_force(z, y, y_hat, omega, 0.3, 1.0, 0.2, kernel)
    assert ref > 0
    assert got == pytest.approx(ref, rel=1e-10)


def test_gradcheck():
    torch.manual_seed(0)
    m = 8
    z = torch.randn(m, 4, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, 0.3, 0.6, 2.0, 2.2, 4.0, 4.5, 4.9], dtype=torch.float64)
    y_hat = torch.tensor([0.5, 0.5, 1.0, 1.2, 1.5, 3.5, 2.0, 4.0], dtype=torch.float64)
    omega = torch.linspace(0.5, 2.0, m, dtype=torch.float64)
    loss = ConRLoss(temperature=0.5, pushing_weight=0.1)
    assert loss(z, y, y_hat, omega).item() > 0
    assert torch.autograd.gradcheck(lambda f: loss(f, y, y_hat, omega), (z,))


def test_prediction_is_detached():
    z = torch.randn(6, 3, requires_grad=True)
    y_hat = torch.zeros(6, requires_grad=True)
    y = torch.tensor([0.0, 0.0, 3.0, 3.0, 6.0, 6.0])
    ConRLoss()(z, y, y_hat).backward()
    assert y_hat.grad is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(temperature=0.0), "temperature must be a positive"),
        (dict(temperature=-1.0), "temperature must be a positive"),
        (dict(similarity_threshold=-1), "similarity_threshold"),
        (dict(pushing_weight=-0.1), "pushing_weight"),
        (dict(pushing_kernel="cubic"), "pushing_kernel"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConRLoss(**kwargs)


def test_bad_shapes():
    loss = ConRLoss()
    with pytest.raises(ValueError, match="target must have shape"):
        loss(torch.randn(4, 2), torch.zeros(4, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="prediction must have shape"):
        loss(torch.randn(4, 2), torch.zeros(4), torch.zeros(3))
    with pytest.raises(ValueError, match="features must have shape"):
        loss(torch.randn(4), torch.zeros(4), torch.zeros(4))
