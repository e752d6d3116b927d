"""Plot of the per-task dominance of shared layers (AdaTask's AU shares)."""

import numpy as np

from skrec.utils._optional import import_optional

__all__ = ["plot_task_dominance"]


def _records(source, key):
    """List of per-epoch dicts ``layer -> shares`` and task names."""
    names = None
    if hasattr(source, "dominance_"):  # the TaskDominance callback
        return list(source.dominance_), list(getattr(source, "task_names_", []) or [])
    if hasattr(source, "history"):  # a fitted net
        names = list(getattr(source, "task_names_", []) or [])
        records = [row[key] for row in source.history if key in row]
        if not records:
            raise ValueError(
                f"The net's history has no {key!r} entries; fit it with the "
                "skrec.callbacks.TaskDominance callback."
            )
        return records, names
    return list(source), names


def plot_task_dominance(
    source, layers=None, task_names=None, key="task_dominance", axes=None
):
    """Plot each task's share of the updates of shared layers over epochs.

    One panel per layer, a stacked area per task: a task whose band fills
    most of a panel dominates that layer's updates.

    Parameters
    ----------
    source : MultiTaskNet, TaskDominance or list of dict
        A net fitted with the :class:`~skrec.callbacks.TaskDominance`
        callback, the callback itself, or its records (one dict per epoch,
        layer name -> shares).
    layers : list of str or None, default=None
        Layers to show (``None``: all recorded layers).
    task_names : list of str or None, default=None
        Legend labels (default: the net's task names).
    key : str, default="task_dominance"
        History key the callback wrote to.
    axes : array of matplotlib Axes or None, default=None
        One axes per layer; created when ``None``.

    Returns
    -------
    axes : ndarray of matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skrec.plotting import plot_task_dominance
    >>> records = [{"bottom.0": [0.9, 0.1]}, {"bottom.0": [0.6, 0.4]}]
    >>> axes = plot_task_dominance(records, task_names=["click", "spend"])
    >>> axes.shape
    (1,)
    """
    plt = import_optional("matplotlib.pyplot", "plot")
    records, names = _records(source, key)
    if not records:
        raise ValueError("No dominance records to plot.")
    all_layers = list(records[-1])
    if layers is None:
        layers = all_layers
    missing = [layer for layer in layers if layer not in all_layers]
    if missing:
        raise ValueError(f"Layers {missing} were not recorded; recorded: {all_layers}.")
    n_tasks = len(records[-1][layers[0]])
    labels = task_names or names or [f"task{k}" for k in range(n_tasks)]
    if axes is None:
        _, axes = plt.subplots(
            1, len(layers), figsize=(3.2 * len(layers), 3), squeeze=False
        )
        axes = axes.ravel()
    axes = np.atleast_1d(axes)
    if len(axes) != len(layers):
        raise ValueError(f"Got {len(axes)} axes for {len(layers)} layers.")
    epochs = np.arange(1, len(records) + 1)
    for ax, layer in zip(axes, layers):
        shares = np.array([r.get(layer, [np.nan] * n_tasks) for r in records]).T
        ax.stackplot(epochs, shares, labels=labels, alpha=0.85)
        ax.set_ylim(0, 1)
        ax.set_xlim(epochs[0], epochs[-1] if len(epochs) > 1 else epochs[0] + 1)
        ax.set_title(layer, fontsize=9)
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("share of squared updates (AU)")
    axes[-1].legend(loc="upper right", fontsize=8)
    return axes
