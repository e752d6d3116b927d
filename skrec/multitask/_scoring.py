"""Per-task scores of a multi-task network and the scorer factory for model selection."""

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)

__all__ = ["make_task_scorer"]

_METRICS = {
    "roc_auc": ("proba", ("binary", "multiclass")),
    "average_precision": ("proba", ("binary",)),
    "neg_log_loss": ("proba", ("binary", "multiclass")),
    "accuracy": ("label", ("binary", "multiclass")),
    "r2": ("value", ("regression",)),
    "neg_mean_squared_error": ("value", ("regression",)),
    "neg_root_mean_squared_error": ("value", ("regression",)),
    "neg_mean_absolute_error": ("value", ("regression",)),
}
_DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}


def _metric(metric, task, y_true, out):
    """Score one task: ``out`` is the raw network output slice (n, dim)."""
    if callable(metric):
        return float(
            metric(
                y_true,
                _decode(task, out, "value" if task.kind == "regression" else "proba"),
            )
        )
    if metric not in _METRICS:
        raise ValueError(
            f"Unknown metric {metric!r}; use one of {sorted(_METRICS)} or a callable."
        )
    what, kinds = _METRICS[metric]
    if task.kind not in kinds:
        raise ValueError(
            f"Metric {metric!r} does not apply to the {task.kind} task {task.name!r}."
        )
    pred = _decode(task, out, what)
    if metric == "roc_auc":
        if task.kind == "binary":
            return roc_auc_score(y_true, pred[:, 1])
        return roc_auc_score(y_true, pred, multi_class="ovr", labels=task.classes)
    if metric == "average_precision":
        return average_precision_score(y_true == task.classes[1], pred[:, 1])
    if metric == "neg_log_loss":
        return -log_loss(y_true, pred, labels=task.classes)
    if metric == "accuracy":
        return accuracy_score(y_true, pred)
    if metric == "r2":
        return r2_score(y_true, pred)
    if metric == "neg_mean_squared_error":
        return -mean_squared_error(y_true, pred)
    if metric == "neg_root_mean_squared_error":
        return -float(np.sqrt(mean_squared_error(y_true, pred)))
    return -mean_absolute_error(y_true, pred)


def _decode(task, out, what):
    """Turn a raw output slice into labels, probabilities or values."""
    if task.kind == "regression":
        return out[:, 0].astype(np.float64) * task.scale + task.mean
    if task.kind == "binary":
        p = 1.0 / (1.0 + np.exp(-out[:, 0].astype(np.float64)))
        proba = np.column_stack([1.0 - p, p])
    else:
        z = out.astype(np.float64)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        proba = z / z.sum(axis=1, keepdims=True)
    if what == "proba":
        return proba
    return task.classes[proba.argmax(axis=1)]


class _TaskScorer:
    """Picklable scorer ``(estimator, X, y) -> float`` (see make_task_scorer)."""

    def __init__(self, task=None, metric=None):
        self.task = task
        self.metric = metric

    def __call__(self, estimator, X, y):
        if self.task is None:
            if self.metric is None:
                return estimator.score(X, y)
            scores = estimator.task_scores(X, y, scoring=self.metric)
            return float(np.mean(list(scores.values())))
        return estimator.task_scores(X, y, scoring={self.task: self.metric})[self.task]

    def __repr__(self):
        return f"make_task_scorer(task={self.task!r}, metric={self.metric!r})"


def make_task_scorer(task=None, metric=None):
    """Build a scorer for :class:`MultiTaskNet` usable as ``GridSearchCV(scoring=...)``.

    Parameters
    ----------
    task : str or None, default=None
        Name of the task to score (``tasks_`` names); ``None`` averages over
        all tasks.
    metric : str, callable or None, default=None
        One of ``"roc_auc"``, ``"average_precision"``, ``"neg_log_loss"``,
        ``"accuracy"`` (classification tasks), ``"r2"``,
        ``"neg_mean_squared_error"``, ``"neg_root_mean_squared_error"``,
        ``"neg_mean_absolute_error"`` (regression tasks), or a callable
        ``metric(y_true, y_score)`` receiving probabilities for classification
        tasks and values for regression tasks (greater is better). ``None``
        uses the task's default: ROC AUC (binary), accuracy (multiclass),
        R^2 (regression).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float``.

    Examples
    --------
    >>> from skrec.multitask import make_task_scorer
    >>> make_task_scorer("spend", "r2")
    make_task_scorer(task='spend', metric='r2')
    """
    return _TaskScorer(task, metric)
