import math
from functools import partial

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate

from skrec.metrics import f1_gmean_report, f1_gmean_scoring, f1_then_gmean

# Confusion matrix (positive = 1): TP = 2, FN = 1, FP = 2, TN = 5.
Y_TRUE = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
Y_PRED = np.array([1, 1, 0, 1, 1, 0, 0, 0, 0, 0])


def test_binary_report_hand_computed():
    tp, fn, fp, tn = 2, 1, 2, 5
    sens, spec, prec = tp / (tp + fn), tn / (tn + fp), tp / (tp + fp)
    mcc = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    report = f1_gmean_report(Y_TRUE, Y_PRED, output_dict=True)
    assert list(report)[:2] == ["f1", "g_mean"]  # the recommended order
    assert report["f1"] == pytest.approx(2 * prec * sens / (prec + sens))
    assert report["g_mean"] == pytest.approx(math.sqrt(sens * spec))
    assert report["sensitivity"] == pytest.approx(sens)
    assert report["specificity"] == pytest.approx(spec)
    assert report["precision"] == pytest.approx(prec)
    assert report["mcc"] == pytest.approx(mcc)
    assert report["support"] == 10
    assert report["prevalence"] == pytest.approx(0.3)


def test_pos_label_selects_the_minority_class():
    labels = np.where(Y_TRUE == 1, "fraud", "ok")
    preds = np.where(Y_PRED == 1, "fraud", "ok")
    a = f1_gmean_report(labels, preds, pos_label="fraud", output_dict=True)
    b = f1_gmean_report(Y_TRUE, Y_PRED, output_dict=True)
    assert a == pytest.approx(b)


def test_scores_hand_computed_ranking_metrics():
    # scores rank two positives above all negatives, the third below one negative
    score = np.array([0.9, 0.8, 0.3, 0.7, 0.6, 0.4, 0.2, 0.1, 0.05, 0.0])
    report = f1_gmean_report(Y_TRUE, Y_PRED, y_score=score, output_dict=True)
    # positive pairs ranked correctly: 7 + 7 + 4 (of 21)
    assert report["roc_auc"] == pytest.approx(18 / 21)
    # precision at each positive: 1, 1, 3/6 -> AP = (1 + 1 + 0.5) / 3
    assert report["average_precision"] == pytest.approx(2.5 / 3)


def test_multiclass_report():
    y_true = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 0, 1, 1, 1, 2, 0])
    report = f1_gmean_report(y_true, y_pred, average="macro", output_dict=True)
    recalls = [3 / 4, 2 / 2, 1 / 2]
    assert report["g_mean"] == pytest.approx(np.prod(recalls) ** (1 / 3))
    assert report["sensitivity"] == pytest.approx(np.mean(recalls))
    assert report["prevalence"] == pytest.approx(2 / 8)
    proba = np.eye(3)[y_pred] * 0.8 + 0.2 / 3
    report = f1_gmean_report(
        y_true, y_pred, y_score=proba, average="macro", output_dict=True
    )
    assert 0.5 < report["roc_auc"] <= 1.0


def test_text_report_lists_the_same_numbers():
    text = f1_gmean_report(Y_TRUE, Y_PRED, digits=4)
    values = dict(line.split() for line in text.splitlines()[1:])
    report = f1_gmean_report(Y_TRUE, Y_PRED, output_dict=True)
    for key, value in report.items():
        assert float(values[key]) == pytest.approx(value, abs=1e-4)


def test_bad_input():
    with pytest.raises(ValueError, match="different lengths"):
        f1_gmean_report([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="NaN"):
        f1_gmean_report([0.0, np.nan], [0, 1])
    with pytest.raises(ValueError, match="pos_label"):
        f1_gmean_report([0, 1], [0, 1], pos_label=2)
    with pytest.raises(ValueError, match="average"):
        f1_gmean_report([0, 1], [0, 1], average="samples")
    with pytest.raises(ValueError, match="1-D"):
        f1_gmean_report([0, 1], [0, 1], y_score=[[0.1, 0.9], [0.8, 0.2]])
    with pytest.raises(ValueError, match="NaN"):
        f1_gmean_report([0, 1], [0, 1], y_score=[0.1, np.nan])


def test_f1_then_gmean_order_of_priority():
    results = {
        "mean_test_f1": [0.50, 0.62, 0.62, np.nan],
        "mean_test_g_mean": [0.99, 0.70, 0.75, 1.0],
    }
    assert f1_then_gmean(results) == 2
    assert partial(f1_then_gmean, tol=0.2)(results) == 0
    with pytest.raises(KeyError, match="f1_gmean_scoring"):
        f1_then_gmean({"mean_test_score": [1.0]})
    with pytest.raises(ValueError, match="tol"):
        f1_then_gmean(results, tol=-1)


def test_scoring_in_model_selection():
    X, y = make_classification(300, weights=[0.9], flip_y=0.0, random_state=0)
    scores = cross_validate(
        LogisticRegression(), X, y, scoring=f1_gmean_scoring(), cv=3
    )
    assert {"test_f1", "test_g_mean"} <= set(scores)
    search = GridSearchCV(
        LogisticRegression(),
        {"class_weight": [None, "balanced"]},
        scoring=f1_gmean_scoring(),
        refit=f1_then_gmean,
        cv=3,
    ).fit(X, y)
    f1 = search.cv_results_["mean_test_f1"]
    assert f1[search.best_index_] == f1.max()
    multi = f1_gmean_scoring(average="macro")
    assert set(multi) == {"f1", "g_mean"}
    with pytest.raises(ValueError, match="average"):
        f1_gmean_scoring(average="none")
