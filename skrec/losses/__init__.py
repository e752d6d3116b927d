"""Torch losses usable as a skorch ``criterion``."""

from skrec.losses._class_balanced import (
    ClassBalancedLoss,
    PerOutputClassBalancedLoss,
    class_balanced_weights,
)
from skrec.losses._conr import ConRLoss
from skrec.losses._contrastive import InfoNCELoss, info_nce
from skrec.losses._dice import DiceLoss
from skrec.losses._imbalanced_regression import BalancedMSELoss, RankSimLoss

__all__ = [
    "BalancedMSELoss",
    "ClassBalancedLoss",
    "ConRLoss",
    "DiceLoss",
    "InfoNCELoss",
    "PerOutputClassBalancedLoss",
    "RankSimLoss",
    "class_balanced_weights",
    "info_nce",
]
