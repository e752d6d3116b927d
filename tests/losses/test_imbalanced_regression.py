"""Balanced MSE (BMC) and RankSim against their papers' rules."""

import numpy as np
import pytest
import torch

from skrec.losses import BalancedMSELoss, RankSimLoss
from skrec.regression import ConRRegressor


def test_bmc_equals_the_written_out_formula():
    rng = np.random.default_rng(0)
    pred, y, sigma = rng.normal(size=6), rng.normal(size=6), 0.7
    loss = BalancedMSELoss(init_noise_sigma=sigma)
    got = float(loss(torch.tensor(pred)[:, None], torch.tensor(y)))
    logits = -((pred[:, None] - y[None, :]) ** 2) / (2 * sigma**2)
    ce = -(np.diag(logits) - np.log(np.exp(logits).sum(1)))
    assert got == pytest.approx(ce.mean() * 2 * sigma**2, rel=1e-6)
    loss.reduction = "none"
    np.testing.assert_allclose(loss(torch.tensor(pred), torch.tensor(y)).detach().numpy(),
                               ce * 2 * sigma**2, rtol=1e-6)
    # sigma is learned: it gets a gradient
    loss.reduction = "mean"
    loss(torch.tensor(pred), torch.tensor(y)).backward()
    assert loss.noise_sigma.grad is not None and loss.noise_sigma.grad != 0


def _ranks_desc(row):
    """1-based descending ranks / n, written with Python sorting."""
    order = sorted(range(len(row)), key=lambda j: -row[j])
    out = np.empty(len(row))
    for r, j in enumerate(order):
        out[j] = (r + 1) / len(row)
    return out


def test_ranksim_matches_a_per_row_reference():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(7, 3))
    y = rng.normal(size=7)  # distinct targets: every sample is kept
    got = float(RankSimLoss()(torch.tensor(z), torch.tensor(y)))
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    sim = zn @ zn.T
    expected = sum(np.mean((_ranks_desc(sim[i]) - _ranks_desc(-np.abs(y[i] - y))) ** 2)
                   for i in range(7))
    assert got == pytest.approx(expected, rel=1e-6)


def test_ranksim_blackbox_gradient():
    z = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], requires_grad=True)
    y = torch.tensor([0.0, 1.0, 5.0])
    loss = RankSimLoss(interpolation_lambda=2.0)(z, y)
    loss.backward()
    assert z.grad is not None and torch.isfinite(z.grad).all()
    assert float(loss) > 0  # for sample 0, features rank 2 nearer, labels rank 1
    # one sample per target value: duplicates do not count twice
    z2 = torch.cat([z.detach(), z.detach()[:1]])
    y2 = torch.cat([y, y[:1]])
    torch.manual_seed(0)
    assert float(RankSimLoss()(z2, y2)) == pytest.approx(float(loss.detach()))


def test_regressor_options(recwarn):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = np.exp(X[:, 0])
    m = ConRRegressor(ranksim_weight=1.0, conr_weight=0.0, max_epochs=5, random_state=0,
                      verbose=0).fit(X, y)
    assert m.history[-1]["batches"][0]["train_ranksim"] >= 0
    m = ConRRegressor(criterion=BalancedMSELoss, criterion__init_noise_sigma=0.5,
                      conr_weight=0.0, max_epochs=5, random_state=0, verbose=0).fit(X, y)
    assert float(m.criterion_.noise_sigma.detach()) != 0.5  # learned
    with pytest.raises(ValueError, match="ranksim_weight"):
        ConRRegressor(ranksim_weight=-1.0, verbose=0).fit(X, y)
