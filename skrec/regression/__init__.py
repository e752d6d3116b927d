"""Deep imbalanced regression: the ConR regressor and LDS sample weights."""

from skrec.regression._conr import ConRMLP, ConRRegressor, FeatureDropout, GaussianNoise
from skrec.regression._lds import lds_weights

__all__ = ["ConRMLP", "ConRRegressor", "FeatureDropout", "GaussianNoise", "lds_weights"]
