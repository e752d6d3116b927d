import copy

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from skrec.callbacks import TwoPhaseTraining
from skrec.sampling import TemperatureBatchSampler


class Snapshots(Callback):
    """Parameters, learning rates and batch labels at every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.params, self.lrs, self.labels = [], [], []

    def on_epoch_begin(self, net, **kwargs):
        self.labels.append([])
        self.lrs.append([g["lr"] for g in net.optimizer_.param_groups])

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.labels[-1].append(np.asarray(batch[1]))

    def on_epoch_end(self, net, **kwargs):
        self.params.append(copy.deepcopy(net.module_.state_dict()))


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(np.int64)
    X = (rng.normal(size=(n, 3)) + y[:, None]).astype(np.float32)
    return X, y


def _net(y, callback, probe, **kwargs):
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
    )
    return NeuralNetClassifier(
        module,
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=4,
        batch_size=50,
        lr=0.1,
        train_split=None,
        verbose=0,
        iterator_train__sampler=TemperatureBatchSampler(y, random_state=0),
        callbacks=[callback, probe],
        **kwargs,
    )


def test_balanced_phase_then_natural_phase():
    X, y = _data()
    probe = Snapshots()
    net = _net(y, TwoPhaseTraining(switch_epoch=3), probe).fit(X, y)
    assert net.history[:, "phase"] == [1, 1, 2, 2]
    assert net.history[:, "temperature"] == [np.inf, np.inf, 1.0, 1.0]
    shares = [np.concatenate(epoch).mean() for epoch in probe.labels]
    tol_balanced = 5 * np.sqrt(0.25 / len(y))
    natural = y.mean()
    tol_natural = 5 * np.sqrt(natural * (1 - natural) / len(y))
    assert all(abs(s - 0.5) < tol_balanced for s in shares[:2])
    assert all(abs(s - natural) < tol_natural for s in shares[2:])
    # fine_tune="all": the first layer keeps learning in phase 2
    assert not torch.equal(probe.params[1]["0.weight"], probe.params[3]["0.weight"])


def test_output_layer_only_fine_tuning():
    X, y = _data()
    probe = Snapshots()
    net = _net(y, TwoPhaseTraining(switch_epoch=3, fine_tune="output"), probe)
    net.fit(X, y)
    before, after = probe.params[1], probe.params[3]  # end of epochs 2 and 4
    torch.testing.assert_close(before["0.weight"], after["0.weight"], rtol=0, atol=0)
    torch.testing.assert_close(before["0.bias"], after["0.bias"], rtol=0, atol=0)
    assert not torch.equal(before["2.weight"], after["2.weight"])
    # phase 1 trained the first layer
    assert not torch.equal(probe.params[0]["0.weight"], probe.params[1]["0.weight"])
    # flags restored after training
    assert all(p.requires_grad for p in net.module_.parameters())


def test_named_output_module_and_fine_tune_lr():
    X, y = _data()
    probe = Snapshots()
    cb = TwoPhaseTraining(
        switch_epoch=2, fine_tune="output", output_module="0", fine_tune_lr=0.01
    )
    net = _net(y, cb, probe).fit(X, y)
    before, after = probe.params[0], probe.params[3]
    torch.testing.assert_close(before["2.weight"], after["2.weight"], rtol=0, atol=0)
    assert not torch.equal(before["0.weight"], after["0.weight"])
    assert [lr[0] for lr in probe.lrs] == [0.1, 0.01, 0.01, 0.01]
    assert net.optimizer_.param_groups[0]["lr"] == 0.1  # restored


def test_bad_usage():
    X, y = _data(60)
    with pytest.raises(ValueError, match="fine_tune"):
        _net(y, TwoPhaseTraining(fine_tune="head"), Snapshots()).fit(X, y)
    with pytest.raises(ValueError, match="not a submodule"):
        _net(
            y, TwoPhaseTraining(fine_tune="output", output_module="head"), Snapshots()
        ).fit(X, y)
    with pytest.raises(ValueError, match="switch_epoch"):
        _net(y, TwoPhaseTraining(switch_epoch=0), Snapshots()).fit(X, y)
    with pytest.raises(ValueError, match="fine_tune_lr"):
        _net(y, TwoPhaseTraining(fine_tune_lr=-1.0), Snapshots()).fit(X, y)
    with pytest.raises(ValueError, match="balanced_temperature"):
        _net(y, TwoPhaseTraining(balanced_temperature=0), Snapshots()).fit(X, y)
    net = NeuralNetClassifier(
        torch.nn.Linear(3, 2),
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=1,
        train_split=None,
        verbose=0,
        callbacks=[TwoPhaseTraining()],
    )
    with pytest.raises(ValueError, match="iterator_train__sampler"):
        net.fit(X, y)
