"""Plotting helpers (matplotlib is an optional dependency, imported lazily)."""

from skrec.plotting._multitask import plot_task_dominance
from skrec.plotting._regression import plot_error_by_region
from skrec.plotting._sequences import plot_gap_variance

__all__ = [
    "plot_error_by_region",
    "plot_gap_variance",
    "plot_task_dominance",
]
