"""Multi-task learning for hybrid targets (binary, multiclass and continuous).

:class:`MultiTaskNet` is a scikit-learn compatible skorch estimator; the torch
modules (:class:`SharedBottom`, :class:`MMoE`, :class:`PLE`, :class:`HTLNet`)
can also be used directly. Task-weighting strategies
(:class:`UncertaintyWeighting`, :class:`DynamicWeightAverage`,
:class:`GradNorm`, :class:`PCGrad`, :class:`MetaBalance`) plug into
``MultiTaskNet(loss_weighting=...)``.
"""

from skrec.multitask._gradients import htl_adjust_gradients
from skrec.multitask._loss import MultiTaskLoss
from skrec.multitask._modules import (
    ESMM,
    PLE,
    FeatureEmbedding,
    HTLNet,
    MMoE,
    SharedBottom,
)
from skrec.multitask._net import MultiTaskNet
from skrec.multitask._scoring import make_task_scorer
from skrec.multitask._tasks import TASK_KINDS, Task  # noqa: F401  (importable, not API-listed)
from skrec.multitask._weighting import (
    DynamicWeightAverage,
    GradNorm,
    MetaBalance,
    PCGrad,
    UncertaintyWeighting,
)

__all__ = [
    "DynamicWeightAverage",
    "ESMM",
    "FeatureEmbedding",
    "GradNorm",
    "MetaBalance",
    "PCGrad",
    "UncertaintyWeighting",
    "HTLNet",
    "MMoE",
    "MultiTaskLoss",
    "MultiTaskNet",
    "PLE",
    "SharedBottom",
    "htl_adjust_gradients",
    "make_task_scorer",
]
