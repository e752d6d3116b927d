"""Metrics for (massively) imbalanced classification.

scikit-learn and imbalanced-learn compute the single scores (``f1_score``,
``geometric_mean_score``, ``matthews_corrcoef``, ...); this module bundles the
ones recommended for massively imbalanced, noisily labelled data into one report
and one model-selection rule, reusing those functions.
"""

import numbers

import numpy as np
from imblearn.metrics import (
    geometric_mean_score,
    sensitivity_score,
    specificity_score,
)
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    make_scorer,
    matthews_corrcoef,
    precision_score,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize
from sklearn.utils.multiclass import unique_labels

__all__ = ["f1_gmean_report", "f1_gmean_scoring", "f1_then_gmean"]

_AVERAGES = ("binary", "macro", "micro", "weighted")


def _check_labels(y, name):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D class labels, got shape {y.shape}.")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    if y.dtype == object:
        from pandas import isna

        if np.any(isna(y)):
            raise ValueError(f"{name} contains missing values.")
    return y


def f1_gmean_report(
    y_true,
    y_pred,
    *,
    y_score=None,
    pos_label=1,
    average="binary",
    labels=None,
    sample_weight=None,
    output_dict=False,
    digits=3,
):
    """F1 and g-mean first, with the scores that explain them.

    Kulatilleke & Samarakoon (2022) simulate extreme imbalance and annotation
    noise and recommend reporting F1 and the geometric mean of sensitivity and
    specificity (g-mean) together, in that order of priority. The report puts
    the two first and adds sensitivity, specificity, precision, the Matthews
    correlation coefficient (MCC) and, with ``y_score``, ROC AUC and average
    precision (an estimate of the area under the precision-recall curve):
    Gaudreault & Branco (2024) argue the opposite for noisy labels — prefer MCC
    and PR AUC, avoid F1 and g-mean — so both views are shown.

    Every score comes from scikit-learn or imbalanced-learn
    (:func:`~sklearn.metrics.f1_score`,
    :func:`~imblearn.metrics.geometric_mean_score`, ...).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes), \
            default=None
        Scores for the ranking metrics: of ``pos_label`` for binary
        ``average``, per class (columns in sorted label order) otherwise.
    pos_label : int, float, bool or str, default=1
        The positive (minority) class for ``average="binary"``.
    average : {"binary", "macro", "micro", "weighted"}, default="binary"
        Averaging of the per-class scores, as in scikit-learn. The g-mean of a
        multiclass problem is imbalanced-learn's ``average="multiclass"`` (the
        geometric mean of the per-class recalls) whatever ``average`` is.
    labels : array-like, default=None
        Labels to include (scikit-learn semantics).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    output_dict : bool, default=False
        Return a dict instead of a text table.
    digits : int, default=3
        Digits of the text table.

    Returns
    -------
    report : str or dict
        Text table, or ``{"f1", "g_mean", "sensitivity", "specificity",
        "precision", "mcc", ["roc_auc", "average_precision",] "support",
        "prevalence"}`` where ``prevalence`` is the share of ``pos_label``
        (binary) or of the smallest class.

    See Also
    --------
    imblearn.metrics.classification_report_imbalanced : Per-class report.
    f1_gmean_scoring : The two scores as scorers for model selection.
    f1_then_gmean : Pick a model by F1, then g-mean.

    References
    ----------
    .. [1] G. K. Kulatilleke and S. Samarakoon, "Empirical study of Machine
       Learning Classifier Evaluation Metrics behavior in Massively Imbalanced
       and Noisy data", arXiv:2208.11904, 2022.
    .. [2] J.-G. Gaudreault and P. Branco, "Empirical analysis of performance
       assessment for imbalanced classification", Machine Learning 113,
       5533-5575, 2024 (doi:10.1007/s10994-023-06497-5): prefers MCC and the
       area under the precision-recall curve, and advises against F1 and
       g-mean when labels are noisy.

    Examples
    --------
    >>> from skrec.metrics import f1_gmean_report
    >>> y_true = [0, 0, 0, 0, 0, 0, 1, 1]
    >>> y_pred = [0, 0, 0, 0, 0, 1, 1, 0]
    >>> report = f1_gmean_report(y_true, y_pred, output_dict=True)
    >>> round(report["f1"], 3), round(report["g_mean"], 3)
    (0.5, 0.645)
    >>> print(f1_gmean_report(y_true, y_pred))
    metric          value
    f1              0.500
    g_mean          0.645
    sensitivity     0.500
    specificity     0.833
    precision       0.500
    mcc             0.333
    support             8
    prevalence      0.250
    """
    y_true = _check_labels(y_true, "y_true")
    y_pred = _check_labels(y_pred, "y_pred")
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true and y_pred have different lengths ({y_true.shape[0]} and "
            f"{y_pred.shape[0]})."
        )
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}.")
    if (
        isinstance(digits, bool)
        or not isinstance(digits, numbers.Integral)
        or digits < 0
    ):
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}.")
    kw = {"labels": labels, "sample_weight": sample_weight}
    avg = {"average": average, "pos_label": pos_label}
    present = unique_labels(y_true, y_pred)
    if average == "binary":
        if pos_label not in present.tolist():
            raise ValueError(
                f"pos_label={pos_label!r} is not among the labels "
                f"{present.tolist()}; pass the minority class as pos_label."
            )
        g_mean = geometric_mean_score(
            y_true, y_pred, average="binary", pos_label=pos_label, **kw
        )
    else:
        g_mean = geometric_mean_score(y_true, y_pred, average="multiclass", **kw)
    report = {
        "f1": f1_score(y_true, y_pred, zero_division=0.0, **avg, **kw),
        "g_mean": g_mean,
        "sensitivity": sensitivity_score(y_true, y_pred, **avg, **kw),
        "specificity": specificity_score(y_true, y_pred, **avg, **kw),
        "precision": precision_score(y_true, y_pred, zero_division=0.0, **avg, **kw),
        "mcc": matthews_corrcoef(y_true, y_pred, sample_weight=sample_weight),
    }
    if y_score is not None:
        y_score = np.asarray(y_score, dtype=float)
        if y_score.shape[0] != y_true.shape[0]:
            raise ValueError(
                f"y_score has {y_score.shape[0]} rows but y_true has {y_true.shape[0]}."
            )
        if not np.all(np.isfinite(y_score)):
            raise ValueError("y_score contains NaN or infinite values.")
        if average == "binary":
            if y_score.ndim != 1:
                raise ValueError(
                    "With average='binary' y_score must be 1-D: the score of pos_label."
                )
            positive = y_true == pos_label
            report["roc_auc"] = roc_auc_score(
                positive, y_score, sample_weight=sample_weight
            )
            report["average_precision"] = average_precision_score(
                positive, y_score, sample_weight=sample_weight
            )
        else:
            classes = np.unique(y_true)
            report["roc_auc"] = roc_auc_score(
                y_true,
                y_score,
                multi_class="ovr",
                average="weighted" if average == "weighted" else "macro",
                sample_weight=sample_weight,
            )
            report["average_precision"] = average_precision_score(
                label_binarize(y_true, classes=classes),
                y_score,
                average=average,
                sample_weight=sample_weight,
            )
    report = {k: float(v) for k, v in report.items()}
    report["support"] = int(y_true.shape[0])
    if average == "binary":
        report["prevalence"] = float(np.mean(y_true == pos_label))
    else:
        _, counts = np.unique(y_true, return_counts=True)
        report["prevalence"] = float(counts.min() / counts.sum())
    if output_dict:
        return report
    lines = [f"{'metric':<12}{'value':>9}"]
    for key, value in report.items():
        text = str(value) if key == "support" else f"{value:.{digits}f}"
        lines.append(f"{key:<12}{text:>9}")
    return "\n".join(lines)


def f1_gmean_scoring(pos_label=1, average="binary"):
    """F1 and g-mean scorers for multi-metric model selection.

    Parameters
    ----------
    pos_label : int, float, bool or str, default=1
        The positive (minority) class for ``average="binary"``.
    average : {"binary", "macro", "micro", "weighted"}, default="binary"
        Averaging of F1; the g-mean of a multiclass problem is the geometric
        mean of the per-class recalls.

    Returns
    -------
    scoring : dict
        ``{"f1": scorer, "g_mean": scorer}`` for ``scoring=`` of
        :class:`~sklearn.model_selection.GridSearchCV` or
        :func:`~sklearn.model_selection.cross_validate`; combine with
        ``refit=f1_then_gmean``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skrec.metrics import f1_gmean_scoring, f1_then_gmean
    >>> X, y = make_classification(200, weights=[0.9], random_state=0)
    >>> search = GridSearchCV(
    ...     LogisticRegression(), {"class_weight": [None, "balanced"]},
    ...     scoring=f1_gmean_scoring(), refit=f1_then_gmean).fit(X, y)
    >>> sorted(k for k in search.cv_results_ if k.startswith("mean_test"))
    ['mean_test_f1', 'mean_test_g_mean']
    """
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}.")
    if average == "binary":
        g_mean = make_scorer(
            geometric_mean_score, average="binary", pos_label=pos_label
        )
        f1 = make_scorer(
            f1_score, average="binary", pos_label=pos_label, zero_division=0.0
        )
    else:
        g_mean = make_scorer(geometric_mean_score, average="multiclass")
        f1 = make_scorer(f1_score, average=average, zero_division=0.0)
    return {"f1": f1, "g_mean": g_mean}


def f1_then_gmean(cv_results, tol=0.0):
    """Index of the best candidate by F1, ties broken by g-mean.

    The selection rule of Kulatilleke & Samarakoon (2022): F1 first, g-mean
    second. Usable as ``refit=`` of a search scored with
    :func:`f1_gmean_scoring` (``functools.partial`` sets ``tol``).

    Parameters
    ----------
    cv_results : dict
        ``cv_results_`` with ``"mean_test_f1"`` and ``"mean_test_g_mean"``.
    tol : float, default=0.0
        Candidates within ``tol`` of the best F1 count as tied.

    Returns
    -------
    best_index : int

    Examples
    --------
    >>> from skrec.metrics import f1_then_gmean
    >>> results = {"mean_test_f1": [0.70, 0.71, 0.71],
    ...            "mean_test_g_mean": [0.95, 0.80, 0.85]}
    >>> f1_then_gmean(results)
    2
    >>> from functools import partial
    >>> partial(f1_then_gmean, tol=0.02)(results)
    0
    """
    try:
        f1 = np.asarray(cv_results["mean_test_f1"], dtype=float)
        g_mean = np.asarray(cv_results["mean_test_g_mean"], dtype=float)
    except KeyError as exc:
        raise KeyError(
            "f1_then_gmean needs cv_results_ keys 'mean_test_f1' and "
            "'mean_test_g_mean'; score the search with scoring=f1_gmean_scoring()."
        ) from exc
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a number >= 0, got {tol!r}.")
    f1 = np.where(np.isnan(f1), -np.inf, f1)
    g_mean = np.where(np.isnan(g_mean), -np.inf, g_mean)
    tied = np.flatnonzero(f1 >= f1.max() - tol)
    return int(tied[np.argmax(g_mean[tied])])
