"""Deep imbalanced regression: the ConR regressor, rarity weights (LDS, DenseWeight)
and the fold-safe DensityWeightedRegressor."""

from skrec.regression._conr import ConRMLP, ConRRegressor, FeatureDropout, GaussianNoise
from skrec.regression._density import DensityWeightedRegressor, kde_weights
from skrec.regression._fds import FDS
from skrec.regression._lds import lds_weights

__all__ = [
    "ConRMLP",
    "ConRRegressor",
    "DensityWeightedRegressor",
    "FDS",
    "FeatureDropout",
    "GaussianNoise",
    "kde_weights",
    "lds_weights",
]
