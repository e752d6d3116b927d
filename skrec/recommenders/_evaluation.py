"""Full-ranking evaluation of a batch on the recommender's device."""

import torch


def _target_ranks(scores, targets, seen_rows, seen_items):
    """1-based full-ranking rank of each target (inf for a miss).

    Ties are pessimistic: items scoring exactly as the target rank before it.

    ``scores`` (batch, n_items) is modified in place: seen items get -inf.
    A target the user has already seen, or an unknown target (0), is a miss.
    """
    keep = seen_items > 0
    scores[seen_rows[keep], seen_items[keep] - 1] = float("-inf")
    rows = torch.arange(len(targets), device=scores.device)
    t_score = scores[rows, (targets - 1).clamp_min(0)]
    # Pessimistic ties (as skrec.metrics): equal scores rank before the target.
    ranks = torch.count_nonzero(scores >= t_score[:, None], dim=1).to(torch.float64)
    miss = (targets <= 0) | torch.isinf(t_score)
    return torch.where(miss, torch.full_like(ranks, float("inf")), ranks)
