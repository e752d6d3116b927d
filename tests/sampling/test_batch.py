import numpy as np
import pytest
from scipy import stats

from skrec.sampling import TemperatureBatchSampler

COUNTS = np.array([700, 250, 50])
Y = np.repeat(np.array(["de", "fr", "sw"]), COUNTS)


def _p(counts, temperature):
    """p_c(T) = q_c^(1/T) / sum_d q_d^(1/T), written out independently."""
    q = counts / counts.sum()
    w = q ** (1.0 / temperature)
    return w / w.sum()


def _within_binomial_tolerance(freq, p, m, z=5.0):
    return np.all(np.abs(freq - p) <= z * np.sqrt(p * (1 - p) / m))


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0, np.inf])
def test_class_frequencies_match_temperature_formula(temperature):
    m = 200_000
    sampler = TemperatureBatchSampler(
        Y, temperature=temperature, num_samples=m, random_state=0
    )
    idx = np.fromiter(sampler, dtype=np.int64, count=m)
    freq = np.array([(Y[idx] == c).mean() for c in ("de", "fr", "sw")])
    p = np.full(3, 1 / 3) if np.isinf(temperature) else _p(COUNTS, temperature)
    assert _within_binomial_tolerance(freq, p, m)
    np.testing.assert_allclose(sampler.class_probabilities(), p)


def test_rows_within_a_class_are_uniform():
    sampler = TemperatureBatchSampler(
        Y, temperature=2.0, num_samples=100_000, random_state=1
    )
    idx = np.fromiter(sampler, dtype=np.int64)
    minority = idx[Y[idx] == "sw"] - (700 + 250)
    observed = np.bincount(minority, minlength=50)
    assert stats.chisquare(observed).pvalue > 1e-4


def test_sample_weights_are_p_over_n():
    sampler = TemperatureBatchSampler(Y, temperature=2.0)
    w = sampler.sample_weights()
    expected = (_p(COUNTS, 2.0) / COUNTS)[np.repeat([0, 1, 2], COUNTS)]
    np.testing.assert_allclose(w, expected)
    assert w.sum() == pytest.approx(1.0)


def test_setting_the_temperature_changes_the_draws():
    sampler = TemperatureBatchSampler(
        Y, temperature=10.0, num_samples=50_000, random_state=0
    )
    hot = (Y[np.fromiter(sampler, dtype=np.int64)] == "sw").mean()
    sampler.temperature = 1.0
    cold = (Y[np.fromiter(sampler, dtype=np.int64)] == "sw").mean()
    assert hot == pytest.approx(_p(COUNTS, 10.0)[2], abs=0.01)
    assert cold == pytest.approx(0.05, abs=0.005)


def test_reproducible_under_a_seed():
    a = TemperatureBatchSampler(Y, temperature=2.0, random_state=42)
    b = TemperatureBatchSampler(Y, temperature=2.0, random_state=42)
    a1, a2 = list(a), list(a)
    b1, b2 = list(b), list(b)
    assert a1 == b1 and a2 == b2
    assert a1 != a2  # every epoch draws afresh
    assert len(a) == len(Y) == len(a1)


def test_without_replacement_draws_distinct_rows():
    sampler = TemperatureBatchSampler(
        Y, temperature=5.0, num_samples=300, replacement=False, random_state=0
    )
    idx = list(sampler)
    assert len(set(idx)) == 300


def test_works_with_a_torch_data_loader():
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.arange(len(Y)))
    sampler = TemperatureBatchSampler(
        Y, temperature=np.inf, num_samples=3000, random_state=0
    )
    seen = torch.cat([b[0] for b in DataLoader(data, batch_size=100, sampler=sampler)])
    share = np.bincount(np.repeat([0, 1, 2], COUNTS)[seen.numpy()], minlength=3) / 3000
    assert _within_binomial_tolerance(share, np.full(3, 1 / 3), 3000)


@pytest.mark.parametrize("temperature", [0, -1.0, np.nan, "hot", True])
def test_bad_temperature(temperature):
    with pytest.raises((ValueError, TypeError), match="temperature"):
        TemperatureBatchSampler(Y, temperature=temperature)
    sampler = TemperatureBatchSampler(Y)
    with pytest.raises((ValueError, TypeError), match="temperature"):
        sampler.temperature = temperature
    assert sampler.temperature == 1.0  # unchanged after a rejected value


def test_bad_labels_and_sizes():
    with pytest.raises(ValueError, match="NaN"):
        TemperatureBatchSampler([0.0, 1.0, np.nan])
    with pytest.raises(ValueError, match="missing"):
        TemperatureBatchSampler(np.array(["a", None, "b"], dtype=object))
    with pytest.raises(ValueError, match="single class"):
        TemperatureBatchSampler([1, 1, 1])
    with pytest.raises(ValueError, match="1-D"):
        TemperatureBatchSampler(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="empty"):
        TemperatureBatchSampler([])
    with pytest.raises(ValueError, match="num_samples"):
        TemperatureBatchSampler(Y, num_samples=0)
    with pytest.raises(ValueError, match="num_samples"):
        TemperatureBatchSampler(Y, num_samples=2000, replacement=False)


def test_random_state_instances():
    a = list(TemperatureBatchSampler(Y, random_state=np.random.RandomState(3)))
    b = list(TemperatureBatchSampler(Y, random_state=np.random.RandomState(3)))
    c = list(TemperatureBatchSampler(Y, random_state=np.random.default_rng(3)))
    d = list(TemperatureBatchSampler(Y, random_state=np.random.default_rng(3)))
    assert a == b and c == d
