"""MultiTaskNet: scikit-learn contract, training step, scoring, errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch.testing import assert_close

from skrec.multitask import MultiTaskNet, htl_adjust_gradients, make_task_scorer
from skrec.optim import AdaTaskAdagrad, AdaTaskAdam, AdaTaskRMSprop

TINY = dict(hidden_units=(8,), tower_units=(4,), batch_size=32)

# skorch's NeuralNet.__init__ sets ``history_``, ``initialized_`` and
# ``virtual_params_``, and its ``set_params(callbacks=...)`` initialises the
# callbacks at once (so an invalid value raises there): both come from the
# skorch base class, which MultiTaskNet must keep to stay a skorch net.
_SKORCH_XFAIL = {
    "check_no_attributes_set_in_init": "skorch's NeuralNet.__init__ sets history_, "
    "initialized_ and virtual_params_",
    "check_do_not_raise_errors_in_init_or_set_params": "skorch's set_params initialises "
    "callbacks immediately",
}


def _expected_failed_checks(estimator):
    return _SKORCH_XFAIL


# The kinds-inferred configuration is checked in tests/test_common.py.
@parametrize_with_checks(
    [
        MultiTaskNet(tasks="regression", max_epochs=20, lr=0.01, **TINY),
        MultiTaskNet(tasks="multiclass", max_epochs=20, lr=0.01, **TINY),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    n = 240
    X = pd.DataFrame(rng.normal(size=(n, 3)).astype("float32"), columns=["a", "b", "c"])
    X["region"] = rng.randint(0, 3, n)
    visit = (X.a + 0.3 * rng.normal(size=n) > 0).astype(int)
    buy = visit * (X.b > 0.2).astype(int)
    spend = buy * (20 + 5 * X.c + X.region)
    y = pd.DataFrame({"visit": visit, "buy": buy, "spend": spend.astype(float)})
    return X, y


TASKS = [("visit", "binary"), ("buy", "binary"), ("spend", "regression")]


def _net(**kw):
    params = dict(
        tasks=TASKS,
        categorical_features=["region"],
        max_epochs=3,
        lr=0.01,
        random_state=0,
        **TINY,
    )
    params.update(kw)
    return MultiTaskNet(**params)


@pytest.mark.parametrize("arch", ["shared_bottom", "mmoe", "ple", "htlnet"])
def test_fit_predict_frames(data, arch):
    X, y = data
    net = _net(architecture=arch).fit(X, y)
    pred = net.predict(X)
    assert isinstance(pred, pd.DataFrame)
    assert list(pred.columns) == ["visit", "buy", "spend"]
    assert pred.index.equals(X.index)
    assert set(np.unique(pred["visit"])) <= {0, 1}
    proba = net.predict_proba(X)
    assert len(proba) == 2 and proba[0].shape == (len(X), 2)
    assert_close(torch.tensor(proba[1].sum(1)), torch.ones(len(X), dtype=torch.float64))
    # predictions agree with the probabilities
    np.testing.assert_array_equal(
        pred["buy"].to_numpy(), (proba[1][:, 1] > 0.5).astype(int)
    )
    # numpy in -> numpy out (same values)
    with pytest.warns(UserWarning, match="feature names"):
        arr = net.predict(X.to_numpy())
    np.testing.assert_allclose(arr.astype(float), pred.to_numpy(float))


def test_score_is_mean_of_independent_task_scores(data):
    X, y = data
    net = _net().fit(X, y)
    proba = net.predict_proba(X)
    pred = net.predict(X)
    expected = np.mean(
        [
            roc_auc_score(y.visit, proba[0][:, 1]),
            roc_auc_score(y.buy, proba[1][:, 1]),
            r2_score(y.spend, pred["spend"]),
        ]
    )
    assert net.score(X, y) == pytest.approx(expected)
    scores = net.task_scores(X, y, scoring={"spend": "neg_mean_absolute_error"})
    assert list(scores) == ["spend"]
    assert scores["spend"] == pytest.approx(-np.mean(np.abs(y.spend - pred["spend"])))
    scorer = make_task_scorer("visit")
    assert scorer(net, X, y) == pytest.approx(roc_auc_score(y.visit, proba[0][:, 1]))


def test_random_state_gives_identical_fits_and_restores_global_rng(data):
    X, y = data
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    net = _net(architecture="htlnet").fit(X, y)
    after = torch.rand(1)  # fit left torch's global generator where it was
    assert torch.equal(before, after)
    b = _net(architecture="htlnet").fit(X, y).predict(X)
    pd.testing.assert_frame_equal(net.predict(X), b)


def test_pickle_round_trip(data):
    X, y = data
    net = _net(architecture="ple", optimizer=AdaTaskAdam).fit(X, y)
    net2 = pickle.loads(pickle.dumps(net))
    pd.testing.assert_frame_equal(net.predict(X), net2.predict(X))
    net2.partial_fit(X, y)  # optimizer state survives: training continues
    assert len(net2.history) == 6


def test_grid_search_over_architecture_and_module_parameter(data):
    X, y = data
    grid = GridSearchCV(
        _net(max_epochs=2),
        {"architecture": ["mmoe", "htlnet"], "hidden_units": [(4,), (8,)]},
        cv=KFold(2),
        scoring=make_task_scorer("spend", "r2"),
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    grid2 = GridSearchCV(
        _net(max_epochs=1, architecture="mmoe"),
        {"module__n_experts": [2, 3]},
        cv=KFold(2),
    ).fit(X, y)
    assert (
        grid2.best_estimator_.module_.gates[0].out_features
        == grid2.best_params_["module__n_experts"]
    )
    assert clone(grid2.best_estimator_).get_params()["module__n_experts"] in (2, 3)


def test_column_transformer_pipeline_with_strings(data):
    X, y = data
    Xs = X.assign(region=X.region.map({0: "north", 1: "south", 2: "west"}))
    ct = ColumnTransformer(
        [
            ("num", StandardScaler(), ["a", "b", "c"]),
            ("cat", OneHotEncoder(), ["region"]),
        ]
    )
    pipe = make_pipeline(
        ct, MultiTaskNet(tasks=TASKS, max_epochs=2, random_state=0, **TINY)
    )
    pipe.fit(Xs, y)
    assert pipe.predict(Xs).shape == (len(X), 3)
    assert np.isfinite(pipe.score(Xs, y))
    with pytest.raises(ValueError, match="ColumnTransformer"):
        MultiTaskNet(tasks=TASKS, max_epochs=1).fit(Xs, y)


def test_unseen_categories_map_to_unknown_row(data):
    X, y = data
    net = _net(max_epochs=1).fit(X, y)
    assert net.cardinalities_ == [4]
    X2 = X.assign(region=7)
    X3 = X.assign(region=3)  # 3 = the "unknown" code as well
    pd.testing.assert_frame_equal(net.predict(X2), net.predict(X3))
    with pytest.raises(ValueError, match="non-negative integer codes"):
        net.predict(X.assign(region=-1))


def test_training_step_applies_htl_adjustment(data):
    X, y = data
    # reference: build the same initial module, take per-task gradients with
    # separate backward passes, adjust with the public function, step SGD(lr=1)
    net = _net(
        architecture="shared_bottom",
        gradient_adjustment="htl",
        adjust_gamma=0.3,
        optimizer=torch.optim.SGD,
        lr=1.0,
        max_epochs=1,
        batch_size=len(X),
        iterator_train__shuffle=False,
    )
    net.max_epochs = 0
    net.fit(X, y)  # initialised, no step taken
    Xt = net._validate_X(X, reset=False)
    Yt = torch.tensor(
        np.column_stack(
            [y.visit, y.buy, (y.spend - net.tasks_[2].mean) / net.tasks_[2].scale]
        ),
        dtype=torch.float32,
    )
    out = net.module_(torch.as_tensor(Xt))
    losses = net.criterion_(out, Yt)
    shared = net.module_.shared_parameters()
    per_task = [
        torch.autograd.grad(losses[k], shared, retain_graph=True) for k in range(3)
    ]
    adjusted = htl_adjust_gradients([torch.stack(g) for g in zip(*per_task)], gamma=0.3)
    specific_grad = torch.autograd.grad(losses.sum(), net.module_.heads[0].weight)[0]
    expected_shared = [p.detach() - a.sum(0) for p, a in zip(shared, adjusted)]
    expected_head = net.module_.heads[0].weight.detach() - specific_grad
    net.max_epochs = 1
    net.partial_fit(X, y)
    for p, e in zip(net.module_.shared_parameters(), expected_shared):
        assert_close(p.detach(), e, rtol=1e-4, atol=1e-5)
    assert_close(
        net.module_.heads[0].weight.detach(), expected_head, rtol=1e-4, atol=1e-5
    )
    # and the adjustment really changed something compared with plain SGD
    changed = [
        not torch.allclose(a.sum(0), torch.stack(g).sum(0))
        for a, g in zip(adjusted, zip(*per_task))
    ]
    assert any(changed)


@pytest.mark.parametrize(
    "ours, ref",
    [
        (AdaTaskAdam, torch.optim.Adam),
        (AdaTaskRMSprop, torch.optim.RMSprop),
        (AdaTaskAdagrad, torch.optim.Adagrad),
    ],
)
def test_single_task_net_with_adatask_equals_torch_optimizer(data, ours, ref):
    X, y = data
    a = _net(tasks=[("spend", "regression")], optimizer=ours).fit(X, y[["spend"]])
    b = _net(tasks=[("spend", "regression")], optimizer=ref).fit(X, y[["spend"]])
    for p, q in zip(a.module_.parameters(), b.module_.parameters()):
        assert_close(p, q)


def test_task_weights_zero_freezes_a_task_head(data):
    X, y = data
    net = _net(task_weights={"buy": 0.0}, max_epochs=0).fit(X, y)
    head = net.module_.heads[1].weight.detach().clone()
    net.max_epochs = 2
    net.partial_fit(X, y)
    assert_close(net.module_.heads[1].weight.detach(), head, rtol=0, atol=0)
    assert not torch.equal(net.module_.heads[0].weight.detach(), head)


def test_train_split_none_and_skorch_validation(data):
    X, y = data
    from skorch.dataset import ValidSplit

    net = _net(train_split=ValidSplit(4), max_epochs=2).fit(X, y)
    assert np.isfinite(net.history[-1, "valid_loss"])
    assert "valid_loss" not in _net(max_epochs=1).fit(X, y).history[-1]


def test_one_dimensional_y_and_inferred_tasks():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 2)).astype("float32")
    y = np.where(X[:, 0] > 0, "yes", "no")
    net = MultiTaskNet(max_epochs=2, random_state=0, **TINY).fit(X, y)
    assert net.tasks_[0].kind == "binary"
    assert list(net.classes_) == ["no", "yes"]
    assert net.predict(X).shape == (50,)
    assert net.predict_proba(X).shape == (50, 2)
    reg = MultiTaskNet(tasks="regression", max_epochs=1, **TINY).fit(X, X[:, 0])
    assert not hasattr(reg, "predict_proba")


@pytest.mark.parametrize(
    "tasks, y_fn, match",
    [
        (
            ["binary", "regression"],
            lambda y: y[["visit", "buy", "spend"]].to_numpy(),
            "3 column",
        ),
        (
            TASKS,
            lambda y: y.assign(visit=y.visit * 2 + y.buy),
            "declared 'binary' but has 3",
        ),
        (TASKS, lambda y: y.assign(spend=np.nan), "no label at all"),
        (
            [("visit", "binary"), ("spend", "ordinal")],
            lambda y: y,
            "Unknown task kind 'ordinal'",
        ),
        ([("visits", "binary")], lambda y: y, "not columns of y"),
        (["multiclass"], lambda y: y.spend.to_numpy() + 0.5, "continuous"),
    ],
)
def test_bad_targets(data, tasks, y_fn, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        MultiTaskNet(tasks=tasks, max_epochs=1).fit(X, y_fn(y))


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(architecture="transformer"), ValueError, "Unknown architecture"),
        (dict(architecture=3), TypeError, "architecture must be"),
        (dict(task_weights=[1, 2]), ValueError, "2 entries for 3 tasks"),
        (dict(task_weights={"click": 1}), ValueError, "unknown task"),
        (dict(gradient_adjustment="pcgrad"), ValueError, "gradient_adjustment"),
        (dict(adjust_alpha=2.0), ValueError, "alpha"),
        (dict(hidden_units=(0,)), ValueError, "hidden_units"),
        (dict(dropout=1.0), ValueError, "dropout"),
        (dict(categorical_features=["zone"]), ValueError, "not columns of X"),
    ],
)
def test_bad_parameters(data, kwargs, err, match):
    X, y = data
    if "gradient_adjustment" not in kwargs and "adjust_alpha" in kwargs:
        kwargs = dict(kwargs, gradient_adjustment="htl")
    with pytest.raises(err, match=match):
        _net(max_epochs=1, **kwargs).fit(X, y)


def test_score_with_wrong_number_of_columns(data):
    X, y = data
    net = _net(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 3 task"):
        net.score(X.to_numpy(), y[["visit", "buy"]].to_numpy())
    with pytest.raises(ValueError, match="features"), pytest.warns(UserWarning):
        net.predict(X.to_numpy()[:, :2])


def test_custom_module_class(data):
    X, y = data

    class Linear(torch.nn.Module):
        def __init__(
            self,
            n_features,
            task_dims,
            task_kinds,
            categorical_features,
            cardinalities,
            embedding_dim,
            scale=1.0,
        ):
            super().__init__()
            self.body = torch.nn.Linear(n_features, 4)
            self.out = torch.nn.Linear(4, sum(task_dims))
            self.scale = scale

        def shared_parameters(self):
            return list(self.body.parameters())

        def forward(self, X):
            return self.out(torch.relu(self.body(X))) * self.scale

    net = _net(architecture=Linear, module__scale=2.0, optimizer=AdaTaskAdam).fit(X, y)
    assert net.module_.scale == 2.0
    assert net.predict(X).shape == (len(X), 3)


def test_subclass_of_a_built_in_architecture_gets_its_parameters(data):
    from skrec.multitask import MMoE

    class CountingMMoE(MMoE):
        def __init__(self, *, extra=0, **kwargs):
            super().__init__(**kwargs)
            self.extra = extra

    X, y = data
    net = _net(architecture=CountingMMoE, n_experts=5, module__extra=3).fit(X, y)
    assert isinstance(net.module_, CountingMMoE) and net.module_.extra == 3
    assert net.module_.experts.weights[0].shape[0] == 5  # n_experts reached it


def test_esmm_in_the_net(data):
    X, y = data
    tasks = [("visit", "binary"), ("buy", "binary"), ("spend", "regression")]
    net = MultiTaskNet(tasks=tasks, architecture="esmm", max_epochs=5, lr=0.01,
                       random_state=0, verbose=0, **TINY).fit(X, y)
    visit, buy = net.predict_proba(X)
    assert (buy[:, 1] <= visit[:, 1] + 1e-6).all()
    assert net.task_scores(X, y)["buy"] > 0.6
