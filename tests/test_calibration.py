from fractions import Fraction

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from skrec.calibration import PriorCorrectionClassifier


class TableClassifier(ClassifierMixin, BaseEstimator):
    """Returns the first n_classes columns of X as its probabilities."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.asarray(X, dtype=float)[:, : len(self.classes_)]

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


# scikit-learn's estimator checks on PriorCorrectionClassifier(LogisticRegression())
# run in tests/test_common.py (the common suite over every public estimator).


# Training labels: 6 x "a", 3 x "b", 1 x "c" -> priors (0.6, 0.3, 0.1).
Y_TRAIN = np.array(["a"] * 6 + ["b"] * 3 + ["c"])
X_TRAIN = np.full((10, 3), 1 / 3)
ROW = np.array([[0.5, 0.3, 0.2]])


def test_hand_worked_uniform_target():
    # (0.5/0.6, 0.3/0.3, 0.2/0.1) = (5/6, 1, 2), sum 23/6 -> (5, 6, 12) / 23
    clf = PriorCorrectionClassifier(TableClassifier()).fit(X_TRAIN, Y_TRAIN)
    np.testing.assert_allclose(clf.train_priors_, [0.6, 0.3, 0.1])
    expected = [float(Fraction(k, 23)) for k in (5, 6, 12)]
    np.testing.assert_allclose(clf.predict_proba(ROW), [expected], rtol=1e-14)
    # the raw classifier predicts "a"; corrected for the priors it is "c"
    assert clf.estimator_.predict(ROW)[0] == "a"
    assert clf.predict(ROW)[0] == "c"


def test_hand_worked_target_priors():
    # (5/6 * 0.2, 1 * 0.3, 2 * 0.5) = (1/6, 3/10, 1), sum 22/15 -> (5, 9, 30) / 44
    clf = PriorCorrectionClassifier(TableClassifier(), target_priors=[2, 3, 5])
    clf.fit(X_TRAIN, Y_TRAIN)
    expected = [float(Fraction(k, 44)) for k in (5, 9, 30)]
    np.testing.assert_allclose(clf.predict_proba(ROW), [expected], rtol=1e-14)
    np.testing.assert_allclose(clf.target_priors_, [0.2, 0.3, 0.5])
    as_dict = PriorCorrectionClassifier(
        TableClassifier(), target_priors={"c": 0.5, "a": 0.2, "b": 0.3}
    ).fit(X_TRAIN, Y_TRAIN)
    np.testing.assert_allclose(as_dict.predict_proba(ROW), [expected], rtol=1e-14)


def test_target_equal_to_train_priors_is_identity():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), size=20)
    clf = PriorCorrectionClassifier(TableClassifier(), target_priors=[6, 3, 1])
    clf.fit(X_TRAIN, Y_TRAIN)
    np.testing.assert_allclose(clf.predict_proba(P), P)
    np.testing.assert_allclose(clf.predict_log_proba(P), np.log(P))


def test_explicit_train_priors_and_sample_weight():
    clf = PriorCorrectionClassifier(TableClassifier(), train_priors=[1, 1, 1])
    clf.fit(X_TRAIN, Y_TRAIN)
    np.testing.assert_allclose(clf.predict_proba(ROW), ROW)
    weights = np.array([1.0] * 6 + [2.0] * 3 + [6.0])  # weighted counts 6, 6, 6
    est = PriorCorrectionClassifier(TableClassifier())
    with pytest.raises(TypeError):  # TableClassifier.fit takes no sample_weight
        est.fit(X_TRAIN, Y_TRAIN, sample_weight=weights)
    lr = PriorCorrectionClassifier(LogisticRegression()).fit(
        X_TRAIN + np.arange(10)[:, None], Y_TRAIN, sample_weight=weights
    )
    np.testing.assert_allclose(lr.train_priors_, [1 / 3] * 3)


def test_improves_balanced_accuracy_on_imbalanced_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 2))
    y = np.where(X[:, 0] + X[:, 1] + rng.normal(size=2000) > 3.0, 1, 0)
    assert 0.01 < y.mean() < 0.1
    raw = LogisticRegression().fit(X, y)
    corrected = PriorCorrectionClassifier(LogisticRegression()).fit(X, y)
    assert (
        balanced_accuracy_score(y, corrected.predict(X))
        > balanced_accuracy_score(y, raw.predict(X)) + 0.05
    )


def test_in_grid_search_and_clone():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0.8).astype(int)
    search = GridSearchCV(
        PriorCorrectionClassifier(LogisticRegression()),
        {"estimator__C": [0.1, 1.0], "target_priors": [None, [0.7, 0.3]]},
        scoring="balanced_accuracy",
        cv=3,
    ).fit(X, y)
    assert search.best_estimator_.predict(X).shape == (120,)
    assert clone(search.best_estimator_).get_params()["estimator__C"] in (0.1, 1.0)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"target_priors": [0.5, 0.5]}, "one entry per class"),
        ({"target_priors": [0.5, 0.5, 0.0]}, "> 0"),
        ({"target_priors": [0.5, np.nan, 0.2]}, "finite"),
        ({"target_priors": {"a": 1, "b": 1}}, "missing"),
        ({"target_priors": {"a": 1, "b": 1, "c": 1, "d": 1}}, "unknown"),
        ({"train_priors": [1, 2]}, "one entry per class"),
        ({"train_priors": "balanced"}, "train_priors"),
    ],
)
def test_bad_priors(params, match):
    with pytest.raises(ValueError, match=match):
        PriorCorrectionClassifier(TableClassifier(), **params).fit(X_TRAIN, Y_TRAIN)


def test_bad_estimator_and_targets():
    with pytest.raises(ValueError, match="predict_proba"):
        PriorCorrectionClassifier(LinearSVC()).fit(X_TRAIN, Y_TRAIN)
    with pytest.raises(ValueError, match="Unknown label type"):
        PriorCorrectionClassifier(LogisticRegression()).fit(
            X_TRAIN, np.linspace(0, 1, 10)
        )
