"""Samplers with imbalanced-learn's API for classes, groups and continuous targets.

Every sampler exposes ``fit_resample`` and works inside
:class:`imblearn.pipeline.Pipeline`. The pure functions
:func:`temperature_probabilities` and :func:`temperature_weights` give the
temperature-sampling probabilities and the matching loss weights.
"""

from skrec.sampling._base import WeightCarryingMixin
from skrec.sampling._batch import TemperatureBatchSampler
from skrec.sampling._group import BalancedGroupSampler, bin_scores
from skrec.sampling._regression import (
    RegressionRandomOverSampler,
    RegressionRandomUnderSampler,
)
from skrec.sampling._relevance import (
    density_relevance,
    extremes_relevance,
    relevance_bins,
)
from skrec.sampling._smoter import SMOGN, SMOTER
from skrec.sampling._temperature import (
    TemperatureSampler,
    temperature_probabilities,
    temperature_weights,
)

__all__ = [
    "WeightCarryingMixin",
    "TemperatureBatchSampler",
    "BalancedGroupSampler",
    "bin_scores",
    "RegressionRandomOverSampler",
    "SMOGN",
    "SMOTER",
    "RegressionRandomUnderSampler",
    "density_relevance",
    "extremes_relevance",
    "relevance_bins",
    "TemperatureSampler",
    "temperature_probabilities",
    "temperature_weights",
]
