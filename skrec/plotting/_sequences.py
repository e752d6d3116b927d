"""Plots of sequence frames: the distribution of time-gap variance."""

import numpy as np

from ..sequence import check_sequence_frame, gap_variance
from ..utils._optional import import_optional

__all__ = ["plot_gap_variance"]


def plot_gap_variance(
    X_before,
    X_after=None,
    *,
    ax=None,
    log=True,
    time_unit=86400,
    bins=40,
    labels=("before", "after"),
):
    """Histogram of the per-sequence gap variance, before and after augmentation.

    TiCoSeRec's central observation is that sequences with uniform time gaps
    (low gap variance) train better; time-interval-aware augmentation shifts
    this distribution towards 0. This plot shows both distributions on shared
    bins.

    Parameters
    ----------
    X_before : pandas.DataFrame
        Sequence frame (for example the training sequences).
    X_after : pandas.DataFrame, default=None
        The augmented sequence frame; masked items (id 0) are accepted.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure is created by default.
    log : bool, default=True
        Plot ``log10(1 + variance)`` instead of the variance (the variance
        spans many orders of magnitude).
    time_unit : float, default=86400
        Gaps are divided by this before squaring: 86400 gives days for Unix
        seconds.
    bins : int, default=40
        Number of histogram bins shared by both distributions.
    labels : tuple of two str, default=("before", "after")
        Legend labels.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.augmentation import TiCrop
    >>> from skrec.plotting import plot_gap_variance
    >>> X = make_sequence_frame([[1, 2, 3, 4], [5, 6, 7]],
    ...                         [[0, 86400, 172800, 864000], [0, 0, 86400]])
    >>> ax = plot_gap_variance(X, TiCrop(rate=0.75).fit_transform(X))
    >>> ax.get_xlabel()
    'log10(1 + gap variance) [days²]'
    """
    plt = import_optional("matplotlib.pyplot", "plot")
    if not (isinstance(time_unit, (int, float)) and time_unit > 0):
        raise ValueError(f"time_unit must be a positive number, got {time_unit!r}.")
    frames = [X_before] if X_after is None else [X_before, X_after]
    variances = []
    for X in frames:
        ragged = check_sequence_frame(X, allow_empty_sequences=True, allow_zero_items=True)
        v = gap_variance(ragged) / float(time_unit) ** 2
        variances.append(np.log10(1.0 + v) if log else v)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    both = np.concatenate(variances)
    edges = np.histogram_bin_edges(both, bins=bins)
    for v, label in zip(variances, labels):
        ax.hist(v, bins=edges, alpha=0.55, label=f"{label} (median {np.median(v):.3g})")
    unit = {86400: "days²", 3600: "hours²", 1: "s²"}.get(time_unit, "units²")
    ax.set_xlabel(f"log10(1 + gap variance) [{unit}]" if log else f"gap variance [{unit}]")
    ax.set_ylabel("sequences")
    ax.set_title("Time-gap variance per sequence")
    ax.legend()
    return ax
