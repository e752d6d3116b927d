"""Metrics: ranking (HR/NDCG/MRR@K), imbalanced classification and
deep-imbalanced-regression shot-region scores."""

__all__ = []
