"""Plot the error of a regressor along the target, by shot region."""

import numpy as np

from skrec.metrics._regression import (
    _bin_index,
    _bin_spec,
    _check_target,
    _check_thresholds,
)
from skrec.utils._optional import import_optional

__all__ = ["plot_error_by_region"]

_REGION_COLORS = {"many": "#d9f0d3", "medium": "#fff2b3", "few": "#f8c9c4"}


def plot_error_by_region(
    y_true,
    y_pred,
    y_train,
    *,
    bin_width=1.0,
    bins=None,
    many_shot_threshold=100,
    few_shot_threshold=20,
    ax=None,
    show_train_hist=True,
):
    """Mean absolute error per target bin, over a background of shot regions.

    Each evaluated sample is put in the bin of its TRUE target; the plot
    shows the MAE of every non-empty bin (one line per model) and shades the
    target axis by shot region (many / medium / few, from the training
    histogram as in :func:`skrec.metrics.shot_region_scores`). The training
    histogram is drawn on a second axis.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True targets of the evaluated samples.
    y_pred : array-like of shape (n_samples,) or dict of str to array-like
        Predictions, or ``{model name: predictions}`` to compare models.
    y_train : array-like of shape (n_train,)
        Training labels that define the bins and regions.
    bin_width, bins, many_shot_threshold, few_shot_threshold
        As in :func:`skrec.metrics.shot_region_scores`.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.
    show_train_hist : bool, default=True
        Draw the training-label counts per bin on a twin axis (log scale).

    Returns
    -------
    ax : matplotlib Axes
        The axes holding the error curves.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skrec.plotting import plot_error_by_region
    >>> rng = np.random.default_rng(0)
    >>> y_train = rng.gamma(2.0, 2.0, size=2000)
    >>> y_test = rng.gamma(2.0, 2.0, size=500)
    >>> ax = plot_error_by_region(y_test, y_test + rng.normal(size=500), y_train)
    >>> ax.get_ylabel()
    'MAE per bin'
    """
    plt = import_optional("matplotlib.pyplot", "plot")
    y_true = _check_target(y_true, "y_true")
    y_train = _check_target(y_train, "y_train")
    if y_train.size == 0:
        raise ValueError("y_train is empty; the regions need training labels.")
    _check_thresholds(many_shot_threshold, few_shot_threshold)
    preds = dict(y_pred) if isinstance(y_pred, dict) else {None: y_pred}
    if not preds:
        raise ValueError("y_pred is an empty dict; give at least one model's predictions.")
    preds = {name: _check_target(p, f"y_pred[{name!r}]" if name else "y_pred") for name, p in preds.items()}
    for name, p in preds.items():
        if p.shape != y_true.shape:
            raise ValueError(
                f"predictions {name or ''} have {p.shape[0]} values for {y_true.shape[0]} targets."
            )

    origin, width, n_bins = _bin_spec(y_train, bin_width, bins)
    train_idx = _bin_index(y_train, origin, width, n_bins)
    test_idx = _bin_index(y_true, origin, width, n_bins)
    valid = test_idx >= 0
    lo = int(min(train_idx[train_idx >= 0].min(), test_idx[valid].min() if valid.any() else 0))
    hi = int(max(train_idx.max(), test_idx[valid].max() if valid.any() else 0))
    size = hi - lo + 1
    train_counts = np.bincount(train_idx[train_idx >= 0] - lo, minlength=size)
    test_counts = np.bincount(test_idx[valid] - lo, minlength=size)
    edges = origin + (np.arange(size + 1) + lo) * width
    centers = (edges[:-1] + edges[1:]) / 2

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    region = np.where(
        train_counts > many_shot_threshold,
        "many",
        np.where(train_counts < few_shot_threshold, "few", "medium"),
    )
    # shade contiguous runs of bins of one region (a handful of spans)
    starts = np.r_[0, np.flatnonzero(region[1:] != region[:-1]) + 1]
    ends = np.r_[starts[1:], size]
    labelled = set()
    for s, e in zip(starts, ends):
        r = region[s]
        ax.axvspan(edges[s], edges[e], color=_REGION_COLORS[r], zorder=0,
                   label=f"{r}-shot" if r not in labelled else None)
        labelled.add(r)
    for name, p in preds.items():
        err = np.bincount(test_idx[valid] - lo, weights=np.abs(y_true - p)[valid], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mae = np.where(test_counts > 0, err / np.maximum(test_counts, 1), np.nan)
        ax.plot(centers, mae, marker=".", label=name, zorder=3)
    ax.set_xlabel("target")
    ax.set_ylabel("MAE per bin")
    ax.set_xlim(edges[0], edges[-1])
    if show_train_hist:
        twin = ax.twinx()
        twin.step(centers, np.maximum(train_counts, 0.5), where="mid", color="0.4", lw=0.8, zorder=1)
        twin.set_yscale("log")
        twin.set_ylabel("training samples per bin", color="0.4")
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
    ax.legend(loc="upper left", fontsize="small")
    return ax
