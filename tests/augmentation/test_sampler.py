"""AugmentationSampler: resampling, strategies, imblearn pipeline + GridSearchCV."""

import pickle

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skrec.augmentation import (
    AugmentationSampler,
    LengthAwareAugmenter,
    TiCrop,
    TiMask,
    TiSubstitute,
)

from ._doubles import ShiftSimilarity, cells, frame

X4 = frame([[1, 2, 3, 4], [5, 6, 7, 8], [1, 3], [2, 4, 6]],
           [[0, 1, 2, 9], [0, 5, 6, 7], [0, 1], [0, 2, 4]],
           index=["a", "b", "c", "d"])
Y4 = np.array([0, 0, 0, 1])

_NEEDS_ARRAYS = (
    "imbalanced-learn's sampler checks feed 2-D numeric arrays; this sampler "
    "takes sequence frames (items + timestamps per row)"
)


def _expected_failed(est):
    return {name: _NEEDS_ARRAYS for name in [
        "check_target_type", "check_samplers_one_label", "check_samplers_fit",
        "check_samplers_fit_resample", "check_samplers_sparse",
        "check_samplers_pandas", "check_samplers_pandas_sparse",
        "check_samplers_list", "check_samplers_multiclass_ova",
        "check_samplers_preserve_dtype", "check_samplers_sample_indices",
        "check_samplers_2d_target",
    ]}


@parametrize_with_checks([AugmentationSampler(TiCrop())],
                         expected_failed_checks=_expected_failed)
def test_imblearn_checks(estimator, check):
    check(estimator)


def test_appends_copies_with_repeated_targets():
    sampler = AugmentationSampler(TiCrop(rate=0.75), n_copies=2, random_state=0)
    X_res, y_res = sampler.fit_resample(X4, Y4)
    assert len(X_res) == 12
    assert list(X_res.index) == list(range(12))
    assert cells(X_res)[:4] == cells(X4)
    expected_copy = cells(TiCrop(rate=0.75, random_state=0).fit_transform(X4))
    # deterministic windows for the length-4 rows; equal copies for both rounds
    assert cells(X_res)[4:6] == expected_copy[:2] and cells(X_res)[8:10] == expected_copy[:2]
    assert y_res.tolist() == Y4.tolist() * 3
    assert sampler.sample_indices_.tolist() == [0, 1, 2, 3] * 3


def test_other_columns_and_series_targets_follow_their_rows():
    X = X4.assign(segment=["x", "y", "z", "w"])
    y = pd.Series(Y4, index=X4.index)
    X_res, y_res = AugmentationSampler(TiMask(), random_state=0).fit_resample(X, y)
    assert X_res["segment"].tolist() == ["x", "y", "z", "w"] * 2
    assert isinstance(y_res, pd.Series) and y_res.tolist() == Y4.tolist() * 2


def test_input_never_modified_and_y_none():
    X = X4.copy(deep=True)
    X_res, y_res = AugmentationSampler(TiMask(rate=1.0), random_state=0).fit_resample(X)
    assert y_res is None
    assert cells(X) == cells(X4)
    assert all(set(c) == {0} for c in cells(X_res)[4:] if len(c) > 1)
    assert X_res["items"][0] is not X["items"].iloc[0]


@pytest.mark.parametrize(
    "strategy, copies",
    [("minority", [0, 0, 0, 2]), ("not majority", [0, 0, 0, 2]),
     ("not minority", [2, 2, 2, 0]), ({0: 1, 1: 3}, [1, 1, 1, 3]),
     (lambda y: {1: 1}, [0, 0, 0, 1])],
)
def test_sampling_strategies(strategy, copies):
    sampler = AugmentationSampler(TiCrop(), n_copies=2, sampling_strategy=strategy,
                                  random_state=0)
    X_res, y_res = sampler.fit_resample(X4, Y4)
    counts = np.bincount(sampler.sample_indices_, minlength=4) - 1
    assert counts.tolist() == copies
    assert len(X_res) == len(y_res) == 4 + sum(copies)
    assert (y_res == Y4[sampler.sample_indices_]).all()


def test_same_random_state_same_output_and_pickle():
    a = AugmentationSampler(TiMask(), random_state=3)
    Xa, _ = a.fit_resample(X4, Y4)
    b = pickle.loads(pickle.dumps(clone(a)))
    Xb, _ = b.fit_resample(X4, Y4)
    assert cells(Xa) == cells(Xb)


def test_default_augmenter_is_length_aware():
    sampler = AugmentationSampler(random_state=0)
    X = frame([[1, 2, 3, 4, 5]] * 6, [[0, 1, 2, 3, 4]] * 3 + [[0, 2, 3, 7, 20]] * 3)
    X_res, _ = sampler.fit_resample(X, np.zeros(6))
    assert isinstance(sampler.augmenter_, LengthAwareAugmenter)
    assert len(X_res) == 12


@pytest.mark.parametrize(
    "kwargs, y, error, match",
    [({"sampling_strategy": "minority"}, None, ValueError, "class labels"),
     ({}, np.zeros(3), ValueError, "one target per sequence"),
     ({"n_copies": -1}, Y4, ValueError, "n_copies"),
     ({"sampling_strategy": {0: -1}}, Y4, ValueError, "non-negative"),
     ({"sampling_strategy": "minority"}, np.zeros(4), ValueError, "two classes"),
     ({"augmenter": LogisticRegression()}, Y4, ValueError, "augmenter")],
)
def test_bad_input(kwargs, y, error, match):
    with pytest.raises(error, match=match):
        AugmentationSampler(**kwargs).fit_resample(X4, y)


class SequenceLengthClassifier(ClassifierMixin, BaseEstimator):
    """Test-local downstream estimator on sequence frames.

    Logistic regression on (length, mean item id) of each sequence; records how
    many rows it was trained on.
    """

    def __init__(self, C=1.0):
        self.C = C

    @staticmethod
    def _features(X):
        lengths = np.array([len(s) for s in X["items"]], dtype=float)
        means = np.array([np.mean(s) if len(s) else 0.0 for s in X["items"]])
        return np.column_stack([lengths, means])

    def fit(self, X, y):
        self.model_ = LogisticRegression(C=self.C).fit(self._features(X), y)
        self.classes_ = self.model_.classes_
        self.n_train_ = len(X)
        return self

    def predict(self, X):
        return self.model_.predict(self._features(X))


def test_in_imblearn_pipeline_inside_grid_search():
    rng = np.random.default_rng(0)
    n = 60
    y = rng.integers(0, 2, size=n)
    items = [list(rng.integers(1 + 10 * c, 10 + 10 * c, size=4 + 3 * c)) for c in y]
    times = [list(np.sort(rng.integers(0, 1000, size=len(s)))) for s in items]
    X = frame(items, times)
    pipe = Pipeline([
        ("augment", AugmentationSampler(TiCrop(), random_state=0)),
        ("clf", SequenceLengthClassifier()),
    ])
    grid = GridSearchCV(
        pipe,
        {"augment__n_copies": [0, 2], "augment__augmenter__rate": [0.5, 1.0]},
        cv=3,
    ).fit(X, y)
    assert set(grid.cv_results_["param_augment__n_copies"]) == {0, 2}
    assert grid.best_score_ > 0.8
    clf = grid.best_estimator_.named_steps["clf"]
    copies = grid.best_params_["augment__n_copies"]
    assert clf.n_train_ == n * (1 + copies)
    # at predict time the sampler is skipped: one prediction per row
    assert grid.predict(X).shape == (n,)


def test_length_aware_nested_rate_tunable_in_pipeline():
    sim = ShiftSimilarity()
    aug = LengthAwareAugmenter(
        operators=[("mask", TiMask()), ("substitute", TiSubstitute(similarity=sim))],
        short_operators=("mask",),
    )
    pipe = Pipeline([("augment", AugmentationSampler(aug, random_state=0)),
                     ("clf", SequenceLengthClassifier())])
    pipe.set_params(augment__augmenter__mask__rate=0.25)
    assert pipe.get_params()["augment__augmenter__mask__rate"] == 0.25


@pytest.mark.parametrize("check", [
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params", "check_mixin_order",
    "check_parameters_default_constructible", "check_get_params_invariance",
    "check_set_params", "check_valid_tag_types",
])
def test_data_free_sklearn_api_checks(check):
    from sklearn.utils import estimator_checks, get_tags

    sampler = AugmentationSampler(TiCrop())
    getattr(estimator_checks, check)("AugmentationSampler", sampler)
    assert get_tags(sampler).input_tags.two_d_array is False
