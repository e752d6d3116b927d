"""Task-weighting strategies and tasks with missing labels."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold

from skrec.multitask import (
    DynamicWeightAverage,
    GradNorm,
    MetaBalance,
    MultiTaskLoss,
    MultiTaskNet,
    PCGrad,
    UncertaintyWeighting,
)

TINY = dict(hidden_units=(8,), tower_units=(4,), batch_size=32, verbose=0)
TASKS = [("visit", "binary"), ("buy", "binary"), ("spend", "regression")]
TRUE = torch.tensor([True, True])


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    n = 240
    X = pd.DataFrame(rng.normal(size=(n, 3)).astype("float32"), columns=["a", "b", "c"])
    visit = (X.a + 0.3 * rng.normal(size=n) > 0).astype(int)
    buy = visit * (X.b > 0.2).astype(int)
    spend = buy * (20 + 5 * X.c)
    return X, pd.DataFrame({"visit": visit, "buy": buy, "spend": spend.astype(float)})


# --------------------------------------------------------------- hand cases
def test_uncertainty_terms_and_their_gradient():
    uw = UncertaintyWeighting(init=0.5).start(["binary", "regression"], "cpu", None)
    losses = torch.tensor([0.5, 2.0])
    terms = uw.combine(losses, TRUE)
    e = np.exp(-0.5)
    # classification: exp(-s) L + s/2; regression: exp(-s)/2 L + s/2
    np.testing.assert_allclose(terms.detach().numpy(), [e * 0.5 + 0.25, e + 0.25],
                               rtol=1e-6)
    terms.sum().backward()
    np.testing.assert_allclose(uw.log_vars_.grad.numpy(), [-e * 0.5 + 0.5, -e + 0.5],
                               rtol=1e-6)
    # a task without labels in the batch contributes nothing
    uw.log_vars_.grad = None
    terms = uw.combine(losses, torch.tensor([True, False]))
    assert terms[1] == 0
    np.testing.assert_allclose(uw.weights(), [e, e / 2], rtol=1e-6)


def test_dwa_weights_follow_the_loss_ratios():
    dwa = DynamicWeightAverage(temperature=2.0).start(["binary"] * 3, "cpu", None)
    np.testing.assert_array_equal(dwa.weights_, [1, 1, 1])
    dwa.epoch_end([1.0, 2.0, 4.0])
    np.testing.assert_array_equal(dwa.weights_, [1, 1, 1])  # two epochs needed
    dwa.epoch_end([0.5, 2.0, 2.0])
    r = np.array([0.5, 1.0, 0.5])
    expected = 3 * np.exp(r / 2) / np.exp(r / 2).sum()
    np.testing.assert_allclose(dwa.weights_, expected)
    out = dwa.combine(torch.tensor([1.0, 1.0, 1.0]), torch.tensor([True] * 3))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def _gradnorm_reference(w, raw, losses, initial, alpha, lr):
    """The paper's update written out with numpy (independent of skrec)."""
    g = w * raw
    ratio = losses / initial
    rate = ratio / ratio.mean()
    target = g.mean() * rate ** alpha
    w = w - lr * np.sign(g - target) * raw
    w = np.maximum(w, 1e-3)
    return w * len(w) / w.sum()


def test_gradnorm_update_matches_the_paper_rule():
    gn = GradNorm(alpha=1.5, lr=0.025).start(["binary", "regression"], "cpu", None)
    raw = np.array([3.0, 1.0])  # ||grad L_k|| of the two tasks
    w = np.ones(2)
    for losses in ([2.0, 1.0], [1.0, 1.0], [0.5, 0.9]):
        g = torch.tensor([[raw[0], 0.0], [0.0, raw[1]]]) * gn.weights_[:, None]
        out = gn.adjust([g], torch.tensor(losses), TRUE)
        torch.testing.assert_close(out[0], g)  # gradients pass unchanged
        w = _gradnorm_reference(w, raw, np.array(losses), np.array([2.0, 1.0]), 1.5, 0.025)
        np.testing.assert_allclose(gn.weights_.numpy(), w, rtol=1e-5)
    np.testing.assert_allclose(gn.initial_losses_.numpy(), [2.0, 1.0])
    assert gn.weights_.sum().item() == pytest.approx(2.0)


def test_pcgrad_projects_conflicts_only():
    pc = PCGrad(random_state=0).start(["binary", "binary"], "cpu", None)
    g1, g2 = np.array([1.0, 0.0, 2.0]), np.array([-2.0, 1.0, 0.0])
    out = pc.adjust([torch.tensor(np.stack([g1, g2]))], None, TRUE)[0].numpy()
    dot = g1 @ g2
    np.testing.assert_allclose(out[0], g1 - dot / (g2 @ g2) * g2)
    np.testing.assert_allclose(out[1], g2 - dot / (g1 @ g1) * g1)
    assert out[0] @ g2 == pytest.approx(0.0) and out[1] @ g1 == pytest.approx(0.0)
    # no conflict: untouched; gradients split over two tensors are one vector
    same = [torch.tensor([[1.0], [2.0]]), torch.tensor([[1.0, 0.0], [0.0, 3.0]])]
    for a, b in zip(pc.adjust(same, None, TRUE), same):
        torch.testing.assert_close(a, b)


def test_metabalance_moving_average_and_target():
    mb = MetaBalance(relax_factor=0.5, beta=0.5, target=0).start(["binary"] * 2, "cpu", None)
    g = torch.tensor([[0.0, 2.0], [3.0, 4.0]])  # target norm 2, auxiliary 5
    out = mb.adjust([g], None, TRUE)[0]
    # step 1: m = 0.5 * (2, 5); ratio 2/5; factor 0.5 * 0.4 + 0.5 = 0.7
    torch.testing.assert_close(out, torch.tensor([[0.0, 2.0], [2.1, 2.8]]))
    g2 = torch.tensor([[0.0, 4.0], [0.0, 1.0]])  # norms 4 and 1
    out = mb.adjust([g2], None, TRUE)[0]
    m_t, m_a = 0.5 * 1.0 + 0.5 * 4, 0.5 * 2.5 + 0.5 * 1
    factor = 0.5 * m_t / m_a + 0.5
    torch.testing.assert_close(out, torch.tensor([[0.0, 4.0], [0.0, factor]]))


# ----------------------------------------------------------------- in the net
STRATEGIES = [None, "uncertainty", "dwa", GradNorm(), "pcgrad", MetaBalance()]


@pytest.mark.parametrize("strategy", STRATEGIES,
                         ids=lambda s: s if isinstance(s, str) or s is None
                         else type(s).__name__)
def test_every_strategy_trains_and_records_weights(strategy, data):
    X, y = data
    net = MultiTaskNet(tasks=TASKS, loss_weighting=strategy, max_epochs=3, lr=0.01,
                       random_state=0, **TINY).fit(X, y)
    assert np.isfinite(net.predict(X).to_numpy(dtype=float)).all()
    if strategy is None:
        assert net.loss_weighting_ is None
    else:
        assert net.loss_weighting_ is not strategy  # a fitted clone
        if strategy in ("uncertainty", "dwa") or isinstance(strategy, GradNorm):
            assert len(net.history[-1]["task_weighting"]) == 3
    again = MultiTaskNet(tasks=TASKS, loss_weighting=strategy, max_epochs=3, lr=0.01,
                         random_state=0, **TINY).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), net.predict(X))


def test_uncertainty_log_variances_are_learned(data):
    X, y = data
    net = MultiTaskNet(tasks=TASKS, loss_weighting=UncertaintyWeighting(), max_epochs=5,
                       lr=0.05, random_state=0, **TINY).fit(X, y)
    assert (net.loss_weighting_.log_vars_.detach().abs() > 1e-3).all()


def test_one_grid_search_parameter(data):
    X, y = data
    search = GridSearchCV(
        MultiTaskNet(tasks=TASKS, max_epochs=2, lr=0.01, random_state=0, **TINY),
        {"loss_weighting": STRATEGIES},
        cv=KFold(2),
    ).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert len(search.cv_results_["params"]) == len(STRATEGIES)


def test_bad_strategies(data):
    X, y = data
    with pytest.raises(ValueError, match="loss_weighting must be"):
        MultiTaskNet(tasks=TASKS, loss_weighting="equal", **TINY).fit(X, y)
    with pytest.raises(TypeError, match="strategy object"):
        MultiTaskNet(tasks=TASKS, loss_weighting=object(), **TINY).fit(X, y)
    with pytest.raises(ValueError, match="choose one"):
        MultiTaskNet(tasks=TASKS, loss_weighting="pcgrad", gradient_adjustment="htl",
                     **TINY).fit(X, y)
    with pytest.raises(ValueError, match="temperature"):
        MultiTaskNet(tasks=TASKS, loss_weighting=DynamicWeightAverage(0), **TINY).fit(X, y)


# ------------------------------------------------------------ missing labels
def test_masked_loss_equals_the_loss_of_the_labelled_rows():
    rng = np.random.default_rng(0)
    pred = torch.tensor(rng.normal(size=(10, 3)), dtype=torch.float32)
    y = torch.tensor(np.column_stack([rng.integers(0, 2, 10), rng.integers(0, 2, 10),
                                      rng.normal(size=10)]), dtype=torch.float32)
    y_nan = y.clone()
    y_nan[::2, 2] = float("nan")  # half of the rows lose their spend label
    crit = MultiTaskLoss(["binary", "binary", "regression"], [1, 1, 1])
    full, masked = crit(pred, y), crit(pred, y_nan)
    torch.testing.assert_close(masked[:2], full[:2])
    labelled = MultiTaskLoss(["regression"], [1])(pred[1::2, 2:], y[1::2, 2:])[0]
    torch.testing.assert_close(masked[2], labelled)
    # no label at all in the batch: 0 with a zero gradient
    pred.requires_grad_(True)
    y_none = y.clone()
    y_none[:, 2] = float("nan")
    out = crit(pred, y_none)
    assert out[2] == 0
    out[2].backward()
    assert (pred.grad == 0).all()
    # no row at all (a process's empty share of a data-parallel batch): zeros,
    # not the NaN of a mean over nothing
    empty = crit(pred[:0], y[:0])
    assert empty.shape == (3,) and (empty == 0).all()


@pytest.mark.parametrize("strategy", STRATEGIES,
                         ids=lambda s: s if isinstance(s, str) or s is None
                         else type(s).__name__)
def test_training_with_missing_labels_and_label_free_batches(strategy, data):
    X, y = data
    y = y.copy()
    # The first 64 rows (two unshuffled batches) have no spend label, and
    # every other later row neither.
    y.loc[:63, "spend"] = np.nan
    y.loc[64::2, "spend"] = np.nan
    net = MultiTaskNet(tasks=TASKS, loss_weighting=strategy, max_epochs=3, lr=0.01,
                       random_state=0, iterator_train__shuffle=False, **TINY).fit(X, y)
    pred = net.predict(X)
    assert pred.shape == (len(X), 3) and np.isfinite(pred.to_numpy(dtype=float)).all()
    assert np.isfinite(net.history[:, "train_loss"]).all()
    for p in net.module_.parameters():
        assert torch.isfinite(p).all()


def test_scores_use_the_labelled_rows_of_each_task(data):
    X, y = data
    net = MultiTaskNet(tasks=TASKS, max_epochs=3, lr=0.01, random_state=0,
                       **TINY).fit(X, y)
    y_nan = y.copy()
    y_nan.loc[::3, "spend"] = np.nan
    y_nan.loc[1::4, "visit"] = np.nan
    scores = net.task_scores(X, y_nan)
    keep = y_nan.spend.notna()
    assert scores["spend"] == pytest.approx(
        r2_score(y.spend[keep], net.predict(X).spend[keep]), rel=1e-5)
    keep = y_nan.visit.notna()
    assert scores["visit"] == pytest.approx(
        roc_auc_score(y.visit[keep], net.predict_proba(X)[0][keep.to_numpy(), 1]))
    y_nan["buy"] = np.nan
    assert "buy" not in net.task_scores(X, y_nan)



def test_warm_start_keeps_the_learned_weighting(data):
    X, y = data
    net = MultiTaskNet(tasks=TASKS, loss_weighting="uncertainty", warm_start=True,
                       max_epochs=2, lr=0.05, random_state=0, **TINY).fit(X, y)
    first = net.loss_weighting_
    log_vars = first.log_vars_.detach().clone()
    net.fit(X, y)
    assert net.loss_weighting_ is first
    # the optimizer still updates the same tensor
    assert any(p is first.log_vars_ for g in net.optimizer_.param_groups for p in g["params"])
    assert not torch.equal(first.log_vars_.detach(), log_vars)
