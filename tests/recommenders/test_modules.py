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


@pytest.mark.parametrize("skip_padding", [True, False])
def test_output_does_not_depend_on_batch_padding(skip_padding):
    # Each sequence alone (no padding), then in a batch padded to the longest
    # row and wider: the hidden states of its positions are the same.
    torch.manual_seed(0)
    module = SASRecModule(n_items=9, hidden_size=8, n_layers=2, n_heads=2,
                          inner_size=16, max_seq_length=8,
                          skip_padding=skip_padding).eval()
    seqs = [[3, 1, 4], [1, 5, 9, 2, 6], [5], [3, 0, 8, 7]]  # 0: a masked item
    alone = [module(torch.tensor([s]))[0] for s in seqs]
    for width in (5, 8):
        batch = torch.tensor([[0] * (width - len(s)) + s for s in seqs])
        out = module(batch)
        last = module(batch, last_only=True)[:, 0]
        for i, s in enumerate(seqs):
            torch.testing.assert_close(out[i, width - len(s):], alone[i])
            torch.testing.assert_close(last[i], alone[i][-1])


def test_skipping_padding_changes_no_active_output(module):
    batch = torch.tensor([[0, 0, 0, 4, 5, 6], [0, 1, 2, 0, 4, 5], [0] * 6])
    packed = module(batch)
    module.skip_padding = False
    full = module(batch)
    active = (batch > 0).cumsum(1) > 0
    active[:, -1] = True
    torch.testing.assert_close(packed[active], full[active])
    assert (packed[~active] == 0).all()  # left padding is not computed


def test_padding_outputs_follow_the_reference_rule(module):
    # A left-padding query has no allowed key: as in the reference code, the
    # -1e4 bias then spreads its attention over the whole row, so padding
    # outputs depend on the row's items (what the flattened representation
    # compares), while real positions do not depend on the padding.
    a = torch.tensor([[0, 0, 0, 4, 5, 6]])
    b = torch.tensor([[0, 0, 0, 4, 5, 7]])
    ha = module(a, padding_outputs=True)
    hb = module(b, padding_outputs=True)
    assert not torch.allclose(ha[:, :3], hb[:, :3])
    torch.testing.assert_close(ha[:, 3:5], module(a)[:, 3:5])


def test_loss_normalizer_divides_the_sum(module):
    h = torch.randn(2, 3, 8)
    targets = torch.tensor([[0, 1, 2], [3, 4, 5]])
    neg = torch.tensor([[6, 6, 6], [7, 7, 7]])
    mean = next_item_loss(module, h, targets, neg)
    total = next_item_loss(module, h, targets, neg, normalizer=1.0)
    torch.testing.assert_close(total, mean * 5)  # five positions have targets
    torch.testing.assert_close(next_item_loss(module, h, targets, neg, normalizer=10.0),
                               mean / 2)


def test_sequence_representations_by_hand():
    from skrec.recommenders import sequence_representation

    h = torch.arange(24, dtype=torch.float32).view(2, 3, 4)
    ids = torch.tensor([[0, 5, 6], [0, 0, 0]])
    torch.testing.assert_close(sequence_representation(h, ids, "last"), h[:, 2])
    # Row 0: mean of positions 1 and 2; row 1 has no item: its last position.
    expected = torch.stack([(h[0, 1] + h[0, 2]) / 2, h[1, 2]])
    torch.testing.assert_close(sequence_representation(h, ids, "mean"), expected)
    flat = sequence_representation(h, ids, "flatten")
    assert flat.shape == (2, 12)
    torch.testing.assert_close(flat[0, 4:8], h[0, 1])
    with pytest.raises(ValueError, match="kind"):
        sequence_representation(h, ids, "max")
    with pytest.raises(ValueError, match="shape"):
        sequence_representation(h, ids[:, 1:], "mean")


def test_bce_with_several_negatives_equals_the_sum_by_hand():
    import torch

    from skrec.recommenders._modules import SASRecModule, next_item_loss

    torch.manual_seed(0)
    m = SASRecModule(n_items=6, hidden_size=4, n_heads=1, inner_size=4, max_seq_length=3)
    h = torch.randn(2, 3, 4)
    targets = torch.tensor([[0, 1, 2], [3, 4, 5]])
    negs = torch.tensor([[[6, 5], [6, 5], [4, 3]], [[1, 2], [6, 1], [2, 3]]])
    emb = m.item_embedding.weight
    total, count = 0.0, 0
    for b in range(2):
        for t in range(3):
            if targets[b, t] == 0:
                continue
            pos = h[b, t] @ emb[targets[b, t]]
            total += -torch.log(torch.sigmoid(pos))
            for n in negs[b, t]:
                total += -torch.log(1 - torch.sigmoid(h[b, t] @ emb[n]))
            count += 1
    got = next_item_loss(m, h, targets, negs)
    torch.testing.assert_close(got, total / count)
    # one negative per position: the (batch, length) form gives the same loss
    one = next_item_loss(m, h, targets, negs[..., 0])
    torch.testing.assert_close(one, next_item_loss(m, h, targets, negs[..., :1]))


@pytest.mark.parametrize("kwargs", [{}, {"last_only": True}, {"padding_outputs": True}])
def test_encoders_accept_an_empty_batch(kwargs):
    # In data-parallel training a process's share of a last batch smaller
    # than the number of processes is empty; its step still runs.
    from skrec.recommenders import BERT4RecModule, GRU4RecModule

    for module in (SASRecModule(n_items=5, hidden_size=8, n_heads=2, inner_size=8,
                                max_seq_length=4),
                   GRU4RecModule(n_items=5, embedding_size=8, hidden_size=8,
                                 max_seq_length=4),
                   BERT4RecModule(n_items=5, hidden_size=8, n_heads=2, inner_size=8,
                                  max_seq_length=4)):
        out = module(torch.zeros(0, 3, dtype=torch.long), **kwargs)
        assert out.shape == (0, 1 if kwargs.get("last_only") else 3, 8)
        # the step's loss (scores over every item) reaches every parameter,
        # with a zero gradient: DDP needs a gradient of every parameter
        (out.sum() + module.item_scores(out.reshape(-1, 8)).sum()).backward()
        for name, p in module.named_parameters():
            assert p.grad is not None and not p.grad.any(), name
