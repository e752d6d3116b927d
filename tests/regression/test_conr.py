"""Tests of ConRRegressor: scikit-learn contract, equivalences, bad input."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetRegressor
from torch import nn

from skrec.regression import ConRMLP, ConRRegressor, FeatureDropout, GaussianNoise


def _small(**kwargs):
    params = dict(
        max_epochs=10,
        module__hidden_units=(16,),
        batch_size=32,
        lr=0.02,
        similarity_threshold=0.5,
        random_state=0,
        verbose=0,
    )
    params.update(kwargs)
    return ConRRegressor(**params)


# scikit-learn's estimator checks run on ConRRegressor in tests/test_common.py.


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = 2.0 * X[:, 0] - X[:, 1] + rng.normal(scale=0.1, size=120)
    return X, y


class _PredictionOnly(nn.Module):
    """The default MLP seen by a plain skorch regressor: prediction only."""

    def __init__(self, n_features, hidden_units):
        super().__init__()
        self.inner = ConRMLP(n_features, hidden_units=hidden_units)

    def forward(self, X):
        return self.inner(X)[1]


def test_weight_zero_equals_plain_regressor(data):
    X, y = data
    conr = _small(conr_weight=0.0, max_epochs=4).fit(X, y)
    plain = NeuralNetRegressor(
        _PredictionOnly,
        module__n_features=3,
        module__hidden_units=(16,),
        optimizer=torch.optim.AdamW,
        lr=0.02,
        max_epochs=4,
        batch_size=32,
        train_split=None,
        verbose=0,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        plain.fit(X.astype(np.float32), y.astype(np.float32).reshape(-1, 1))
    np.testing.assert_array_equal(
        conr.predict(X), plain.predict(X.astype(np.float32)).reshape(-1)
    )
    # and the ConR term does change the fit
    assert not np.array_equal(_small(max_epochs=4).fit(X, y).predict(X), conr.predict(X))


def test_random_state_reproducible_and_global_rng_untouched(data):
    X, y = data
    state = torch.get_rng_state()
    first = _small(max_epochs=3).fit(X, y)
    assert torch.equal(state, torch.get_rng_state())  # fit forks torch's RNG
    a = first.predict(X)
    b = _small(max_epochs=3).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    c = _small(max_epochs=3, random_state=1).fit(X, y).predict(X)
    assert not np.array_equal(a, c)


def test_zero_weight_equals_dropping_rows(data):
    # Full-batch SGD, no ConR: the weighted loss sum(w * l_i) / n with w in
    # {0, 1} has the gradient of the loss on the kept rows times n_kept / n,
    # so scaling lr by n / n_kept gives the same training trajectory.
    X, y = data
    w = np.r_[np.ones(80), np.zeros(40)]
    common = dict(conr_weight=0.0, optimizer=torch.optim.SGD, batch_size=200, max_epochs=5)
    weighted = _small(lr=0.05 * 120 / 80, **common).fit(X, y, sample_weight=w)
    dropped = _small(lr=0.05, **common).fit(X[:80], y[:80])
    np.testing.assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-4, atol=1e-5)
    unweighted = _small(lr=0.05, **common).fit(X, y)
    assert not np.allclose(weighted.predict(X), unweighted.predict(X), atol=1e-3)


def test_sample_weight_with_conr_runs_and_matters(data):
    X, y = data
    w = np.linspace(0.1, 3.0, len(y))
    a = _small(max_epochs=3).fit(X, y, sample_weight=w).predict(X)
    b = _small(max_epochs=3).fit(X, y).predict(X)
    c = _small(max_epochs=3).fit(X, y, sample_weight=np.ones(len(y))).predict(X)
    assert np.all(np.isfinite(a)) and not np.array_equal(a, b)
    np.testing.assert_array_equal(b, c)  # unit weights are no weights


def test_pipeline_grid_search(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), _small(max_epochs=3))
    grid = GridSearchCV(
        pipe,
        {
            "conrregressor__temperature": [0.07, 0.5],
            "conrregressor__augmentation": [GaussianNoise(0.05), FeatureDropout(0.2)],
        },
        cv=2,
    ).fit(X, y)
    assert set(grid.best_params_) == {"conrregressor__temperature", "conrregressor__augmentation"}
    assert grid.predict(X).shape == (len(y),)
    restored = pickle.loads(pickle.dumps(grid.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X), grid.predict(X))


class _TwoHeads(nn.Module):
    def __init__(self, n_features=3):
        super().__init__()
        self.enc = nn.Linear(n_features, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, X):
        z = torch.tanh(self.enc(X))
        return z, self.out(z)


def test_custom_module_and_verbose_table(data, capsys):
    X, y = data
    reg = _small(module=_TwoHeads, max_epochs=2, verbose=1)
    del reg.module__hidden_units
    reg.fit(X, y)
    out = capsys.readouterr().out
    assert "train_conr" in out and "train_loss" in out
    assert reg.history[-1, "train_conr"] >= 0
    assert reg.predict(X).shape == (len(y),)


class _PredictionOnlyModule(nn.Module):
    def __init__(self, n_features=3):
        super().__init__()
        self.lin = nn.Linear(n_features, 1)

    def forward(self, X):
        return self.lin(X)


@pytest.mark.parametrize(
    "y_fn, match",
    [
        (lambda y: np.where(np.arange(len(y)) == 3, np.nan, y), "NaN or infinite"),
        (lambda y: np.where(np.arange(len(y)) == 3, np.inf, y), "NaN or infinite"),
        (lambda y: np.c_[y, y], "must be 1-D"),
    ],
)
def test_bad_targets(data, y_fn, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        _small().fit(X, y_fn(y))


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(temperature=0.0), ValueError, "temperature must be a positive"),
        (dict(temperature=-0.1), ValueError, "temperature must be a positive"),
        (dict(conr_weight=-1.0), ValueError, "conr_weight must be a non-negative"),
        (dict(similarity_threshold=-1.0), ValueError, "similarity_threshold"),
        (dict(pushing_kernel="cubic"), ValueError, "pushing_kernel"),
        (dict(augmentation="noise"), TypeError, "augmentation must be a callable"),
        (dict(augmentation=lambda x: x[:, :1]), ValueError, "augmentation must return"),
    ],
)
def test_bad_parameters(data, params, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        _small(max_epochs=1, **params).fit(X, y)


def test_module_must_return_pair(data):
    X, y = data
    reg = _small(module=_PredictionOnlyModule, max_epochs=1)
    del reg.module__hidden_units
    with pytest.raises(TypeError, match=r"pair \(features, prediction\)"):
        reg.fit(X, y)


def test_augmentations():
    torch.manual_seed(0)
    x = torch.ones(2000, 5)
    noisy = GaussianNoise(scale=0.5)(x)
    assert abs(float((noisy - x).std()) - 0.5) < 0.02
    dropped = FeatureDropout(p=0.3)(x)
    assert set(dropped.unique().tolist()) == {0.0, 1.0}
    assert abs(float((dropped == 0).float().mean()) - 0.3) < 0.02
    assert torch.equal(x, torch.ones(2000, 5))  # input untouched
    with pytest.raises(ValueError, match="p must be in"):
        FeatureDropout(p=1.0)(x)
    with pytest.raises(ValueError, match="scale must be"):
        GaussianNoise(scale=-1)(x)
