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

__all__ = ["SASRecModule", "next_item_loss", "sequence_representation"]

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


class _Layout:
    """Where the computed tokens of a (batch, width) input lie.

    The encoder computes the per-token layers (projections, feed-forward,
    normalisation, dropout) on a packed ``(n_tokens, hidden)`` matrix of the
    *active* positions only, and lays them out as ``(batch, width, hidden)``
    for attention alone. ``index`` holds the flat positions (``row * width +
    column``) of the active tokens; ``None`` means every position is active
    (nothing to pack).
    """

    def __init__(self, batch, width, index=None):
        self.batch, self.width, self.index = batch, width, index

    def pad(self, x):
        """(n_tokens, d) -> (batch, width, d), zeros at inactive positions."""
        # explicit last dimension: an empty batch (a process's share of a
        # small data-parallel batch) has no elements to infer it from
        if self.index is None:
            return x.view(self.batch, self.width, x.shape[-1])
        out = x.new_zeros(self.batch * self.width, x.shape[-1])
        return out.index_copy(0, self.index, x).view(self.batch, self.width, x.shape[-1])

    def pack(self, x):
        """(batch, width, d) -> (n_tokens, d), the active positions."""
        flat = x.reshape(self.batch * self.width, x.shape[-1])
        return flat if self.index is None else flat.index_select(0, self.index)

    def last(self, x):
        """Rows of the packed ``x`` at each sequence's last column."""
        if self.index is None:
            return x.view(self.batch, self.width, x.shape[-1])[:, -1]
        # The last column is always active, so it is the last token of its row.
        ends = torch.searchsorted(
            self.index,
            torch.arange(1, self.batch + 1, device=x.device) * self.width,
        )
        return x.index_select(0, ends - 1)


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

    def forward(self, x, bias, layout, last_only=False):
        """``x`` is packed (n_tokens, hidden); returns the same layout, or
        the last position of every row, (batch, hidden), when ``last_only``."""
        b, n, h = layout.batch, layout.width, x.shape[-1]
        qkv = layout.pad(self.qkv(x)).view(b, n, 3, self.n_heads, self.head_size)
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(2))  # (b, heads, n, d)
        if last_only:  # only the last query is needed (inference)
            q, bias, x = q[:, :, -1:], bias[:, :, -1:], layout.last(x)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_size) + bias
        probs = self.attn_dropout(torch.softmax(scores, dim=-1))
        ctx = (probs @ v).transpose(1, 2).reshape(b, q.shape[2], h)
        ctx = ctx[:, 0] if last_only else layout.pack(ctx)
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

    def forward(self, x, bias, layout, last_only=False):
        return self.feed_forward(self.attention(x, bias, layout, last_only))


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
    skip_padding : bool, default=True
        Compute only the active positions of a batch (see :meth:`forward`);
        ``False`` computes every position of the padded batch, as the
        reference implementation does (same outputs at active positions,
        slower).

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
        skip_padding=True,
    ):
        super().__init__()
        self.n_items = n_items
        self.skip_padding = skip_padding
        self.max_seq_length = max_seq_length
        self.initializer_range = initializer_range
        self.item_embedding = nn.Embedding(
            n_items + 1 + self._extra_tokens, hidden_size, padding_idx=0
        )
        self.position_embedding = nn.Embedding(max_seq_length, hidden_size)
        self.norm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.dropout = _Dropout(hidden_dropout)
        self.blocks = nn.ModuleList(
            _Block(hidden_size, n_heads, inner_size, attn_dropout, hidden_dropout,
                   layer_norm_eps)
            for _ in range(n_layers)
        )
        self.apply(self._init_weights)

    # Tokens after the items in the embedding table (BERT4Rec's mask token).
    _extra_tokens = 0

    def _allowed_keys(self, real):
        """(batch, n, n) mask of the keys each query attends to: causal, and
        only positions that hold an item."""
        n = real.shape[1]
        causal = torch.ones(n, n, dtype=torch.bool, device=real.device).tril()
        return causal[None, :, :] & real[:, None, :]

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(0.0, self.initializer_range)
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()

    def forward(self, input_ids, last_only=False, padding_outputs=False):
        """Encode left-padded item ids of shape (batch, width).

        ``width <= max_seq_length``; column ``-1`` holds the most recent item
        and gets the last position embedding, so inputs whose left columns are
        all padding may be trimmed to save time without changing the result.

        Only *active* positions are computed: from each row's first item on
        (items masked to 0 inside a sequence included), and always the last
        column. The output at an active position does not depend on how wide
        the batch is padded; rows without any item attend to their last
        position only. Left-padding positions are returned as zeros, unless
        ``padding_outputs``: then every position is computed as in the
        reference implementation (a padding query attends over the whole row),
        which the flattened contrastive representation of CoSeRec needs.

        Returns the hidden state of every position, shape
        (batch, width, hidden_size), or of the last position only, shape
        (batch, 1, hidden_size), when ``last_only`` (cheaper: the last block
        then computes a single query).
        """
        b, n = input_ids.shape
        if n > self.max_seq_length:
            raise ValueError(
                f"Got sequences of width {n}; the module was built for "
                f"max_seq_length={self.max_seq_length}."
            )
        device = input_ids.device
        real = input_ids > 0
        allowed = self._allowed_keys(real)
        if not padding_outputs:
            # A row without items attends to its last position only.
            allowed[~real.any(1), -1, -1] = True
        if padding_outputs or not self.skip_padding:
            layout = _Layout(b, n)
        else:
            active = real.cumsum(1) > 0
            active[:, -1] = True
            layout = _Layout(b, n, None if bool(active.all()) else
                             active.view(-1).nonzero().squeeze(1))
        # The last column is always the last position: a narrower input is a
        # left-trimmed padded one (trimming all-padding columns is exact).
        start = self.max_seq_length - n
        positions = torch.arange(start, start + n, device=device).expand(b, n)
        ids = layout.pack(input_ids[..., None])[:, 0]
        pos = layout.pack(positions[..., None])[:, 0]
        x = self.dropout(self.norm(self.item_embedding(ids) + self.position_embedding(pos)))
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=device)
        bias = bias.masked_fill(~allowed, _MASKED)[:, None]  # (b, 1, n, n)
        for i, block in enumerate(self.blocks):
            x = block(x, bias, layout, last_only and i == len(self.blocks) - 1)
        if last_only:
            return (x if len(self.blocks) else layout.last(x))[:, None]
        return layout.pad(x)

    def item_scores(self, hidden):
        """Dot-product scores of hidden states against every item.

        ``hidden`` has shape (..., hidden_size); the result has shape
        (..., n_items), column ``j`` scoring internal item ``j + 1``.
        """
        return hidden @ self.item_embedding.weight[1 : self.n_items + 1].T

    def candidate_scores(self, hidden, items):
        """Scores of given items: ``hidden`` (..., hidden_size) against the
        embeddings of ``items`` (...); shapes broadcast, e.g. hidden
        (P, 1, d) with items (P, n) gives (P, n)."""
        return (hidden * self.item_embedding(items)).sum(-1)


def next_item_loss(module, hidden, targets, negatives=None, kind="bce", normalizer=None,
                   log_q=None):
    """Next-item loss over every position that has a target.

    Only real positions (``targets > 0``) are scored: padding costs nothing.
    Scores come from the encoder: ``module.item_scores(h)`` (every item) and
    ``module.candidate_scores(h, ids)`` (given items).

    Parameters
    ----------
    module : SASRecModule, GRU4RecModule, BERT4RecModule or any encoder with
        ``item_scores`` and ``candidate_scores``
    hidden : Tensor of shape (batch, length, hidden_size)
        Encoder output.
    targets : LongTensor of shape (batch, length)
        Internal id of the next item at each position, ``0`` where there is
        none (padding).
    negatives : LongTensor of shape (batch, length) or (batch, length, n), default=None
        Sampled negatives of each position, one or ``n`` (needed unless
        ``kind="ce"``).
    kind : {"bce", "ce", "sampled_softmax"}, default="bce"
        ``"bce"``: binary cross-entropy of the positive against the sampled
        negatives, ``-log s(pos) - sum_j log(1 - s(neg_j))`` (SASRec with one
        negative); ``"ce"``: softmax cross-entropy over all items;
        ``"sampled_softmax"``: softmax cross-entropy over the positive and the
        ``n`` sampled negatives, every logit corrected by ``- log_q`` of its
        item when ``log_q`` is given.
    normalizer : float or None, default=None
        The sum of the per-position losses is divided by it; ``None`` divides
        by the number of positions with a target (the mean).
    log_q : Tensor of shape (n_items + 1,) or None, default=None
        Log sampling probability of every internal id (the logQ correction
        of sampled softmax, Bengio and Senecal 2008; Yi et al. 2019); ``None``
        is uniform sampling, where the correction is a constant and cancels.

    Returns
    -------
    loss : scalar Tensor

    Examples
    --------
    >>> import torch
    >>> m = SASRecModule(n_items=3, hidden_size=4, n_heads=1, inner_size=4,
    ...                  max_seq_length=3)
    >>> h = torch.zeros(1, 3, 4)  # all scores 0: each position costs 2 log 2
    >>> loss = next_item_loss(m, h, torch.tensor([[0, 1, 2]]), torch.tensor([[3, 3, 3]]))
    >>> round(float(loss.detach()), 4)
    1.3863
    >>> neg = torch.tensor([[[3, 3], [3, 3], [3, 3]]])  # 3 equal logits: log 3
    >>> loss = next_item_loss(m, h, torch.tensor([[0, 1, 2]]), neg, kind="sampled_softmax")
    >>> round(float(loss.detach()), 4)
    1.0986
    """
    if kind not in ("bce", "ce", "sampled_softmax"):
        raise ValueError(f"kind must be 'bce', 'ce' or 'sampled_softmax', got {kind!r}.")
    is_target = targets > 0
    h = hidden[is_target]
    t = targets[is_target]
    denominator = (
        max(int(t.shape[0]), 1) if normalizer is None else float(normalizer)
    )
    if h.shape[0] == 0:
        return hidden.sum() * 0.0
    if kind == "ce":
        logits = module.item_scores(h)
        return F.cross_entropy(logits, t - 1, reduction="sum") / denominator
    if negatives is None:
        raise ValueError(f"kind={kind!r} needs sampled negatives.")
    neg_ids = negatives[is_target]
    pos = module.candidate_scores(h, t)
    if neg_ids.dim() == 1:  # one negative per position
        neg_ids = neg_ids[:, None]
    neg = module.candidate_scores(h[:, None, :], neg_ids)  # (positions, n)
    if kind == "bce":
        # -log s(p) - sum_j log(1 - s(n_j))
        per_position = F.softplus(-pos) + F.softplus(neg).sum(-1)
        return per_position.sum() / denominator
    logits = torch.cat([pos[:, None], neg], dim=1)
    if log_q is not None:
        logits = logits - log_q[torch.cat([t[:, None], neg_ids], dim=1)]
    zeros = torch.zeros(len(logits), dtype=torch.long, device=logits.device)
    return F.cross_entropy(logits, zeros, reduction="sum") / denominator


def sequence_representation(hidden, input_ids, kind="last"):
    """One vector per sequence from an encoder output, for a contrastive loss.

    Parameters
    ----------
    hidden : Tensor of shape (batch, width, hidden_size)
        Encoder output of left-padded ``input_ids``.
    input_ids : LongTensor of shape (batch, width)
        The encoded ids (``0`` for padding and masked items).
    kind : {"last", "mean", "flatten"}, default="last"
        ``"last"``: the hidden state of the last position (the one that
        predicts the next item). ``"mean"``: the mean hidden state over the
        positions that hold an item (the last position for a sequence without
        any). ``"flatten"``: every position's hidden state, concatenated
        (``width * hidden_size`` values; what the CoSeRec and TiCoSeRec
        reference code compares, with ``width = max_seq_length`` and the
        padding positions computed).

    Returns
    -------
    z : Tensor of shape (batch, dim)

    Examples
    --------
    >>> import torch
    >>> h = torch.tensor([[[1.0, 1.0], [2.0, 0.0], [4.0, 2.0]]])
    >>> ids = torch.tensor([[0, 7, 9]])
    >>> sequence_representation(h, ids, "last")
    tensor([[4., 2.]])
    >>> sequence_representation(h, ids, "mean")
    tensor([[3., 1.]])
    >>> sequence_representation(h, ids, "flatten")
    tensor([[1., 1., 2., 0., 4., 2.]])
    """
    if hidden.dim() != 3 or hidden.shape[:2] != input_ids.shape:
        raise ValueError(
            f"hidden must have shape (batch, width, hidden_size) matching "
            f"input_ids {tuple(input_ids.shape)}, got {tuple(hidden.shape)}."
        )
    if kind == "last":
        return hidden[:, -1]
    if kind == "flatten":
        return hidden.reshape(hidden.shape[0], -1)
    if kind != "mean":
        raise ValueError(f"kind must be 'last', 'mean' or 'flatten', got {kind!r}.")
    real = (input_ids > 0).to(hidden.dtype)
    count = real.sum(1, keepdim=True)
    mean = (hidden * real[..., None]).sum(1) / count.clamp_min(1)
    return torch.where(count > 0, mean, hidden[:, -1])
