"""Torch losses usable as a skorch ``criterion``."""

from skrec.losses._class_balanced import (
    ClassBalancedLoss,
    PerOutputClassBalancedLoss,
    class_balanced_weights,
)
from skrec.losses._conr import ConRLoss
from skrec.losses._contrastive import InfoNCELoss, info_nce
from skrec.losses._dice import DiceLoss

__all__ = [
    "ClassBalancedLoss",
    "ConRLoss",
    "DiceLoss",
    "InfoNCELoss",
    "PerOutputClassBalancedLoss",
    "class_balanced_weights",
    "info_nce",
]
