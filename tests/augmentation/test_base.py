"""The transformer template: scikit-learn API, tags, validation, id-0 policy."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks as sk_checks
from sklearn.utils import get_tags

from skrec.augmentation import (
    BaseSequenceAugmenter,
    LengthAwareAugmenter,
    RandomCrop,
    RandomInsert,
    RandomMask,
    RandomReorder,
    RandomSubstitute,
    TiCrop,
    TiInsert,
    TiMask,
    TiReorder,
    TiSubstitute,
)
from skrec.utils._random import check_generator as make_rng
from skrec.utils.estimator_checks import make_contract_frame, sequence_checks

from ._doubles import ShiftSimilarity, cells, frame


def _all_transformers():
    sim = ShiftSimilarity()
    return [
        TiCrop(random_state=0),
        TiReorder(random_state=0),
        TiMask(random_state=0),
        TiSubstitute(similarity=sim),
        TiInsert(similarity=sim),
        RandomCrop(random_state=0),
        RandomReorder(random_state=0),
        RandomMask(random_state=0),
        RandomSubstitute(similarity=sim, random_state=0),
        RandomInsert(similarity=sim, random_state=0),
        LengthAwareAugmenter(
            operators=[("crop", TiCrop()), ("mask", TiMask()),
                       ("substitute", TiSubstitute(similarity=sim))],
            short_operators=("mask", "substitute"),
            random_state=0,
        ),
    ]


TRANSFORMERS = _all_transformers()
IDS = [type(t).__name__ for t in TRANSFORMERS]

X_SMALL = frame(
    [[1, 2, 3, 4, 5, 6, 7, 8], [3, 4, 5], [9, 8], [7], []],
    [[0, 1, 5, 6, 20, 21, 22, 90], [0, 10, 10], [3, 3], [4], []],
    index=[10, 11, 12, 13, 14],
)

# With two_d_array=False scikit-learn 1.9 yields only check_estimator_cloneable
# (its other checks feed 2-D numeric arrays); the data-free API checks are run
# one by one below.
parametrize_with_checks = sk_checks.parametrize_with_checks
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")


@parametrize_with_checks(TRANSFORMERS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


API_CHECKS = [
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
]


@pytest.mark.parametrize("check", API_CHECKS)
@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=IDS)
def test_data_free_sklearn_api_checks(estimator, check):
    getattr(sk_checks, check)(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=IDS)
def test_tags_declare_sequence_input(estimator):
    tags = get_tags(estimator)
    assert tags.input_tags.two_d_array is False
    assert not hasattr(estimator, "set_output")  # frames are never re-wrapped


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=IDS)
def test_clone_params_pickle_round_trip(estimator):
    est = clone(estimator)
    params = est.get_params(deep=False)
    assert clone(est).get_params(deep=False).keys() == params.keys()
    if "rate" in params:
        est.set_params(rate=0.4)
        assert est.get_params()["rate"] == 0.4
    fitted = est.fit(X_SMALL)
    expected = fitted.transform(X_SMALL)
    restored = pickle.loads(pickle.dumps(fitted))
    got = restored.transform(X_SMALL)
    assert cells(got) == cells(expected)
    assert cells(got, "timestamps") == cells(expected, "timestamps")


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=IDS)
def test_transform_returns_new_frame_with_same_index_and_input_untouched(estimator):
    X = X_SMALL.copy(deep=True)
    before = (cells(X), cells(X, "timestamps"))
    out = clone(estimator).fit(X).transform(X)
    assert out is not X
    assert list(out.index) == list(X.index)
    assert list(out.columns) == ["items", "timestamps"]
    assert (cells(X), cells(X, "timestamps")) == before
    assert all(a.dtype == np.int64 for a in out["items"])


def test_fit_transform_equals_fit_then_transform_and_is_reproducible():
    for est in TRANSFORMERS:
        a = clone(est).fit_transform(X_SMALL)
        b = clone(est).fit(X_SMALL).transform(X_SMALL)
        assert cells(a) == cells(b)


def test_pipeline_chains_operators_through_masked_items():
    pipe = Pipeline([("mask", TiMask(rate=0.5, mode="maximum")),
                     ("crop", TiCrop(rate=0.5)),
                     ("reorder", TiReorder(rate=1.0, random_state=0))])
    out = pipe.fit_transform(X_SMALL)
    assert len(out) == len(X_SMALL)
    assert any(0 in c for c in cells(out))


def test_make_rng():
    assert make_rng(3).random() == np.random.default_rng(3).random()
    g = np.random.default_rng(0)
    assert make_rng(g) is g
    a = make_rng(np.random.RandomState(0)).random()
    assert a == make_rng(np.random.RandomState(0)).random()
    with pytest.raises(TypeError, match="random_state"):
        make_rng("seed")


def test_base_is_abstract():
    with pytest.raises(TypeError):
        BaseSequenceAugmenter()


# ------------------------------------------------------------------ bad input
def _raw(items, times):
    return pd.DataFrame({"items": items, "timestamps": times})


BAD_INPUTS = [
    (_raw([[1, 2]], [[0.0, np.nan]]), ValueError, "NaN"),
    (_raw([[1, 2]], [[-5, 0]]), ValueError, "non-negative"),
    (_raw([[1, 2]], [[5, 1]]), ValueError, "sorted"),
    (_raw([[1, -2]], [[0, 1]]), ValueError, "Item ids"),
    (_raw([[1.5, 2]], [[0, 1]]), ValueError, "integers"),
    (_raw([["a", "b"]], [[0, 1]]), TypeError, "integer sequences"),
    (_raw([[1, 2, 3]], [[0, 1]]), ValueError, "different lengths"),
    (pd.DataFrame({"items": [[1, 2]]}), ValueError, "missing column"),
    (_raw([], []), ValueError, "empty"),
    (np.array([[1, 2]]), TypeError, "sequence frame"),
]


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=IDS)
@pytest.mark.parametrize("X, error, match", BAD_INPUTS)
def test_bad_input_raises(estimator, X, error, match):
    est = clone(estimator)
    with pytest.raises(error, match=match):
        est.fit(X)
    good = est.fit(X_SMALL)
    with pytest.raises(error, match=match):
        good.transform(X)


@pytest.mark.parametrize(
    "estimator",
    [TiSubstitute(similarity=ShiftSimilarity()), TiInsert(similarity=ShiftSimilarity()),
     RandomSubstitute(similarity=ShiftSimilarity()),
     RandomInsert(similarity=ShiftSimilarity()), LengthAwareAugmenter()],
    ids=["TiSubstitute", "TiInsert", "RandomSubstitute", "RandomInsert", "LengthAware"],
)
def test_zero_ids_rejected_when_fitting_a_similarity(estimator):
    X = frame([[1, 0, 2]], [[0, 1, 2]])
    with pytest.raises(ValueError, match="positive"):
        clone(estimator).fit(X)


@pytest.mark.parametrize("cls", [TiCrop, TiReorder, TiMask, TiSubstitute, TiInsert,
                                 RandomCrop, RandomReorder, RandomMask,
                                 RandomSubstitute, RandomInsert])
@pytest.mark.parametrize("rate", [-0.1, 1.5, "high"])
def test_rate_outside_unit_interval(cls, rate):
    est = cls(rate=rate)
    if "similarity" in est.get_params():
        est.set_params(similarity=ShiftSimilarity())
    with pytest.raises((ValueError, TypeError), match="rate"):
        est.fit(X_SMALL)
    if not get_tags(est).requires_fit:
        with pytest.raises((ValueError, TypeError), match="rate"):
            est.transform(X_SMALL)


@pytest.mark.parametrize(
    "est, match",
    [(TiCrop(mode="middle"), "mode"), (TiMask(mask_value=-1), "mask_value"),
     (TiInsert(max_insert_per_position=0), "max_insert_per_position"),
     (TiSubstitute(similarity="itemcf"), "similarity"),
     (TiCrop(random_state="x"), "random_state")],
)
def test_bad_parameters(est, match):
    with pytest.raises(ValueError, match=match):
        est.fit(X_SMALL)


def _contract_estimators():
    from skrec.augmentation import AugmentationSampler, ItemSimilarity

    sim = ItemSimilarity(n_neighbors=3)
    return _all_transformers() + [
        TiSubstitute(similarity=sim), TiInsert(similarity=sim, max_insert_per_position=2),
        LengthAwareAugmenter(random_state=0).set_params(
            substitute__similarity=sim, insert__similarity=sim),
        AugmentationSampler(TiCrop(), n_copies=2, random_state=0),
        AugmentationSampler(random_state=0),
    ]


@pytest.mark.parametrize("check", sequence_checks(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("estimator", _contract_estimators(),
                         ids=lambda e: type(e).__name__)
def test_sequence_frame_contract(estimator, check):
    # skrec's shared contract for estimators on sequence frames (what sklearn's
    # checks would cover for 2-D input).
    check(estimator, make_contract_frame())
