import math

import numpy as np
import pytest
import torch

from skrec.losses import (
    ClassBalancedLoss,
    PerOutputClassBalancedLoss,
    class_balanced_weights,
)


def _bce(z, y):
    p = 1.0 / (1.0 + math.exp(-z))
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


# ----------------------------------------------------------------- weights
def test_weights_hand_computed():
    raw = [0.1 / (1 - 0.9**90), 0.1 / (1 - 0.9**10)]
    expected = np.array(raw) / sum(raw) * 2
    np.testing.assert_allclose(class_balanced_weights([90, 10], 0.9), expected)


def test_weights_limits():
    np.testing.assert_array_equal(class_balanced_weights([5, 50, 500], 0.0), 1.0)
    w = class_balanced_weights([900, 100], beta=1 - 1e-7)
    assert w[1] / w[0] == pytest.approx(9.0, rel=1e-3)  # inverse frequency
    assert w.sum() == pytest.approx(2.0)


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5])
def test_weights_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        class_balanced_weights([1, 2], beta)


def test_weights_bad_counts():
    with pytest.raises(ValueError, match="> 0"):
        class_balanced_weights([10, 0])
    with pytest.raises(ValueError, match="finite"):
        class_balanced_weights([10, np.nan])
    with pytest.raises(ValueError, match="1-dimensional"):
        class_balanced_weights([[1, 2]])


# ------------------------------------------------------- ClassBalancedLoss
def _hand_weights():
    # counts (3, 1), beta = 0.5: raw (0.5 / 0.875, 0.5 / 0.5) -> sum to 2.
    raw = [0.5 / 0.875, 1.0]
    return [r / sum(raw) * 2 for r in raw]


def test_softmax_hand_computed():
    w0, w1 = _hand_weights()
    logits = torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    ce0 = math.log(1 + math.exp(-1))
    ce1 = math.log(1 + math.exp(-2))
    loss = ClassBalancedLoss([3, 1], beta=0.5)(logits, torch.tensor([0, 1]))
    assert float(loss) == pytest.approx((w0 * ce0 + w1 * ce1) / 2, rel=1e-12)


def test_sigmoid_and_focal_hand_computed():
    w0, w1 = _hand_weights()
    z = [[1.0, -0.5], [0.3, 2.0]]
    y = [[1, 0], [0, 1]]
    sig = [sum(_bce(z[i][k], y[i][k]) for k in range(2)) for i in range(2)]
    gamma = 2.0

    def focal_term(zz, yy):
        p = 1 / (1 + math.exp(-zz))
        pt = p if yy == 1 else 1 - p
        return (1 - pt) ** gamma * _bce(zz, yy)

    foc = [sum(focal_term(z[i][k], y[i][k]) for k in range(2)) for i in range(2)]
    logits = torch.tensor(z, dtype=torch.float64)
    target = torch.tensor([0, 1])
    got_sig = ClassBalancedLoss([3, 1], 0.5, loss_type="sigmoid")(logits, target)
    got_foc = ClassBalancedLoss([3, 1], 0.5, loss_type="focal", gamma=gamma)(
        logits, target
    )
    assert float(got_sig) == pytest.approx((w0 * sig[0] + w1 * sig[1]) / 2, rel=1e-12)
    assert float(got_foc) == pytest.approx((w0 * foc[0] + w1 * foc[1]) / 2, rel=1e-12)


def test_focal_with_gamma_zero_is_sigmoid():
    torch.manual_seed(0)
    logits = torch.randn(8, 4, dtype=torch.float64)
    target = torch.randint(0, 4, (8,))
    counts = [40, 20, 5, 1]
    a = ClassBalancedLoss(counts, loss_type="focal", gamma=0.0)(logits, target)
    b = ClassBalancedLoss(counts, loss_type="sigmoid")(logits, target)
    torch.testing.assert_close(a, b)


def test_binary_single_logit_equals_two_logit_softmax():
    z = torch.tensor([0.7, -1.2, 2.0], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    single = ClassBalancedLoss([10, 2], beta=0.9)(z, y)
    two = ClassBalancedLoss([10, 2], beta=0.9)(
        torch.stack([torch.zeros_like(z), z], dim=1), y.long()
    )
    torch.testing.assert_close(single, two)
    column = ClassBalancedLoss([10, 2], beta=0.9, loss_type="sigmoid")(z[:, None], y)
    torch.testing.assert_close(single, column)


def test_beta_zero_is_plain_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(10, 3)
    target = torch.randint(0, 3, (10,))
    got = ClassBalancedLoss([100, 10, 1], beta=0.0)(logits, target)
    torch.testing.assert_close(got, torch.nn.functional.cross_entropy(logits, target))


def test_reduction_none_and_sum():
    logits = torch.randn(5, 2)
    target = torch.tensor([0, 1, 1, 0, 1])
    none = ClassBalancedLoss([5, 2], reduction="none")(logits, target)
    assert none.shape == (5,)
    torch.testing.assert_close(
        ClassBalancedLoss([5, 2], reduction="sum")(logits, target), none.sum()
    )


@pytest.mark.parametrize("loss_type", ["softmax", "sigmoid", "focal"])
def test_gradcheck(loss_type):
    torch.manual_seed(2)
    logits = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 1, 2, 2, 0, 1])
    loss = ClassBalancedLoss([50, 10, 3], beta=0.99, loss_type=loss_type)
    assert torch.autograd.gradcheck(lambda x: loss(x, target), (logits,))


def test_bad_usage():
    with pytest.raises(ValueError, match="loss_type"):
        ClassBalancedLoss([1, 2], loss_type="hinge")
    with pytest.raises(ValueError, match="gamma"):
        ClassBalancedLoss([1, 2], gamma=-1)
    with pytest.raises(ValueError, match="at least two"):
        ClassBalancedLoss([5])
    loss = ClassBalancedLoss([5, 3, 2])
    with pytest.raises(ValueError, match="3 classes"):
        loss(torch.zeros(2, 2), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="PerOutputClassBalancedLoss"):
        loss(torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="2 class counts"):
        loss(torch.zeros(2), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="NaN"):
        loss(torch.full((1, 3), float("nan")), torch.tensor([0]))


def test_as_skorch_criterion_upweights_the_minority():
    from skorch import NeuralNetClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2)).astype(np.float32)
    y = (X[:, 0] + 0.8 * rng.normal(size=300) > 1.6).astype(np.int64)
    counts = np.bincount(y)
    recall = {}
    for beta in (0.0, 0.999):
        torch.manual_seed(0)
        net = NeuralNetClassifier(
            torch.nn.Linear(2, 2),
            criterion=ClassBalancedLoss,
            criterion__class_counts=counts,
            criterion__beta=beta,
            max_epochs=20,
            lr=0.3,
            train_split=None,
            verbose=0,
        )
        net.fit(X, y)
        recall[beta] = (net.predict(X)[y == 1] == 1).mean()
    assert recall[0.999] > recall[0.0]


# ---------------------------------------------- PerOutputClassBalancedLoss
def _haco_weights(counts, beta, blend, total, min_count):
    """Step-by-step restatement of the authors' recipe, with numpy."""
    counts = np.asarray(counts, dtype=float)
    per = counts / counts.sum(axis=1, keepdims=True) * total
    glob = counts.sum(axis=0)
    glob = glob / glob.sum() * total
    mixed = np.maximum(blend * per + (1 - blend) * glob, min_count)
    mixed = mixed / mixed.sum(axis=1, keepdims=True) * total
    w = (1 - beta) / (1 - beta**mixed)
    return w / w.sum(axis=1, keepdims=True)


def test_per_output_weights_follow_the_recipe():
    counts = [[95, 5], [50, 50], [100, 0]]
    loss = PerOutputClassBalancedLoss(counts, beta=0.999, blend=0.3)
    expected = _haco_weights(counts, 0.999, 0.3, 1000.0, 20.0)
    np.testing.assert_allclose(loss.output_weights().numpy(), expected, rtol=1e-5)
    # rarely positive outputs weight their positives up
    w = loss.output_weights().numpy()
    assert w[0, 1] > w[1, 1] and w[2, 1] > w[1, 1]


def test_per_output_blend_zero_gives_global_weights():
    loss = PerOutputClassBalancedLoss([[95, 5], [50, 50]], blend=0.0)
    w = loss.output_weights()
    torch.testing.assert_close(w[0], w[1])


def test_per_output_loss_hand_computed():
    Y = np.array([[1, 0], [0, 0], [1, 1]])
    z = np.array([[0.5, -1.0], [0.2, 0.1], [-0.3, 1.5]])
    loss = PerOutputClassBalancedLoss.from_targets(
        Y, beta=0.99, blend=1.0, total=10.0, min_count=1.0, fp_penalty=0.5
    )
    counts = [[1, 2], [2, 1]]  # (negatives, positives) per output
    w = _haco_weights(counts, 0.99, 1.0, 10.0, 1.0)
    terms = []
    for i in range(3):
        for v in range(2):
            p = 1 / (1 + math.exp(-z[i, v]))
            terms.append(
                w[v, Y[i, v]] * _bce(z[i, v], Y[i, v]) + 0.5 * p * (1 - Y[i, v])
            )
    got = loss(
        torch.tensor(z, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    )
    assert float(got) == pytest.approx(np.mean(terms), rel=1e-6)


def test_per_output_gradcheck():
    torch.manual_seed(3)
    Y = (torch.rand(6, 4) > 0.7).double()
    loss = PerOutputClassBalancedLoss.from_targets(
        Y, beta=0.99, total=50.0, min_count=2
    )
    loss = loss.double()
    logits = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: loss(x, Y), (logits,))


def test_per_output_bad_usage():
    with pytest.raises(ValueError, match=r"\(n_outputs, 2\)"):
        PerOutputClassBalancedLoss([[1, 2, 3]])
    with pytest.raises(ValueError, match="0 and 1"):
        PerOutputClassBalancedLoss.from_targets([[0, 2]])
    with pytest.raises(ValueError, match="0 and 1"):
        PerOutputClassBalancedLoss.from_targets([[0, np.nan]])
    with pytest.raises(ValueError, match="min_count"):
        PerOutputClassBalancedLoss([[1, 1]], min_count=600)
    loss = PerOutputClassBalancedLoss([[3, 1], [2, 2]], blend=1.5)
    with pytest.raises(ValueError, match="blend"):
        loss(torch.zeros(2, 2), torch.zeros(2, 2))
    loss.blend = 0.3
    with pytest.raises(ValueError, match="2 rows"):
        loss(torch.zeros(2, 3), torch.zeros(2, 3))
