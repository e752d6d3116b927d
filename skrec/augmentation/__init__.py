"""Sequence augmentation as scikit-learn transformers.

The time-interval-aware operators of TiCoSeRec (:class:`TiCrop`,
:class:`TiReorder`, :class:`TiMask`, :class:`TiSubstitute`, :class:`TiInsert`),
the random operators of CoSeRec (:class:`RandomCrop`, :class:`RandomReorder`,
:class:`RandomMask`, :class:`RandomSubstitute`, :class:`RandomInsert`), the
length-aware control strategy :class:`LengthAwareAugmenter`, the item similarity
model :class:`ItemSimilarity` used by substitution and insertion, and
:class:`AugmentationSampler` for offline augmentation in an imbalanced-learn
pipeline.
"""

from ._base import BaseSequenceAugmenter
from ._control import LengthAwareAugmenter
from ._random import (
    RandomCrop,
    RandomInsert,
    RandomMask,
    RandomReorder,
    RandomSubstitute,
)
from ._sampler import AugmentationSampler
from ._similarity import ItemSimilarity
from ._ti import TiCrop, TiInsert, TiMask, TiReorder, TiSubstitute

__all__ = [
    "AugmentationSampler",
    "BaseSequenceAugmenter",
    "ItemSimilarity",
    "LengthAwareAugmenter",
    "RandomCrop",
    "RandomInsert",
    "RandomMask",
    "RandomReorder",
    "RandomSubstitute",
    "TiCrop",
    "TiInsert",
    "TiMask",
    "TiReorder",
    "TiSubstitute",
]
