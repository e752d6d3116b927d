"""The SASRec encoder and the next-item losses."""

import pytest
import torch
from torch.nn import functional as F

from skrec.recommenders import SASRecModule
from skrec.recommenders._modules import next_item_loss


@pytest.fixture
def module():
    torch.manual_seed(0)
    return SASRecModule(n_items=9, hidden_size=8, n_layers=2, n_heads=2,
                        inner_size=16, max_seq_length=6).eval()


def test_causal(module):
    a = torch.tensor([[0, 1, 2, 3, 4, 5]])
    b = torch.tensor([[0, 1, 2, 3, 9, 8]])
    ha, hb = module(a), module(b)
    # Real (non-padding) positions before the first change are unaffected by
    # later items. (A padding query has no allowed key; its output is unused.)
    torch.testing.assert_close(ha[:, 1:4], hb[:, 1:4])
    assert not torch.allclose(ha[:, 4:], hb[:, 4:])


def test_trimmed_padding_and_last_only_are_exact(module):
    full = torch.tensor([[0, 0, 0, 4, 5, 6], [0, 1, 2, 3, 4, 5]])
    h = module(full)[:, -1]
    torch.testing.assert_close(module(full[:1, 3:])[:, -1], h[:1])
    torch.testing.assert_close(module(full, last_only=True)[:, -1], h)


def test_padding_keys_are_ignored(module):
    # A masked (0) item keeps its position but is dropped as an attention key:
    # perturbing everything about that position leaves later outputs alone.
    masked = torch.tensor([[0, 0, 3, 0, 4, 5]])
    real = torch.tensor([[0, 0, 3, 1, 4, 5]])
    before_masked, before_real = module(masked)[:, -1], module(real)[:, -1]
    with torch.no_grad():
        module.position_embedding.weight[3] += torch.linspace(-1, 1, 8)
    torch.testing.assert_close(module(masked)[:, -1], before_masked)
    assert not torch.allclose(module(real)[:, -1], before_real)


def test_width_above_max_raises(module):
    with pytest.raises(ValueError, match="max_seq_length"):
        module(torch.zeros(1, 7, dtype=torch.long))


def test_bce_loss_matches_hand_computation(module):
    hidden = torch.randn(2, 3, 8)
    targets = torch.tensor([[0, 2, 3], [1, 4, 5]])
    negatives = torch.tensor([[6, 7, 8], [9, 6, 7]])
    emb = module.item_embedding.weight
    terms = []
    for i in range(2):
        for j in range(3):
            if targets[i, j] == 0:
                continue
            p = torch.sigmoid(hidden[i, j] @ emb[targets[i, j]])
            q = torch.sigmoid(hidden[i, j] @ emb[negatives[i, j]])
            terms.append(-torch.log(p) - torch.log(1 - q))
    expected = torch.stack(terms).mean()
    got = next_item_loss(module, hidden, targets, negatives, kind="bce")
    torch.testing.assert_close(got, expected)


def test_ce_loss_matches_softmax(module):
    hidden = torch.randn(1, 2, 8)
    targets = torch.tensor([[0, 4]])
    logits = hidden[0, 1] @ module.item_embedding.weight[1:].T
    expected = F.cross_entropy(logits[None], torch.tensor([3]))
    torch.testing.assert_close(next_item_loss(module, hidden, targets, kind="ce"), expected)
