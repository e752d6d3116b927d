"""LengthAwareAugmenter: routing by length, the skipped uniform share, params."""

import numpy as np
import pytest

from skrec.augmentation import (
    LengthAwareAugmenter,
    TiCrop,
    TiInsert,
    TiMask,
    TiReorder,
    TiSubstitute,
)
from skrec.sequence import to_ragged

from ._doubles import ShiftSimilarity, cells, frame


def _two_masks(**kwargs):
    return LengthAwareAugmenter(
        operators=[("a", TiMask(rate=1.0, mask_value=7)),
                   ("b", TiMask(rate=1.0, mask_value=8))],
        short_operators=("a",),
        var_rank_not_aug_ratio=0.0,
        **kwargs,
    )


def test_short_sequences_only_get_short_operators():
    rng = np.random.default_rng(0)
    lengths = rng.integers(2, 8, size=300)
    X = frame([list(range(1, n + 1)) for n in lengths])
    out = _two_masks(augment_threshold=4, random_state=0).fit_transform(X)
    used = np.array([set(c) - {1} for c in cells(out)], dtype=object)
    for n, u in zip(lengths, used):
        assert len(u) == 1
        if n <= 4:
            assert u == {7}
    long_used = [u.pop() for n, u in zip(lengths, used) if n > 4]
    share = np.mean(np.array(long_used) == 8)
    assert 0.35 < share < 0.65


def test_threshold_minus_one_gives_everyone_all_operators():
    X = frame([[1, 2]] * 200)
    out = _two_masks(augment_threshold=-1, random_state=0).fit_transform(X)
    values = [set(c) - {1} for c in cells(out)]
    assert {7}.issubset(set().union(*values)) and {8}.issubset(set().union(*values))


def test_variance_threshold_and_tie_probability():
    # gap variances 0, 0, 1, 4 (gaps [1,1], [3,3], [1,3], [0,4])
    X = frame([[1, 2, 3]] * 4, [[0, 1, 2], [0, 3, 6], [0, 1, 4], [0, 0, 4]])
    aug = _two_masks(random_state=0).set_params(var_rank_not_aug_ratio=0.25).fit(X)
    assert aug.variance_threshold_ == 0.0
    assert aug.tie_skip_probability_ == pytest.approx(0.5)
    aug.set_params(var_rank_not_aug_ratio=0.5).fit(X)
    assert (aug.variance_threshold_, aug.tie_skip_probability_) == (0.0, 1.0)
    aug.set_params(var_rank_not_aug_ratio=0.75).fit(X)
    assert (aug.variance_threshold_, aug.tie_skip_probability_) == (1.0, 1.0)
    out = aug.transform(X)
    assert cells(out)[:3] == [[1, 2, 3]] * 3
    assert set(cells(out)[3]) <= {7, 8}


def test_tied_sequences_skipped_with_learned_probability():
    # Half of 400 sequences have variance 0; ratio 0.25 skips half of those.
    t = [[0, 1, 2]] * 200 + [[0, 1, 5]] * 200
    X = frame([[1, 2, 3]] * 400, t)
    aug = _two_masks(random_state=0).set_params(var_rank_not_aug_ratio=0.25).fit(X)
    out = cells(aug.transform(X))
    unchanged = np.array([c == [1, 2, 3] for c in out])
    assert not unchanged[200:].any()
    assert 0.4 < unchanged[:200].mean() < 0.6


def test_each_operator_applied_to_its_rows_in_original_order():
    X = frame([[1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7], [9, 8, 7, 6, 5, 4]],
              [[0, 1, 2, 3, 10, 30], [0, 9, 10, 11, 30, 31], [0, 5, 6, 7, 8, 50]],
              index=["u", "v", "w"])
    aug = LengthAwareAugmenter(
        operators=[("crop", TiCrop(rate=0.5))], short_operators=("crop",),
        var_rank_not_aug_ratio=0.0, random_state=0,
    ).fit(X)
    out = aug.transform(X)
    assert list(out.index) == ["u", "v", "w"]
    assert cells(out) == [[2, 3, 4], [3, 4, 5], [7, 6, 5]]


def test_default_operators_and_nested_params():
    aug = LengthAwareAugmenter()
    params = aug.get_params()
    for key in ("crop__rate", "mask__rate", "reorder__mode", "substitute__rate",
                "insert__max_insert_per_position"):
        assert key in params
    assert params["mask__rate"] == 0.5 and params["crop__rate"] == 0.7
    aug.set_params(mask__rate=0.3)
    assert aug.get_params()["mask__rate"] == 0.3
    assert [name for name, _ in aug.operators] == [
        "crop", "mask", "reorder", "substitute", "insert"]
    assert isinstance(dict(aug.operators)["insert"], TiInsert)
    assert isinstance(dict(aug.operators)["substitute"], TiSubstitute)
    assert isinstance(dict(aug.operators)["reorder"], TiReorder)


def test_fit_clones_operators_and_shares_similarity():
    sim = ShiftSimilarity()
    ops = [("s", TiSubstitute(similarity=sim)), ("i", TiInsert(similarity=sim))]
    aug = LengthAwareAugmenter(operators=ops, short_operators=("s",)).fit(frame([[1, 2]]))
    fitted = dict(aug.operators_)
    assert fitted["s"] is not ops[0][1]
    assert fitted["s"].similarity_ is fitted["i"].similarity_
    assert not hasattr(ops[0][1], "similarity_")


def test_persistent_generator_gives_independent_views():
    X = frame([list(range(1, 13))] * 50, [list(range(0, 120, 10))] * 50)
    aug = _two_masks().set_params(operators=[("m", TiMask(rate=0.5))],
                                  short_operators=("m",)).fit(X)
    ragged = to_ragged(X)
    rng = np.random.default_rng(1)
    a = aug._transform_ragged(ragged, rng)
    b = aug._transform_ragged(ragged, rng)
    assert not np.array_equal(a.items, b.items)
    c = aug._transform_ragged(ragged, np.random.default_rng(1))
    assert np.array_equal(a.items, c.items)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"short_operators": ("nope",)}, "short_operators"),
        ({"operators": [("a", TiCrop()), ("a", TiMask())], "short_operators": ("a",)},
         "unique"),
        ({"operators": [], "short_operators": ()}, "non-empty"),
        ({"augment_threshold": -2}, "augment_threshold"),
        ({"var_rank_not_aug_ratio": 1.5}, "var_rank_not_aug_ratio"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        LengthAwareAugmenter(**params).fit(frame([[1, 2, 3]]))


def test_non_augmenter_operator_rejected():
    from sklearn.preprocessing import StandardScaler

    aug = LengthAwareAugmenter(operators=[("s", StandardScaler())], short_operators=("s",))
    with pytest.raises(TypeError, match="augmentation operator"):
        aug.fit(frame([[1, 2, 3]]))
