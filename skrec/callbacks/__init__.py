"""skorch callbacks."""

from skrec.callbacks._budget import TimeBudget
from skrec.callbacks._cooldown import Cooldown
from skrec.callbacks._tasks import ProgressiveTaskWeighting, TaskDominance
from skrec.callbacks._two_phase import TwoPhaseTraining

__all__ = [
    "Cooldown",
    "ProgressiveTaskWeighting",
    "TaskDominance",
    "TimeBudget",
    "TwoPhaseTraining",
]
