import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skrec.sampling import (
    TemperatureSampler,
    temperature_probabilities,
    temperature_weights,
)


def test_probabilities_hand_worked():
    # q = (0.9, 0.1); T = 2: sqrt(0.9) : sqrt(0.1) = 3 : 1.
    np.testing.assert_allclose(temperature_probabilities([90, 10], 2.0), [0.75, 0.25])
    np.testing.assert_allclose(temperature_probabilities([90, 10], 1.0), [0.9, 0.1])
    np.testing.assert_allclose(temperature_probabilities([90, 10], np.inf), [0.5, 0.5])
    # T = 0.5 squares the shares: 0.81 : 0.01.
    np.testing.assert_allclose(
        temperature_probabilities([90, 10], 0.5), [0.81 / 0.82, 0.01 / 0.82]
    )
    # Empty groups get nothing, even at infinite temperature.
    np.testing.assert_allclose(
        temperature_probabilities([3, 0, 1], np.inf), [0.5, 0.0, 0.5]
    )


def test_weights_are_p_over_q():
    counts = np.array([70, 20, 10])
    w = temperature_weights(counts, 3.0)
    q = counts / counts.sum()
    np.testing.assert_allclose(w, temperature_probabilities(counts, 3.0) / q)
    assert np.isclose(np.sum(q * w), 1.0)
    np.testing.assert_allclose(temperature_weights(counts, 1.0), 1.0)
    np.testing.assert_allclose(temperature_weights([5, 0], 2.0), [1.0, 0.0])


@given(
    counts=st.lists(st.integers(1, 10_000), min_size=2, max_size=8),
    t1=st.floats(0.1, 50),
    dt=st.floats(0.01, 50),
)
def test_probability_properties(counts, t1, dt):
    p1 = temperature_probabilities(counts, t1)
    p2 = temperature_probabilities(counts, t1 + dt)
    assert np.isclose(p1.sum(), 1.0) and np.all(p1 > 0)
    # Order of the groups is kept; higher temperature never sharpens.
    order = np.argsort(counts, kind="stable")
    assert np.all(np.diff(p1[order]) >= -1e-12)
    assert p2.max() <= p1.max() + 1e-12 and p2.min() >= p1.min() - 1e-12


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, "hot", None])
def test_bad_temperature(bad):
    with pytest.raises((ValueError, TypeError), match="temperature"):
        temperature_probabilities([1, 2], bad)
    X, y = np.zeros((6, 1)), np.array([0, 0, 0, 0, 1, 1])
    with pytest.raises((ValueError, TypeError), match="temperature"):
        TemperatureSampler(temperature=bad).fit_resample(X, y)


@pytest.mark.parametrize("counts", [[], [[1, 2]], [1, -1], [0, 0], [1, np.nan]])
def test_bad_counts(counts):
    with pytest.raises((ValueError, TypeError), match="counts"):
        temperature_probabilities(counts, 1.0)


def _four_sigma(observed, n, p):
    sigma = np.sqrt(n * p * (1 - p))
    return np.all(np.abs(observed - n * p) <= 4 * sigma + 1e-9)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0, 1e6])
def test_class_counts_match_formula(temperature):
    sizes = np.array([600, 300, 80, 20])
    y = np.repeat(np.arange(4), sizes)
    X = np.arange(y.size).reshape(-1, 1)
    n = 200_000
    sampler = TemperatureSampler(temperature=temperature, n_samples=n, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    observed = np.bincount(y_res, minlength=4)
    q = sizes / sizes.sum()
    expected = q ** (1 / temperature) / np.sum(q ** (1 / temperature))
    assert observed.sum() == n
    assert _four_sigma(observed, n, expected)
    if temperature == 1.0:  # T = 1 keeps the distribution
        assert _four_sigma(observed, n, q)
    if temperature == 1e6:  # large T ~ uniform over classes
        assert _four_sigma(observed, n, np.full(4, 0.25))


def test_rows_come_from_their_group_and_indices():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3))
    y = np.repeat([0, 1, 2], [30, 15, 5])
    sampler = TemperatureSampler(temperature=5, random_state=1)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    assert sum(sampler.sampling_strategy_.values()) == 50
    assert np.isclose(sum(sampler.probabilities_.values()), 1.0)


def test_without_replacement():
    y = np.repeat([0, 1], [90, 10])
    X = np.arange(100).reshape(-1, 1)
    sampler = TemperatureSampler(
        temperature=np.inf, n_samples=40, replacement=False, random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert len(np.unique(sampler.sample_indices_)) == 40
    # Uniform would ask 20 per class; class 1 only has 10, the rest goes to 0.
    assert np.bincount(y_res).tolist() == [30, 10]
    with pytest.raises(ValueError, match="replacement=False"):
        TemperatureSampler(n_samples=101, replacement=False).fit_resample(X, y)


def test_groups_instead_of_classes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 2))
    y = rng.normal(size=100)  # continuous target: allowed with groups
    groups = np.repeat(["en", "fr"], [90, 10])
    sampler = TemperatureSampler(temperature=np.inf, n_samples=20_000, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y, groups=groups)
    counts = np.bincount(np.isin(sampler.sample_indices_, np.arange(90, 100)))
    assert _four_sigma(counts, 20_000, np.array([0.5, 0.5]))
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])


def test_bad_inputs():
    X, y = np.zeros((6, 1)), np.array([0, 0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="one class"):
        TemperatureSampler().fit_resample(X, np.zeros(6))
    with pytest.raises(ValueError, match="single group"):
        TemperatureSampler().fit_resample(X, y, groups=np.ones(6))
    with pytest.raises(ValueError, match="groups has 5 labels but X has 6 rows"):
        TemperatureSampler().fit_resample(X, y, groups=np.arange(5))
    with pytest.raises(ValueError, match="Unknown label type"):
        TemperatureSampler().fit_resample(X, np.linspace(0, 1, 6))
    with pytest.raises(ValueError, match="NaN"):
        TemperatureSampler().fit_resample(X, y, groups=[0, 1, np.nan, 0, 1, 0])


def test_dataframe_in_out_and_determinism():
    X = pd.DataFrame({"a": np.arange(10), "b": list("abcdefghij")})
    y = pd.Series([0] * 7 + [1] * 3, name="label")
    s1 = TemperatureSampler(temperature=3, random_state=42)
    X1, y1 = s1.fit_resample(X, y)
    assert isinstance(X1, pd.DataFrame) and list(X1.columns) == ["a", "b"]
    assert isinstance(y1, pd.Series) and y1.name == "label"
    X2, y2 = clone(s1).fit_resample(X, y)
    pd.testing.assert_frame_equal(X1, X2)
    s3 = pickle.loads(pickle.dumps(s1))
    X3, _ = s3.fit_resample(X, y)
    pd.testing.assert_frame_equal(X1, X3)
    assert X.shape == (10, 2) and X["a"].tolist() == list(range(10))  # untouched


def test_pipeline_grid_search_with_groups():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=120) > 0.8).astype(int)
    groups = rng.randint(0, 3, size=120)
    pipe = Pipeline(
        [("sampler", TemperatureSampler(random_state=0)), ("clf", LogisticRegression())]
    )
    grid = GridSearchCV(pipe, {"sampler__temperature": [1.0, 5.0]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["sampler__temperature"] in (1.0, 5.0)
    grid.fit(X, y, sampler__groups=groups)  # sliced per split by GridSearchCV
    assert hasattr(grid, "best_estimator_")


def test_metadata_routing_of_groups():
    import sklearn

    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    y = (X[:, 0] > 0.7).astype(int)
    groups = rng.randint(0, 3, 90)
    with sklearn.config_context(enable_metadata_routing=True):
        sampler = (
            TemperatureSampler(random_state=0)
            .set_fit_resample_request(groups=True)
            .set_fit_request(groups=True)
        )
        pipe = Pipeline([("s", sampler), ("clf", LogisticRegression())])
        grid = GridSearchCV(pipe, {"s__temperature": [1.0, 3.0]}, cv=3)
        grid.fit(X, y, groups=groups)
    assert grid.best_params_["s__temperature"] in (1.0, 3.0)
