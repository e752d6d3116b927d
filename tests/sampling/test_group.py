import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skrec.sampling import BalancedGroupSampler, bin_scores


def _groups_of(sampler, groups):
    return np.asarray(groups)[sampler.sample_indices_]


def test_group_sizes_exact_and_replacement_rule():
    X = np.arange(40).reshape(-1, 1)
    y = np.zeros(40)
    groups = np.repeat(["a", "b", "c", "d"], [22, 10, 6, 2])  # mean size 10
    sampler = BalancedGroupSampler(random_state=0)
    X_res, _ = sampler.fit_resample(X, y, groups=groups)
    assert sampler.sampling_strategy_ == {"a": 10, "b": 10, "c": 10, "d": 10}
    res_groups = _groups_of(sampler, groups)
    assert {g: int(np.sum(res_groups == g)) for g in "abcd"} == sampler.sampling_strategy_
    idx = sampler.sample_indices_
    # Larger than the mean -> without replacement; equal -> a permutation.
    assert len(np.unique(idx[res_groups == "a"])) == 10
    np.testing.assert_array_equal(np.sort(idx[res_groups == "b"]), np.arange(22, 32))
    # Smaller -> with replacement: only their own rows, repeated.
    assert set(idx[res_groups == "d"]) <= {38, 39}
    np.testing.assert_array_equal(X_res.ravel(), idx)


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("max", {0: 30, 1: 30, 2: 30}),
        ("min", {0: 5, 1: 5, 2: 5}),
        (7, {0: 7, 1: 7, 2: 7}),
        ({2: 12}, {0: 30, 1: 10, 2: 12}),
        (lambda sizes: {k: 2 * v for k, v in sizes.items()}, {0: 60, 1: 20, 2: 10}),
    ],
)
def test_sampling_strategy_forms(strategy, expected):
    y = np.repeat([0, 1, 2], [30, 10, 5])
    X = np.arange(45).reshape(-1, 1)
    sampler = BalancedGroupSampler(sampling_strategy=strategy, random_state=0)
    _, y_res = sampler.fit_resample(X, y)  # classes of y are the groups
    assert sampler.sampling_strategy_ == expected
    assert dict(zip(*np.unique(y_res, return_counts=True))) == expected


def test_bin_scores_hand_checked():
    np.testing.assert_array_equal(
        bin_scores([1, 10, 100, 1000, 10000], n_bins=4), [0, 1, 2, 3, 3]
    )
    # HACO: 5 log-spaced bins between min and max.
    score = np.array([1e-3, 2e-3, 1.5e-2, 0.2, 0.9, 1.0])
    edges = np.geomspace(1e-3, 1.0, 6)  # 1e-3, 4e-3, 1.6e-2, 6.3e-2, 0.25, 1
    expected = np.clip(np.digitize(score, edges) - 1, 0, 4)
    np.testing.assert_array_equal(bin_scores(score), expected)
    np.testing.assert_array_equal(expected, [0, 0, 1, 3, 4, 4])
    np.testing.assert_array_equal(
        bin_scores(np.arange(8.0), n_bins=4, binning="quantile"), [0, 0, 1, 1, 2, 2, 3, 3]
    )
    assert np.all(bin_scores([2.0, 2.0]) == 0)
    with pytest.raises(ValueError, match="strictly positive"):
        bin_scores([0.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        bin_scores([1.0, np.nan])


def test_score_equals_groups_from_bins():
    rng = np.random.RandomState(0)
    score = rng.lognormal(size=200)
    X = rng.normal(size=(200, 2))
    Y = rng.randint(0, 2, size=(200, 4))  # multi-label target is fine here
    a = BalancedGroupSampler(random_state=3)
    b = BalancedGroupSampler(random_state=3)
    Xa, Ya = a.fit_resample(X, Y, score=score)
    Xb, Yb = b.fit_resample(X, Y, groups=bin_scores(score))
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(Ya, Yb)
    sizes = np.bincount(bin_scores(score))
    assert set(a.sampling_strategy_.values()) == {int(round(sizes[sizes > 0].mean()))}
    c = BalancedGroupSampler(score_func=lambda X, y: score, random_state=3)
    Xc, _ = c.fit_resample(X, Y)
    np.testing.assert_array_equal(Xa, Xc)


def test_bad_inputs():
    X, y = np.zeros((6, 1)), np.array([0, 0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="one class"):
        BalancedGroupSampler().fit_resample(X, np.zeros(6))
    with pytest.raises(ValueError, match="groups has 4 labels"):
        BalancedGroupSampler().fit_resample(X, y, groups=[0, 1, 0, 1])
    with pytest.raises(ValueError, match="either groups or score"):
        BalancedGroupSampler().fit_resample(X, y, groups=y, score=y + 1.0)
    with pytest.raises(ValueError, match="unknown groups"):
        BalancedGroupSampler(sampling_strategy={5: 3}).fit_resample(X, y)
    with pytest.raises(ValueError, match="sampling_strategy"):
        BalancedGroupSampler(sampling_strategy="median").fit_resample(X, y)
    with pytest.raises(ValueError, match="score must hold one value per row"):
        BalancedGroupSampler().fit_resample(X, y, score=[1.0, 2.0])


def test_pipeline_grid_search():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 3))
    y = (X[:, 0] > 1.0).astype(int)
    pipe = Pipeline(
        [("bal", BalancedGroupSampler(random_state=0)), ("clf", LogisticRegression())]
    )
    grid = GridSearchCV(pipe, {"bal__sampling_strategy": ["mean", "max"]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["bal__sampling_strategy"] in ("mean", "max")
