import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from skrec.callbacks import Cooldown
from skrec.sampling import TemperatureBatchSampler


def test_step_schedule():
    cb = Cooldown(
        start_temperature=5.0, end_temperature=1.0, switch_epoch=4, schedule="step"
    )
    assert [cb.temperature_at(e) for e in range(1, 8)] == [5, 5, 5, 1, 1, 1, 1]
    halfway = Cooldown(start_temperature=3.0, end_temperature=1.5, schedule="step")
    assert [halfway.temperature_at(e, max_epochs=6) for e in range(1, 7)] == [
        3,
        3,
        3,
        1.5,
        1.5,
        1.5,
    ]


def test_default_schedule_is_hot_first_half_then_linear():
    cb = Cooldown()
    assert [cb.temperature_at(e, max_epochs=8) for e in range(1, 9)] == [
        5,
        5,
        5,
        5,
        4,
        3,
        2,
        1,
    ]


def test_linear_schedule():
    cb = Cooldown(5.0, 1.0, switch_epoch=3, schedule="linear", decay_epochs=4)
    assert [cb.temperature_at(e) for e in range(1, 10)] == [5, 5, 4, 3, 2, 1, 1, 1, 1]
    to_the_end = Cooldown(5.0, 1.0, switch_epoch=3, schedule="linear")
    assert [to_the_end.temperature_at(e, max_epochs=6) for e in range(1, 7)] == [
        5,
        5,
        4,
        3,
        2,
        1,
    ]
    one_step = Cooldown(5.0, 1.0, switch_epoch=3, schedule="linear", decay_epochs=1)
    step = Cooldown(5.0, 1.0, switch_epoch=3, schedule="step")
    assert [one_step.temperature_at(e) for e in range(1, 6)] == [
        step.temperature_at(e) for e in range(1, 6)
    ]


class BatchLabels(Callback):
    """Collect the labels of every training batch, per epoch."""

    def on_train_begin(self, net, **kwargs):
        self.labels = []

    def on_epoch_begin(self, net, **kwargs):
        self.labels.append([])

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.labels[-1].append(np.asarray(batch[1]))


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(np.int64)
    X = (rng.normal(size=(n, 3)) + y[:, None]).astype(np.float32)
    return X, y


def test_sampler_temperature_changes_during_fit():
    X, y = _data()
    probe = BatchLabels()
    net = NeuralNetClassifier(
        torch.nn.Linear(3, 2),
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=4,
        batch_size=50,
        train_split=None,
        verbose=0,
        iterator_train__sampler=TemperatureBatchSampler(y, random_state=0),
        callbacks=[
            Cooldown(start_temperature=np.inf, switch_epoch=3, schedule="step"),
            probe,
        ],
    )
    net.fit(X, y)
    assert net.history[:, "temperature"] == [np.inf, np.inf, 1.0, 1.0]
    shares = [np.concatenate(epoch).mean() for epoch in probe.labels]
    tol = 5 * np.sqrt(0.25 / len(y))
    assert abs(shares[0] - 0.5) < tol and abs(shares[1] - 0.5) < tol
    natural = y.mean()
    tol = 5 * np.sqrt(natural * (1 - natural) / len(y))
    assert abs(shares[2] - natural) < tol and abs(shares[3] - natural) < tol
    assert net.get_params()["iterator_train__sampler"].temperature == 1.0


def test_fit_is_reproducible_and_clonable():
    from sklearn.base import clone

    X, y = _data()
    net = NeuralNetClassifier(
        torch.nn.Linear(3, 2),
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=3,
        train_split=None,
        verbose=0,
        iterator_train__sampler=TemperatureBatchSampler(y, random_state=0),
        callbacks=[Cooldown(schedule="linear", switch_epoch=2)],
    )
    torch.manual_seed(0)
    a = clone(net).fit(X, y).predict_proba(X)
    torch.manual_seed(0)
    b = clone(net).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_bad_parameters():
    with pytest.raises(ValueError, match="schedule"):
        Cooldown(schedule="cosine").temperature_at(1, 5)
    with pytest.raises(ValueError, match="start_temperature"):
        Cooldown(start_temperature=0).temperature_at(1, 5)
    with pytest.raises(ValueError, match="end_temperature"):
        Cooldown(end_temperature=np.nan).temperature_at(1, 5)
    with pytest.raises(ValueError, match="switch_epoch"):
        Cooldown(switch_epoch=0).temperature_at(1, 5)
    with pytest.raises(ValueError, match="finite"):
        Cooldown(start_temperature=np.inf, schedule="linear").temperature_at(1, 5)
    with pytest.raises(ValueError, match="max_epochs"):
        Cooldown().temperature_at(1)
    X, y = _data(60)
    with pytest.raises(ValueError, match="schedule"):
        NeuralNetClassifier(
            torch.nn.Linear(3, 2), callbacks=[Cooldown(schedule="cosine")]
        ).initialize()


def test_net_without_temperature_sampler():
    X, y = _data(60)
    net = NeuralNetClassifier(
        torch.nn.Linear(3, 2),
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=1,
        train_split=None,
        verbose=0,
        callbacks=[Cooldown()],
    )
    with pytest.raises(ValueError, match="iterator_train__sampler"):
        net.fit(X, y)
