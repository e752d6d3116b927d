"""DensityWeightedRegressor, kde_weights and the shot-region scorer."""

import numpy as np
import pytest
from scipy.stats import gaussian_kde
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrec.metrics import make_shot_region_scorer, shot_region_scores
from skrec.regression import DensityWeightedRegressor, kde_weights, lds_weights


# No expected failure: scikit-learn lists the sample-weight equivalence checks
# as expected failures of HistGradientBoostingRegressor itself, but they pass
# here (the check's data bins the same either way).
@parametrize_with_checks(
    [DensityWeightedRegressor(HistGradientBoostingRegressor()),
     DensityWeightedRegressor(Ridge()),
     DensityWeightedRegressor(Ridge(), method="kde")],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


class _Spy(RegressorMixin, BaseEstimator):
    """Records the targets and weights it is fitted with."""

    seen = []

    def fit(self, X, y, sample_weight=None):
        _Spy.seen.append((np.asarray(y).copy(), np.asarray(sample_weight).copy()))
        self.mean_ = float(np.mean(y))
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


@pytest.mark.parametrize("method", ["lds", "kde"])
def test_weights_come_from_the_training_fold_only(method):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = np.exp(X[:, 0] + 0.3 * rng.normal(size=300))
    cv = KFold(3, shuffle=True, random_state=0)
    _Spy.seen = []
    cross_validate(DensityWeightedRegressor(_Spy(), method=method), X, y, cv=cv)
    first = list(_Spy.seen)
    # Independent computation from the fold's training targets.
    for (train, _), (y_seen, w_seen) in zip(cv.split(X), first):
        np.testing.assert_array_equal(y_seen, y[train])
        expected = (lds_weights(y[train], bin_width=None, bins=50) if method == "lds"
                    else kde_weights(y[train]))
        np.testing.assert_allclose(w_seen, expected)
    # Changing the test folds' targets changes nothing in training.
    _Spy.seen = []
    y_other = y.copy()
    for _, test in list(cv.split(X))[:1]:
        y_other[test] = 1e6
    cross_validate(DensityWeightedRegressor(_Spy(), method=method), X, y_other,
                   cv=cv, error_score="raise")
    np.testing.assert_array_equal(_Spy.seen[0][1], first[0][1])


def test_rare_targets_get_larger_weights_and_frequency_weights_are_repetitions():
    y = np.r_[np.zeros(90), np.linspace(0.1, 1.0, 10), np.full(5, 10.0)]
    for method in ("lds", "kde"):
        model = DensityWeightedRegressor(Ridge(), method=method, bins=10)
        w = model.rarity_weights(y)
        assert w[-1] > w[0] and w.mean() == pytest.approx(1.0)
        sw = np.r_[np.full(50, 2.0), np.ones(55)]
        repeated = np.r_[y[:50], y]
        np.testing.assert_allclose(model.rarity_weights(y, sw)[:50],
                                   model.rarity_weights(repeated)[:50])
        sw0 = np.r_[np.zeros(5), np.ones(100)]
        np.testing.assert_allclose(model.rarity_weights(y, sw0)[5:],
                                   model.rarity_weights(y[5:]))


def test_kde_weights_follow_a_brute_force_kernel_density():
    rng = np.random.default_rng(1)
    y = np.r_[rng.normal(0, 1, 400), rng.normal(6, 0.5, 40)]
    bw = 0.4
    kde = gaussian_kde(y, bw_method=bw / y.std(ddof=1))
    p = kde(y)
    p = (p - p.min()) / (p.max() - p.min())
    expected = np.maximum(1 - 0.8 * p, 1e-6)
    expected /= expected.mean()
    got = kde_weights(y, alpha=0.8, bandwidth=bw, grid_size=4096)
    np.testing.assert_allclose(got, expected, rtol=0.02, atol=0.01)
    np.testing.assert_allclose(kde_weights(y, alpha=0.0), 1.0)


def test_shot_region_scorer_uses_the_training_fold():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    y = np.exp(X[:, 0])
    cv = KFold(2, shuffle=True, random_state=0)
    scorer = make_shot_region_scorer("few", "mae", bins=10)
    model = DensityWeightedRegressor(Ridge(), bins=10)
    got = cross_validate(model, X, y, cv=cv, scoring=scorer)["test_score"]
    for (train, test), score in zip(cv.split(X), got):
        fitted = DensityWeightedRegressor(Ridge(), bins=10).fit(X[train], y[train])
        ref = shot_region_scores(y[test], fitted.predict(X[test]), y[train],
                                 bin_width=None, bins=10)
        assert score == pytest.approx(-ref["few"]["mae"])
    # inside a pipeline, and in a grid search
    pipe = make_pipeline(StandardScaler(), DensityWeightedRegressor(Ridge()))
    search = GridSearchCV(pipe, {"densityweightedregressor__method": ["lds", "kde"]},
                          scoring=scorer, cv=cv).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    with pytest.raises(ValueError, match="y_train_"):
        scorer(Ridge().fit(X, y), X, y)


def test_bad_parameters():
    X, y = np.zeros((10, 1)), np.arange(10.0)
    with pytest.raises(ValueError, match="method"):
        DensityWeightedRegressor(Ridge(), method="inverse").fit(X, y)
    with pytest.raises(ValueError, match="odd"):
        DensityWeightedRegressor(Ridge(), kernel_size=4).fit(X, y)
    with pytest.raises(ValueError, match="bandwidth"):
        kde_weights(y, bandwidth="wide")
    with pytest.raises(ValueError, match="zero"):
        DensityWeightedRegressor(Ridge()).fit(X, y, sample_weight=np.zeros(10))
