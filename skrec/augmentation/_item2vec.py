"""Item2Vec: skip-gram item embeddings and their cosine neighbour tables."""

import math

import numpy as np


def item2vec_tables(items, users, item_counts, *, seed, embedding_dim, window, negative,
                    epochs, batch_size, learning_rate, n_neighbors, block_size,
                    verbose=0):
    """Train skip-gram embeddings with negative sampling; top-k cosine neighbours.

    Parameters
    ----------
    items, users : ndarray of shape (n_events,)
        Table rows of the events (padding dropped) and their sequence ids.
    item_counts : ndarray of shape (n_rows,)
        Sequences holding each row's item (noise distribution ``** 0.75``).
    seed : int
        Seeds the initialisation, the shuffles and the negatives.

    Returns
    -------
    embeddings, neighbors, scores : ndarray
    loss_curve : list of float
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    # Padding ids are already dropped: neighbours in ``items`` that share
    # a user id are neighbours in that user's sequence.
    centre, context = _skipgram_pairs(items, users, window)

    n_rows = len(item_counts)
    dim, n_neg = embedding_dim, negative
    noise_table = torch.as_tensor(_noise_table(item_counts))
    bound = 0.5 / dim
    emb_in = (torch.rand(n_rows, dim, generator=generator) * 2 - 1) * bound
    emb_out = torch.zeros(n_rows, dim)
    params = (emb_in, emb_out)
    grads = (torch.zeros_like(emb_in), torch.zeros_like(emb_out))
    # Adam written out (torch.optim would import torch._dynamo, seconds).
    adam = _Adam(params, learning_rate)
    centre_t = torch.as_tensor(centre)
    context_t = torch.as_tensor(context)
    n_pairs = len(centre)
    # +1 for the true context, -1 for the negatives: loss = -logsig(sign*score)
    sign = torch.full((n_neg + 1,), -1.0)
    sign[0] = 1.0
    loss_curve = []
    for epoch in range(epochs):
        order = torch.randperm(n_pairs, generator=generator)
        total = 0.0
        for start in range(0, n_pairs, batch_size):
            idx = order[start : start + batch_size]
            batch = len(idx)
            c = centre_t.index_select(0, idx)
            draws = torch.randint(
                len(noise_table), (batch * n_neg,), generator=generator
            )
            targets = torch.cat(
                [
                    context_t.index_select(0, idx).unsqueeze(1),
                    noise_table.index_select(0, draws).view(batch, n_neg),
                ],
                dim=1,
            )  # (batch, 1 + negative)
            u = emb_in.index_select(0, c)  # (batch, dim)
            v = emb_out.index_select(0, targets.ravel()).view(batch, -1, dim)
            signed = (v * u.unsqueeze(1)).sum(-1) * sign
            total -= float(torch.nn.functional.logsigmoid(signed).sum())
            # d(mean loss)/d(score), then the two embedding gradients by hand
            # (cheaper than autograd on the gathers).
            g_score = (torch.sigmoid(signed) - 1.0) * sign / batch
            grads[0].zero_()
            grads[1].zero_()
            grads[0].index_add_(0, c, (g_score.unsqueeze(-1) * v).sum(1))
            grads[1].index_add_(
                0,
                targets.ravel(),
                (g_score.unsqueeze(-1) * u.unsqueeze(1)).view(-1, dim),
            )
            adam.step(grads)
        mean_loss = total / max(n_pairs, 1)
        loss_curve.append(mean_loss)
        if verbose:
            print(f"item2vec epoch {epoch + 1}/{epochs}  loss {mean_loss:.4f}")
    neighbors, scores = _top_k_cosine(emb_in, item_counts > 0, n_neighbors, block_size)
    return emb_in.numpy().copy(), neighbors, scores, loss_curve


class _Adam:
    """Minimal dense Adam (Kingma & Ba 2015) on plain tensors, in place."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        import torch

        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        b1, b2 = self.betas
        self.t += 1
        step = self.lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.addcdiv_(m, v.sqrt().add_(self.eps), value=-step)


def _noise_table(counts, size=1_000_000):
    """Table of item ids whose frequencies follow ``counts ** 0.75``.

    Uniform draws from the table are negative samples (as in word2vec).
    """
    weights = counts.astype(np.float64) ** 0.75
    cum = np.cumsum(weights)
    positions = (np.arange(size) + 0.5) * (cum[-1] / size)
    return np.searchsorted(cum, positions, side="right").astype(np.int64)


def _skipgram_pairs(items, seg, window):
    """All (centre, context) pairs at most ``window`` apart within sequences.

    ``seg`` holds the sequence id of every entry of ``items``.
    """
    centres, contexts = [], []
    for d in range(1, window + 1):  # loop over distances, not over data
        if len(items) <= d:
            break
        same = seg[d:] == seg[:-d]
        left, right = items[:-d][same], items[d:][same]
        centres += [left, right]
        contexts += [right, left]
    if not centres:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(centres), np.concatenate(contexts)


def _top_k_cosine(embeddings, seen, k, block_size):
    """Top-k cosine neighbours of every seen item, ranked in row blocks."""
    import torch

    n_rows = embeddings.shape[0]
    neighbors = np.repeat(np.arange(n_rows, dtype=np.int64)[:, None], k, axis=1)
    values = np.zeros((n_rows, k), dtype=np.float64)
    seen_ids = np.flatnonzero(seen)
    kk = min(k, len(seen_ids) - 1)
    if kk <= 0:
        return neighbors, values
    # Rank in float32 (fast), then report exact float64 cosines of the kept
    # neighbours and order them by those.
    norm = torch.nn.functional.normalize(embeddings.float(), dim=1)
    norm64 = torch.nn.functional.normalize(embeddings.double(), dim=1).numpy()
    # 0 for candidate columns, -inf for items never seen in training.
    bias = torch.where(torch.as_tensor(seen), 0.0, -math.inf).float()
    for start in range(0, len(seen_ids), block_size):
        q = seen_ids[start : start + block_size]
        q_t = torch.as_tensor(q)
        sims = torch.mm(norm.index_select(0, q_t), norm.T).add_(bias)
        sims[torch.arange(len(q)), q_t] = -math.inf  # never the item itself
        # One extra column reveals ties at the k-th place (kk < n_seen).
        vals, idx = torch.topk(sims, kk + 1, dim=1)
        vals, idx = vals.numpy(), idx.numpy().astype(np.int64)
        boundary_tie = vals[:, kk] == vals[:, kk - 1]
        vals, idx = vals[:, :kk], idx[:, :kk]
        for r in np.flatnonzero(boundary_tie):  # exact ties: rare
            row = sims[r].numpy()
            full = np.lexsort((np.arange(n_rows), -row))[:kk]
            idx[r], vals[r] = full, row[full]
        vals = np.einsum("qd,qkd->qk", norm64[q], norm64[idx])
        order = _row_lexsort(vals, idx)
        neighbors[q, :kk] = np.take_along_axis(idx, order, axis=1)
        values[q, :kk] = np.take_along_axis(vals, order, axis=1)
    return neighbors, values


def _row_lexsort(vals, idx):
    """Per-row order sorting by descending value, then ascending id."""
    n, k = vals.shape
    rows = np.repeat(np.arange(n), k)
    flat = np.lexsort((idx.ravel(), -vals.ravel(), rows))
    return (flat - rows * k).reshape(n, k)
