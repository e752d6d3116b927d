"""Metrics: ranking (HR/NDCG/MRR@K), imbalanced classification and
deep-imbalanced-regression shot-region scores."""

from skrec.metrics._beyond_accuracy import (
    catalog_coverage_at_k,
    gini_at_k,
    intra_list_diversity_at_k,
    novelty_at_k,
)
from skrec.metrics._imbalance import (
    f1_gmean_report,
    f1_gmean_scoring,
    f1_then_gmean,
)
from skrec.metrics._ranking import (
    hit_rate_at_k,
    make_ranking_scorer,
    mrr_at_k,
    ndcg_at_k,
    rank_of_target,
    ranking_scores,
    sampled_rank_of_target,
)
from skrec.metrics._regression import (
    make_shot_region_scorer,
    shot_region_scores,
    shot_regions,
)

__all__ = [
    "catalog_coverage_at_k",
    "gini_at_k",
    "intra_list_diversity_at_k",
    "novelty_at_k",
    "f1_gmean_report",
    "f1_gmean_scoring",
    "f1_then_gmean",
    "hit_rate_at_k",
    "make_ranking_scorer",
    "mrr_at_k",
    "ndcg_at_k",
    "rank_of_target",
    "sampled_rank_of_target",
    "ranking_scores",
    "make_shot_region_scorer",
    "shot_region_scores",
    "shot_regions",
]
