"""FDS: running statistics, smoothing across bins and calibration, by hand."""

import numpy as np
import pytest
import torch

from skrec.regression import FDS, ConRRegressor


def _reference_smooth(stats, window):
    """Reflect-padded convolution along the bins, written with numpy."""
    half = len(window) // 2
    padded = np.pad(stats, ((half, half), (0, 0)), mode="reflect")
    return np.stack([np.convolve(padded[:, d], window[::-1], mode="valid")
                     for d in range(stats.shape[1])], axis=1)


def test_statistics_smoothing_and_calibration_follow_the_rule():
    fds = FDS(bins=5, kernel="triang", kernel_size=3, momentum=0.9).start(
        np.array([0.0, 10.0]), dim=2)
    window = np.array([0.25, 0.5, 0.25])  # triang(3) = (0.5, 1, 0.5), sum 1
    rng = np.random.default_rng(0)
    y0 = torch.tensor([0.5, 1.0, 1.5, 4.5, 5.0, 9.9, 9.0, 3.0])  # bins 0,0,0,2,2,4,4,1
    f0 = torch.tensor(rng.normal(size=(8, 2)), dtype=torch.float32)
    assert not fds.active
    torch.testing.assert_close(fds.smooth(f0, y0), f0)  # epoch 0: unchanged
    fds.accumulate(f0[:4], y0[:4])
    fds.accumulate(f0[4:], y0[4:])
    fds.epoch_end()
    bins = np.array([0, 0, 0, 2, 2, 4, 4, 1])
    f = f0.numpy().astype(np.float64)
    mean = np.zeros((5, 2))
    var = np.ones((5, 2))
    for b in (0, 1, 2, 4):
        rows = f[bins == b]
        mean[b] = rows.mean(0)
        var[b] = rows.var(0, ddof=1) if len(rows) > 1 else 0.0
    np.testing.assert_allclose(fds.running_mean_.numpy(), mean, atol=1e-6)
    np.testing.assert_allclose(fds.running_var_.numpy(), var, atol=1e-6)
    np.testing.assert_allclose(fds.smoothed_mean_.numpy(), _reference_smooth(mean, window),
                               atol=1e-6)
    # epoch 1: calibration with the statistics of epoch 0
    assert fds.active
    z = torch.tensor([[1.0, -1.0]])
    y = torch.tensor([0.2])  # bin 0
    m2 = _reference_smooth(mean, window)[0]
    v2 = _reference_smooth(var, window)[0]
    ratio = np.clip(v2 / var[0], 0.1, 10.0)
    expected = (np.array([1.0, -1.0]) - mean[0]) * np.sqrt(ratio) + m2
    np.testing.assert_allclose(fds.smooth(z, y).numpy()[0], expected, rtol=1e-5)
    # momentum: the next epoch's bin-0 statistics are mixed 0.9 old + 0.1 new
    f1 = torch.tensor([[2.0, 2.0], [4.0, 0.0]])
    fds.accumulate(f1, torch.tensor([0.1, 0.3]))
    fds.epoch_end()
    np.testing.assert_allclose(fds.running_mean_.numpy()[0],
                               0.9 * mean[0] + 0.1 * np.array([3.0, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(fds.running_mean_.numpy()[3], mean[3])  # unseen: kept


def test_regressor_with_fds():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype("float32")
    y = np.exp(X[:, 0])
    plain = ConRRegressor(random_state=0, verbose=0, max_epochs=4).fit(X, y)
    smoothed = ConRRegressor(fds=FDS(bins=20), random_state=0, verbose=0,
                             max_epochs=4).fit(X, y)
    assert smoothed.fds_.epoch_ == 4
    assert not np.allclose(plain.predict(X), smoothed.predict(X))  # training changed
    again = ConRRegressor(fds=FDS(bins=20), random_state=0, verbose=0,
                          max_epochs=4).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), smoothed.predict(X))

    class NoHead(torch.nn.Module):
        def __init__(self, n_features):
            super().__init__()
            self.lin = torch.nn.Linear(n_features, 1)

        def forward(self, X):
            return X, self.lin(X)

    with pytest.raises(TypeError, match="head"):
        ConRRegressor(NoHead, fds=FDS(), verbose=0, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="kernel_size"):
        ConRRegressor(fds=FDS(kernel_size=4), verbose=0, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="clip"):
        ConRRegressor(fds=FDS(clip=(2.0, 1.0)), verbose=0, max_epochs=1).fit(X, y)
