"""The SASRec encoder as a torch module, and the next-item losses.

The encoder follows Kang & McAuley (2018) as used by CoSeRec and TiCoSeRec:
item embedding plus a learned position embedding, layer normalisation and
dropout, then ``n_layers`` post-norm transformer blocks with causal
self-attention (a query attends to itself and to earlier, non-padding keys),
GELU feed-forward layers, and the item embedding reused as the output layer.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["SASRecModule", "next_item_loss"]

# Additive attention bias of a masked key. A finite value (rather than -inf)
# keeps rows whose keys are all padding finite, as in the reference model.
_MASKED = -1e4


class _Dropout(nn.Dropout):
    """Dropout whose CPU path draws the mask with ``torch.rand``.

    Same distribution as :class:`torch.nn.Dropout` (each element kept with
    probability ``1 - p`` and scaled by ``1 / (1 - p)``); on the CPU
    ``torch.rand`` is several times faster than the Bernoulli sampler of
    ``F.dropout``, which dominated SASRec's CPU training steps.
    """

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        if x.device.type != "cpu":
            return F.dropout(x, self.p, True)
        mask = (torch.rand_like(x) >= self.p).to(x.dtype).mul_(1.0 / (1.0 - self.p))
        return x * mask


class _SelfAttention(nn.Module):
    def __init__(self, hidden_size, n_heads, attn_dropout, hidden_dropout, eps):
        super().__init__()
        if hidden_size % n_heads:
            raise ValueError(
                f"hidden_size={hidden_size} must be a multiple of n_heads={n_heads}."
            )
        self.n_heads = n_heads
        self.head_size = hidden_size // n_heads
        self.qkv = nn.Linear(hidden_size, 3 * hidden_size)
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.attn_dropout = _Dropout(attn_dropout)
        self.out_dropout = _Dropout(hidden_dropout)
        self.norm = nn.LayerNorm(hidden_size, eps=eps)

    def forward(self, x, bias, last_only=False):
        b, n, h = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.n_heads, self.head_size).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # (b, heads, n, d)
        if last_only:  # only the last query is needed (inference)
            q, bias, x = q[:, :, -1:], bias[:, :, -1:], x[:, -1:]
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_size) + bias
        probs = self.attn_dropout(torch.softmax(scores, dim=-1))
        ctx = (probs @ v).transpose(1, 2).reshape(b, q.shape[2], h)
        return self.norm(x + self.out_dropout(self.dense(ctx)))


class _FeedForward(nn.Module):
    def __init__(self, hidden_size, inner_size, hidden_dropout, eps):
        super().__init__()
        self.fc1 = nn.Linear(hidden_size, inner_size)
        self.fc2 = nn.Linear(inner_size, hidden_size)
        self.dropout = _Dropout(hidden_dropout)
        self.norm = nn.LayerNorm(hidden_size, eps=eps)

    def forward(self, x):
        return self.norm(x + self.dropout(self.fc2(F.gelu(self.fc1(x)))))


class _Block(nn.Module):
    def __init__(self, hidden_size, n_heads, inner_size, attn_dropout, hidden_dropout, eps):
        super().__init__()
        self.attention = _SelfAttention(
            hidden_size, n_heads, attn_dropout, hidden_dropout, eps
        )
        self.feed_forward = _FeedForward(hidden_size, inner_size, hidden_dropout, eps)

    def forward(self, x, bias, last_only=False):
        return self.feed_forward(self.attention(x, bias, last_only))


class SASRecModule(nn.Module):
    """Self-attentive sequential encoder (SASRec).

    Parameters
    ----------
    n_items : int
        Number of items; internal ids are ``1..n_items`` and ``0`` is padding.
    hidden_size : int, default=128
    n_layers : int, default=2
    n_heads : int, default=2
    inner_size : int, default=256
        Width of the feed-forward layer.
    hidden_dropout : float, default=0.5
    attn_dropout : float, default=0.2
    max_seq_length : int, default=50
    layer_norm_eps : float, default=1e-12
    initializer_range : float, default=0.02
        Standard deviation of the normal initialisation of weights.

    Examples
    --------
    >>> import torch
    >>> m = SASRecModule(n_items=5, hidden_size=8, n_heads=2, inner_size=16,
    ...                  max_seq_length=4)
    >>> out = m(torch.tensor([[0, 1, 2, 3], [0, 0, 0, 4]]))
    >>> out.shape
    torch.Size([2, 4, 8])
    >>> m.item_scores(out[:, -1]).shape  # column j scores internal item j + 1
    torch.Size([2, 5])
    """

    def __init__(
        self,
        n_items,
        hidden_size=128,
        n_layers=2,
        n_heads=2,
        inner_size=256,
        hidden_dropout=0.5,
        attn_dropout=0.2,
        max_seq_length=50,
        layer_norm_eps=1e-12,
        initializer_range=0.02,
    ):
        super().__init__()
        self.n_items = n_items
        self.max_seq_length = max_seq_length
        self.initializer_range = initializer_range
        self.item_embedding = nn.Embedding(n_items + 1, hidden_size, padding_idx=0)
        self.position_embedding = nn.Embedding(max_seq_length, hidden_size)
        self.norm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.dropout = _Dropout(hidden_dropout)
        self.blocks = nn.ModuleList(
            _Block(hidden_size, n_heads, inner_size, attn_dropout, hidden_dropout,
                   layer_norm_eps)
            for _ in range(n_layers)
        )
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(0.0, self.initializer_range)
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()

    def forward(self, input_ids, last_only=False):
        """Encode left-padded item ids of shape (batch, width).

        ``width <= max_seq_length``; column ``-1`` holds the most recent item
        and gets the last position embedding, so inputs whose left columns are
        all padding may be trimmed to save time without changing the result.
        Returns the hidden state of every position, shape
        (batch, width, hidden_size), or of the last position only, shape
        (batch, 1, hidden_size), when ``last_only`` (cheaper: the last block
        then computes a single query).
        """
        n = input_ids.shape[1]
        if n > self.max_seq_length:
            raise ValueError(
                f"Got sequences of width {n}; the module was built for "
                f"max_seq_length={self.max_seq_length}."
            )
        # The last column is always the last position: a narrower input is a
        # left-trimmed padded one (trimming all-padding columns is exact).
        start = self.max_seq_length - n
        positions = torch.arange(start, start + n, device=input_ids.device)
        x = self.item_embedding(input_ids) + self.position_embedding(positions)
        x = self.dropout(self.norm(x))
        causal = torch.ones(n, n, dtype=torch.bool, device=input_ids.device).tril()
        allowed = causal[None, :, :] & (input_ids > 0)[:, None, :]
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device)
        bias = bias.masked_fill(~allowed, _MASKED)[:, None]  # (b, 1, n, n)
        for i, block in enumerate(self.blocks):
            x = block(x, bias, last_only and i == len(self.blocks) - 1)
        if last_only and not len(self.blocks):
            x = x[:, -1:]
        return x

    def item_scores(self, hidden):
        """Dot-product scores of hidden states against every item.

        ``hidden`` has shape (..., hidden_size); the result has shape
        (..., n_items), column ``j`` scoring internal item ``j + 1``.
        """
        return hidden @ self.item_embedding.weight[1:].T


def next_item_loss(module, hidden, targets, negatives=None, kind="bce"):
    """Next-item loss over every position that has a target.

    Parameters
    ----------
    module : SASRecModule
    hidden : Tensor of shape (batch, length, hidden_size)
        Encoder output.
    targets : LongTensor of shape (batch, length)
        Internal id of the next item at each position, ``0`` where there is
        none (padding).
    negatives : LongTensor of shape (batch, length), default=None
        One sampled negative per position (needed when ``kind="bce"``).
    kind : {"bce", "ce"}, default="bce"
        ``"bce"``: binary cross-entropy of the positive against one sampled
        negative (SASRec); ``"ce"``: softmax cross-entropy over all items.

    Returns
    -------
    loss : scalar Tensor
        Mean over positions with a target.
    """
    is_target = targets > 0
    if kind == "bce":
        emb = module.item_embedding
        pos = (hidden * emb(targets)).sum(-1)
        neg = (hidden * emb(negatives)).sum(-1)
        per_position = F.softplus(-pos) + F.softplus(neg)  # -log s(p) - log(1-s(n))
        return (per_position * is_target).sum() / is_target.sum().clamp_min(1)
    h = hidden[is_target]
    if h.shape[0] == 0:
        return hidden.sum() * 0.0
    logits = module.item_scores(h)
    return F.cross_entropy(logits, targets[is_target] - 1)
