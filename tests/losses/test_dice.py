import math

import numpy as np
import pytest
import torch

from skrec.losses import DiceLoss


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def _dsc(p, y, alpha, gamma):
    soft = (1.0 - p) ** alpha * p
    return (2.0 * soft * y + gamma) / (soft + y + gamma)


def test_binary_example_form_matches_hand_computation():
    z = [1.5, -0.5, 0.2]
    y = [1.0, 0.0, 1.0]
    alpha, gamma = 0.5, 1.0
    expected = np.mean(
        [1.0 - _dsc(_sigmoid(zi), yi, alpha, gamma) for zi, yi in zip(z, y)]
    )
    loss = DiceLoss(alpha=alpha, gamma=gamma, form="example")(
        torch.tensor(z, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    )
    assert float(loss) == pytest.approx(expected, rel=1e-12)


def test_multiclass_worked_example():
    # softmax([2, -1]) = (0.95257, 0.04743), softmax([0, 1]) = (0.26894, 0.73106);
    # with alpha = 0, gamma = 1 the four one-vs-rest terms 1 - DSC are
    # 0.016063, 0.045279, 0.211942, 0.098475 -> mean 0.092939.
    logits = torch.tensor([[2.0, -1.0], [0.0, 1.0]], dtype=torch.float64)
    loss = DiceLoss(alpha=0.0, gamma=1.0, form="example")(logits, torch.tensor([0, 1]))
    assert float(loss) == pytest.approx(0.092939, abs=1e-6)
    per_example = DiceLoss(alpha=0.0, form="example", reduction="none")(
        logits, torch.tensor([0, 1])
    )
    assert per_example.shape == (2,)
    np.testing.assert_allclose(
        per_example.numpy(),
        [(0.016063 + 0.045279) / 2, (0.211942 + 0.098475) / 2],
        atol=1e-6,
    )


def test_batch_form_matches_hand_computation():
    z = [2.0, -1.0, 0.5, -2.0]
    y = [1.0, 0.0, 1.0, 0.0]
    alpha, gamma = 0.1, 1.0
    p = [_sigmoid(v) for v in z]
    soft = [(1 - pi) ** alpha * pi for pi in p]
    inter = sum(s * yi for s, yi in zip(soft, y))
    plain = 1 - (2 * inter + gamma) / (sum(soft) + sum(y) + gamma)
    squared = 1 - (2 * inter + gamma) / (
        sum(s * s for s in soft) + sum(yi * yi for yi in y) + gamma
    )
    args = torch.tensor(z, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    got = DiceLoss(alpha=alpha, gamma=gamma, form="batch")(*args)
    got_sq = DiceLoss(alpha=alpha, gamma=gamma, form="batch", square_denominator=True)(
        *args
    )
    assert float(got) == pytest.approx(plain, rel=1e-12)
    assert float(got_sq) == pytest.approx(squared, rel=1e-12)


@pytest.mark.parametrize("form", ["example", "batch"])
def test_multilabel_equals_independent_binary_columns(form):
    torch.manual_seed(0)
    logits = torch.randn(6, 3, dtype=torch.float64)
    target = (torch.rand(6, 3) > 0.5).double()
    loss = DiceLoss(alpha=0.3, form=form, reduction="none")(logits, target)
    columns = torch.stack(
        [
            DiceLoss(alpha=0.3, form=form, reduction="none")(logits[:, j], target[:, j])
            for j in range(3)
        ],
        dim=-1,
    )
    if form == "example":  # per example: mean over the outputs
        torch.testing.assert_close(loss, columns.mean(dim=-1))
    else:  # per output: one coefficient per column
        torch.testing.assert_close(loss, columns.reshape(3))


def test_default_is_the_batch_form_of_the_authors_code():
    logits = torch.randn(5, 2, dtype=torch.float64)
    target = torch.tensor([0, 1, 0, 0, 1])
    torch.testing.assert_close(
        DiceLoss()(logits, target), DiceLoss(form="batch")(logits, target)
    )


def test_alpha_scales_probability_by_one_minus_p():
    # With alpha = 1 the soft probability is (1 - p) p: for a negative example
    # 1 - DSC = soft / (soft + gamma).
    z, gamma = 0.8, 2.0
    p = _sigmoid(z)
    soft = (1 - p) * p
    loss = DiceLoss(alpha=1.0, gamma=gamma, form="example")(
        torch.tensor([z], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64)
    )
    assert float(loss) == pytest.approx(soft / (soft + gamma), rel=1e-12)


@pytest.mark.parametrize("form", ["example", "batch"])
@pytest.mark.parametrize("mode", ["multiclass", "binary", "multilabel"])
def test_gradcheck(form, mode):
    torch.manual_seed(1)
    if mode == "multiclass":
        logits = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
        target = torch.tensor([0, 2, 1, 1, 0])
    elif mode == "binary":
        logits = torch.randn(5, dtype=torch.float64, requires_grad=True)
        target = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0], dtype=torch.float64)
    else:
        logits = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
        target = (torch.rand(5, 2) > 0.5).double()
    loss = DiceLoss(alpha=0.4, gamma=1.0, form=form, square_denominator=True)
    assert torch.autograd.gradcheck(lambda x: loss(x, target), (logits,))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_saturated_outputs_keep_finite_gradients(dtype):
    # p == 1 exactly: d(1 - p)^alpha / dp is infinite there; the loss floors
    # 1 - p at eps so that training never produces NaN.
    logits = torch.tensor(
        [[60.0, -60.0], [-60.0, 60.0]], dtype=dtype, requires_grad=True
    )
    binary = torch.tensor([60.0, -60.0], dtype=dtype, requires_grad=True)
    for z, y in [(logits, torch.tensor([0, 0])), (binary, torch.tensor([1.0, 1.0]))]:
        for form in ("example", "batch"):
            z.grad = None
            loss = DiceLoss(alpha=0.01, form=form)(
                z, y.to(dtype) if y.is_floating_point() else y
            )
            loss.backward()
            assert torch.isfinite(loss) and torch.isfinite(z.grad).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"alpha": -0.1}, "alpha"),
        ({"gamma": 0.0}, "gamma"),
        ({"form": "sentence"}, "form"),
        ({"reduction": "max"}, "reduction"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DiceLoss(**kwargs)


def test_bad_inputs():
    loss = DiceLoss()
    with pytest.raises(ValueError, match="NaN"):
        loss(torch.tensor([[float("nan"), 0.0]]), torch.tensor([0]))
    with pytest.raises(ValueError, match="class indices"):
        loss(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="cannot match"):
        loss(torch.zeros(2, 3), torch.zeros(2, 2))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        loss(torch.zeros(2), torch.tensor([0.0, 2.0]))
    with pytest.raises(TypeError, match="floating point"):
        loss(torch.zeros(2, dtype=torch.long), torch.tensor([0.0, 1.0]))


def test_trains_a_skorch_classifier():
    from skorch import NeuralNetClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (X[:, 0] + 0.2 * rng.normal(size=200) > 1.0).astype(np.int64)
    net = NeuralNetClassifier(
        torch.nn.Linear(2, 2),
        criterion=DiceLoss,
        criterion__alpha=0.01,
        max_epochs=30,
        lr=0.5,
        train_split=None,
        verbose=0,
    )
    net.fit(X, y)
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert (net.predict(X) == y).mean() > 0.85
