"""TaskDominance and ProgressiveTaskWeighting callbacks."""

import matplotlib
import numpy as np
import pytest
import torch
from torch.testing import assert_close

from skrec.callbacks import ProgressiveTaskWeighting, TaskDominance
from skrec.multitask import MultiTaskNet
from skrec.optim import AdaTaskAdam

matplotlib.use("Agg")

TINY = dict(hidden_units=(8,), tower_units=(4,), batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 3)).astype("float32")
    y = np.column_stack([(X[:, 0] > 0).astype(float), 200.0 * X[:, 1] + X[:, 2]])
    return X, y


def test_progressive_weights_follow_linear_handover(data):
    X, y = data
    cb = ProgressiveTaskWeighting(easy=["task0"], hard=[1])
    net = MultiTaskNet(
        tasks=["binary", "regression"],
        task_weights=[2.0, 3.0],
        callbacks=[cb],
        max_epochs=5,
        **TINY,
    ).fit(X, y)
    # lambda_t = t / (E - 1); easy * (1 - lambda), hard * lambda, times the base weights
    expected = [[2.0 * (1 - t / 4), 3.0 * t / 4] for t in range(5)]
    np.testing.assert_allclose(net.history[:, "task_weights"], expected)
    # the base weights are restored after training
    assert_close(net.task_weights_, torch.tensor([2.0, 3.0]))


def test_zero_weight_epoch_does_not_train_the_hard_head(data):
    X, y = data
    # E = 3 -> epoch 0 has lambda = 0: the regression head gets no gradient
    cb = ProgressiveTaskWeighting(easy=[0], hard=[1], n_epochs=3)
    net = MultiTaskNet(
        tasks=["binary", "regression"], callbacks=[cb], max_epochs=0, **TINY
    )
    net.fit(X, y)
    head = net.module_.heads[1].weight.detach().clone()
    net.max_epochs = 1
    net.partial_fit(X, y)
    assert_close(net.module_.heads[1].weight.detach(), head, rtol=0, atol=0)
    net.partial_fit(X, y)  # a new schedule starts; epoch 0 again
    assert net.history[-1, "task_weights"] == [1.0, 0.0]


def test_cosine_and_callable_schedules():
    cb = ProgressiveTaskWeighting(easy=[0], hard=[1], schedule="cosine")
    assert cb._lambda(0, 5) == pytest.approx(0.0)
    assert cb._lambda(2, 5) == pytest.approx(0.5)
    assert cb._lambda(4, 5) == pytest.approx(1.0)
    assert cb._lambda(9, 5) == pytest.approx(1.0)
    cb = ProgressiveTaskWeighting(easy=[0], hard=[1], schedule=lambda t, n: 2.0)
    assert cb._lambda(0, 5) == 1.0  # clipped


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(easy=["nope"], hard=[1]), "Unknown easy task"),
        (dict(easy=[0], hard=[0]), "both easy and hard"),
        (dict(easy=[0], hard=[1], n_epochs=0), "n_epochs"),
        (dict(easy=[0], hard=[1], schedule="exp"), "schedule"),
    ],
)
def test_progressive_bad_arguments(data, kwargs, match):
    X, y = data
    net = MultiTaskNet(
        tasks=["binary", "regression"],
        callbacks=[ProgressiveTaskWeighting(**kwargs)],
        max_epochs=2,
        **TINY,
    )
    with pytest.raises(ValueError, match=match):
        net.fit(X, y)


def test_task_dominance_adam_vs_adatask(data):
    X, y = data
    common = dict(
        tasks=["binary", "regression"],
        standardize_targets=False,
        optimizer=AdaTaskAdam,
        max_epochs=3,
        **TINY,
    )
    adam = MultiTaskNet(
        optimizer__task_aware=False, callbacks=[TaskDominance()], **common
    ).fit(X, y)
    ada = MultiTaskNet(callbacks=[TaskDominance()], **common).fit(X, y)
    rec_adam = adam.history[-1, "task_dominance"]
    rec_ada = ada.history[-1, "task_dominance"]
    assert set(rec_adam) == {
        "embedding.numeric_weight",
        "embedding.numeric_bias",
        "bottom.0",
    }
    for shares in list(rec_adam.values()) + list(rec_ada.values()):
        assert sum(shares) == pytest.approx(1.0)
    # the regression loss (targets of scale 200) dominates plain Adam's shared updates...
    assert rec_adam["bottom.0"][1] > 0.95
    # ...while AdaTask gives each task its own normalised steps
    assert rec_ada["bottom.0"][0] > 0.2
    cb = dict(adam.callbacks_)["TaskDominance"]
    assert len(cb.dominance_) == 3 and cb.task_names_ == ["task0", "task1"]


def test_task_dominance_layer_aggregation_is_size_weighted(data):
    X, y = data
    net = MultiTaskNet(
        tasks=["binary", "regression"],
        optimizer=AdaTaskAdam,
        callbacks=[TaskDominance(layers=["bottom.0"])],
        max_epochs=1,
        **TINY,
    ).fit(X, y)
    raw = net.optimizer_.task_au(net.module_.named_parameters())
    (w_au, w_n), (b_au, b_n) = raw["bottom.0.weight"], raw["bottom.0.bias"]
    layer = (np.asarray(w_au) * w_n + np.asarray(b_au) * b_n) / (w_n + b_n)
    np.testing.assert_allclose(
        net.history[-1, "task_dominance"]["bottom.0"], layer / layer.sum()
    )
    assert list(net.history[-1, "task_dominance"]) == ["bottom.0"]


def test_task_dominance_needs_adatask_optimizer(data):
    X, y = data
    net = MultiTaskNet(
        tasks=["binary", "regression"],
        callbacks=[TaskDominance()],
        max_epochs=1,
        **TINY,
    )
    with pytest.raises(TypeError, match="task_aware=False"):
        net.fit(X, y)


def test_plot_task_dominance(data):
    from skrec.plotting import plot_task_dominance

    X, y = data
    net = MultiTaskNet(
        tasks=["binary", "regression"],
        optimizer=AdaTaskAdam,
        callbacks=[TaskDominance()],
        max_epochs=2,
        **TINY,
    ).fit(X, y)
    axes = plot_task_dominance(net)
    assert len(axes) == 3
    # the stacked bands of the last epoch reach exactly 1
    top = axes[0].collections[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)
    assert [t.get_text() for t in axes[-1].get_legend().get_texts()] == [
        "task0",
        "task1",
    ]
    axes = plot_task_dominance(
        dict(net.callbacks_)["TaskDominance"], layers=["bottom.0"]
    )
    assert len(axes) == 1
    with pytest.raises(ValueError, match="not recorded"):
        plot_task_dominance(net, layers=["tower"])
    plain = MultiTaskNet(tasks=["binary", "regression"], max_epochs=1, **TINY).fit(X, y)
    with pytest.raises(ValueError, match="TaskDominance"):
        plot_task_dominance(plain)
