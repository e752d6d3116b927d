"""The torch modules: shapes, shared parameters, HTLNet's dependence structure."""

import pytest
import torch
from torch.testing import assert_close

from skrec.multitask import PLE, FeatureEmbedding, HTLNet, MMoE, SharedBottom

KINDS = ["binary", "multiclass", "regression"]
DIMS = [1, 3, 1]


@pytest.mark.parametrize("cls", [SharedBottom, MMoE, PLE, HTLNet])
def test_output_shape_and_shared_parameters(cls):
    torch.manual_seed(0)
    net = cls(
        5, DIMS, KINDS, categorical_features=[4], cardinalities=[3], embedding_dim=4
    )
    X = torch.randn(7, 5)
    X[:, 4] = torch.tensor([0, 1, 2, 0, 1, 2, 0], dtype=torch.float32)
    net.eval()
    out = net(X)
    assert out.shape == (7, 5)
    shared = {id(p) for p in net.shared_parameters()}
    assert {id(p) for p in net.embedding.parameters()} <= shared
    # every head is task-specific
    for head in net.heads:
        assert not ({id(p) for p in head.parameters()} & shared)
    # shared parameters receive gradients from more than one task
    out = net(X)
    grads_from = {id(p): 0 for p in net.shared_parameters()}
    start = 0
    for d in DIMS:
        g = torch.autograd.grad(
            out[:, start : start + d].sum(),
            net.shared_parameters(),
            retain_graph=True,
            allow_unused=True,
        )
        start += d
        for p, gi in zip(net.shared_parameters(), g):
            if gi is not None and gi.abs().sum() > 0:
                grads_from[id(p)] += 1
    assert max(grads_from.values()) >= 2


def test_feature_embedding_matches_manual_computation():
    emb = FeatureEmbedding(
        3, categorical_features=[1], cardinalities=[4], embedding_dim=2
    )
    X = torch.tensor([[0.5, 3.0, -2.0]])
    out = emb(X)
    w, b = emb.numeric_weight, emb.numeric_bias
    expected = torch.cat([0.5 * w[0] + b[0], -2.0 * w[1] + b[1], emb.table.weight[3]])
    assert_close(out[0], expected)


def test_mmoe_mixes_experts_with_softmax_gates():
    torch.manual_seed(0)
    net = MMoE(3, [1, 1], n_experts=2, expert_units=(4,), tower_units=())
    X = torch.randn(6, 3)
    x = net.embedding(X)
    e = net.experts(x)
    # experts computed one at a time with plain matrix products
    for k in range(2):
        ek = torch.relu(x @ net.experts.weights[0][k] + net.experts.biases[0][k])
        assert_close(e[:, k], ek)
    w = torch.softmax(net.gates[1](x), dim=1)
    expected = net.heads[1](w[:, :1] * e[:, 0] + w[:, 1:] * e[:, 1])
    assert_close(net(X)[:, 1:2], expected)


def test_htlnet_stop_gradient_and_label_embedding_learning():
    torch.manual_seed(0)
    net = HTLNet(4, [1, 1, 1], ["binary", "binary", "regression"], tower_units=(8, 4))
    X = torch.randn(10, 4)
    out = net(X)
    core = out[:, 2].sum()
    tower0 = list(net.rep_layers[0].parameters()) + list(net.heads[0].parameters())
    grads = torch.autograd.grad(
        core,
        tower0 + list(net.label_tables.parameters()),
        retain_graph=True,
        allow_unused=True,
    )
    # the core task does not push gradients into the first task's tower ...
    for g in grads[: len(tower0)]:
        assert g is None or torch.all(g == 0)
    # ... but it trains the label embedding tables it reads
    assert any(g is not None and g.abs().sum() > 0 for g in grads[len(tower0) :])
    # the core task has no label embedding (nobody depends on it)
    assert net.has_label == [True, True, False]


def test_htlnet_inference_is_deterministic_and_training_samples():
    torch.manual_seed(0)
    net = HTLNet(3, [1, 1], ["binary", "regression"])
    X = torch.randn(20, 3)
    net.eval()
    assert_close(net(X), net(X))
    net.train()
    assert not torch.equal(net(X), net(X))  # Gumbel noise in training


def test_bad_module_arguments():
    with pytest.raises(ValueError, match="task_dims"):
        SharedBottom(3, [])
    with pytest.raises(ValueError, match="differ in length"):
        FeatureEmbedding(3, categorical_features=[0, 1], cardinalities=[2])
    with pytest.raises(ValueError, match="tau"):
        HTLNet(3, [1, 1], ["binary", "regression"], tau=0)


# ---------------------------------------------------------------------- ESMM
def test_esmm_chains_probabilities_over_the_entire_space():
    from skrec.multitask import ESMM

    torch.manual_seed(0)
    net = ESMM(3, task_dims=[1, 1, 1], task_kinds=["binary", "binary", "regression"],
               tower_units=(4,))
    X = torch.randn(50, 3)
    out = net(X)
    with torch.no_grad():
        h = net.embedding(X)
        raw = [torch.sigmoid(head(tower(h)))[:, 0] for tower, head in
               zip(net.towers[:2], net.heads[:2])]
        spend = net.heads[2](net.towers[2](h))[:, 0]
    p = torch.sigmoid(out)
    torch.testing.assert_close(p[:, 0], raw[0])
    torch.testing.assert_close(p[:, 1], raw[0] * raw[1])  # pCTCVR = pCTR * pCVR
    torch.testing.assert_close(out[:, 2], spend)  # not chained
    assert net.chained == [0, 1]
    with pytest.raises(ValueError, match="binary"):
        ESMM(3, task_dims=[1, 1], task_kinds=["regression", "binary"])


def test_modules_accept_an_empty_batch():
    # a process's share of a last batch smaller than the number of processes
    for module in (SharedBottom(n_features=4, task_dims=[1, 1]),
                   MMoE(n_features=4, task_dims=[1, 1]),
                   FeatureEmbedding(n_features=5, categorical_features=[4],
                                    cardinalities=[3], embedding_dim=2)):
        out = module(torch.zeros(0, 5 if isinstance(module, FeatureEmbedding) else 4))
        assert out.shape[0] == 0 and out.shape[1] > 0
