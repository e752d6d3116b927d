"""CoSeRec and TiCoSeRec: contrastive training on augmented views."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skrec.augmentation import LengthAwareAugmenter, RandomMask, TiCrop, TiMask
from skrec.metrics import make_ranking_scorer
from skrec.model_selection import leave_last_out_cv
from skrec.recommenders import CoSeRec, TiCoSeRec
from skrec.sequence import make_sequence_frame, to_padded, to_ragged

from ._synthetic import TINY, cyclic_frame

CL = {**TINY, "model_warm_up_epochs": 1, "augmentation_warm_up_epochs": None}


def test_ticoserec_learns_cyclic_pattern(cyclic, cyclic_test):
    X, y = cyclic
    Xt, yt = cyclic_test
    model = TiCoSeRec(**{**CL, "max_epochs": 10}).fit(X, y)
    assert model.evaluate(Xt, yt, ks=(1,))["hit@1"] > 0.9
    cl = model.history[:, "cl_loss"]
    assert cl[0] == 0.0  # model warm-up: next-item loss only
    assert all(v > 0 for v in cl[1:])
    rec, total = model.history[:, "rec_loss"], model.history[:, "train_loss"]
    np.testing.assert_allclose(np.add(rec, cl), total, rtol=1e-5)
    assert 0 < model.history[-1, "aug_share"] < 1


def test_same_random_state_and_pickle(cyclic):
    X, y = cyclic
    a = CoSeRec(**CL).fit(X, y)
    b = CoSeRec(**CL).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.decision_function(X), c.decision_function(X))


def test_views_are_fresh_vectorized_and_respect_the_skip_share(cyclic):
    X, y = cyclic
    model = TiCoSeRec(**{**CL, "max_epochs": 1, "model_warm_up_epochs": 0}).fit(X, y)
    src = to_ragged(X)
    v1 = model.augmented_views(src).numpy()
    v2 = model.augmented_views(src).numpy()
    assert v1.shape == (2 * len(X), TINY["max_seq_length"])
    assert not np.array_equal(v1, v2)  # a fresh draw each call
    # var_rank_not_aug_ratio=1: every training sequence is already "uniform
    # enough", so both views are the sequence itself.
    keep = TiCoSeRec(**{**CL, "max_epochs": 1, "model_warm_up_epochs": 0}).set_params(
        augmenter__var_rank_not_aug_ratio=1.0
    ).fit(X, y)
    padded = to_padded(src, TINY["max_seq_length"])
    np.testing.assert_array_equal(keep.augmented_views(src).numpy(),
                                  np.concatenate([padded, padded]))


def test_n_views_and_single_operator(cyclic):
    X, y = cyclic
    model = CoSeRec(**{**CL, "n_views": 3, "max_epochs": 2},
                    augmenter=RandomMask(rate=0.3)).fit(X, y)
    assert model.history[-1, "cl_loss"] > 0
    assert model.augmented_views(to_ragged(X)).shape[0] == 3 * len(X)


def test_similarity_switches_to_hybrid(cyclic):
    X, y = cyclic
    model = TiCoSeRec(**{**CL, "max_epochs": 1, "augmentation_warm_up_epochs": 1,
                         "model_warm_up_epochs": 0})
    model.fit(X, y)
    sims = {name: op.similarity_ for name, op in model.augmenter_.operators_
            if hasattr(op, "similarity_")}
    assert set(sims) == {"substitute", "insert"}
    assert all(s.method == "itemcf_iuf" for s in sims.values())
    model.set_params(max_epochs=2, warm_start=True).fit(X, y)
    sims = [op.similarity_ for _, op in model.augmenter_.operators_
            if hasattr(op, "similarity_")]
    assert all(s.method == "hybrid" for s in sims)


def test_augmenter_sees_training_items_only():
    # Each row's last item is unique and the largest id: with the internal
    # leave-last-out split it is a validation target, never a training item.
    X = make_sequence_frame([[1, 2, 3, 4, 5 + i] for i in range(12)])
    model = TiCoSeRec(**{**CL, "train_split": "leave_last_out", "max_epochs": 1,
                         "model_warm_up_epochs": 0})
    model.fit(X)
    sim = dict(model.augmenter_.operators_)["substitute"].similarity_
    assert sim.n_items_ == 4  # internal ids 1..4 are items 1..4


def test_nested_params_clone_and_grid_search():
    est = TiCoSeRec(**CL)
    est.set_params(augmenter__mask__rate=0.3)
    assert est.get_params()["augmenter__mask__rate"] == 0.3
    assert clone(est).get_params()["augmenter__mask__rate"] == 0.3
    custom = CoSeRec(augmenter=LengthAwareAugmenter(
        operators=[("crop", TiCrop()), ("mask", TiMask())], short_operators=("mask",)))
    custom.set_params(augmenter__crop__rate=0.5)
    assert custom.augmenter.operators[0][1].rate == 0.5

    X, _ = cyclic_frame(60, seed=3)
    X_cv, y_cv, cv = leave_last_out_cv(X)
    search = GridSearchCV(
        TiCoSeRec(**CL),
        {"augmenter__mask__rate": [0.2, 0.6]},
        scoring=make_ranking_scorer("ndcg", k=10),
        cv=cv,
    ).fit(X_cv, y_cv)
    assert search.best_params_["augmenter__mask__rate"] in (0.2, 0.6)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.augmenter_.operators_[1][1].rate == (
        search.best_params_["augmenter__mask__rate"]
    )


def test_bad_params(cyclic):
    X, y = cyclic
    with pytest.raises(ValueError, match="n_views"):
        CoSeRec(**{**CL, "n_views": 1}).fit(X, y)
    with pytest.raises(ValueError, match="temperature"):
        CoSeRec(**{**CL, "temperature": 0.0}).fit(X, y)


def test_warm_up_warning_when_the_contrastive_loss_never_starts(cyclic):
    X, y = cyclic
    model = CoSeRec(**{**CL, "max_epochs": 2, "model_warm_up_epochs": 2})
    with pytest.warns(UserWarning, match="will not augment"):
        model.fit(X, y)
    assert set(model.history[:, "cl_loss"]) == {0.0}
    # cf_weight=0 asks for no contrastive loss: nothing to warn about.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CoSeRec(**{**CL, "max_epochs": 2, "model_warm_up_epochs": 2,
                   "cf_weight": 0.0}).fit(X, y)


@pytest.mark.parametrize("max_epochs, expected", [(3, 0), (10, 2), (350, 40), (1000, 40)])
def test_auto_warm_up(max_epochs, expected):
    model = TiCoSeRec(max_epochs=max_epochs)
    assert model.model_warm_up_epochs == "auto"
    assert model._warm_up_epochs() == expected


def test_auto_warm_up_augments_a_short_fit(cyclic):
    X, y = cyclic
    model = TiCoSeRec(**{**CL, "max_epochs": 5, "model_warm_up_epochs": "auto"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model.fit(X, y)
    cl = model.history[:, "cl_loss"]
    assert cl[0] == 0 and all(v > 0 for v in cl[1:])


@pytest.mark.parametrize("representation", ["last", "mean", "flatten"])
def test_contrastive_representations_train(cyclic, representation):
    X, y = cyclic
    model = CoSeRec(**{**CL, "max_epochs": 2, "cl_representation": representation})
    model.fit(X, y)
    assert model.history[-1, "cl_loss"] > 0
    assert np.isfinite(model.history[-1, "train_loss"])


def test_contrastive_loss_uses_the_chosen_representation(cyclic):
    # The loss of a step equals InfoNCE of sequence_representation of the
    # views' encoder output, computed independently here.
    import torch

    from skrec.losses import info_nce
    from skrec.recommenders import sequence_representation

    X, y = cyclic
    for kind in ("last", "mean", "flatten"):
        model = CoSeRec(**{**CL, "max_epochs": 1, "cl_representation": kind,
                           "model_warm_up_epochs": 0,
                           "hidden_dropout": 0.0, "attn_dropout": 0.0}).fit(X, y)
        views = model.augmented_views(to_ragged(X.iloc[:8]),
                                      TINY["max_seq_length"] if kind == "flatten" else None)
        with torch.no_grad():
            h = model.module_(views, padding_outputs=kind == "flatten")
            z = sequence_representation(h, views, kind)
            expected = info_nce(z[:8], z[8:])
            torch.testing.assert_close(model.contrastive_loss(z), expected)
        assert z.shape[1] == (16 * views.shape[1] if kind == "flatten" else 16)


def test_bad_cl_representation_raises(cyclic):
    X, y = cyclic
    with pytest.raises(ValueError, match="cl_representation"):
        CoSeRec(**{**CL, "cl_representation": "max"}).fit(X, y)


def _views_after_one_warm_up_epoch(X, y, random_state, augmenter):
    model = CoSeRec(**{**CL, "max_epochs": 1, "random_state": random_state},
                    augmenter=augmenter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "will not augment": intended
        model.fit(X, y)
    return model.augmented_views(to_ragged(X)).numpy()


def test_augmenter_random_state_seeds_the_views(cyclic):
    X, y = cyclic
    # The augmenter's own seed decides the views, whatever the recommender's seed.
    a = _views_after_one_warm_up_epoch(X, y, 0, RandomMask(rate=0.5, random_state=3))
    b = _views_after_one_warm_up_epoch(X, y, 1, RandomMask(rate=0.5, random_state=3))
    c = _views_after_one_warm_up_epoch(X, y, 1, RandomMask(rate=0.5, random_state=4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)
    # Without one, the recommender's seed decides.
    d = _views_after_one_warm_up_epoch(X, y, 0, RandomMask(rate=0.5))
    e = _views_after_one_warm_up_epoch(X, y, 0, RandomMask(rate=0.5))
    f = _views_after_one_warm_up_epoch(X, y, 1, RandomMask(rate=0.5))
    np.testing.assert_array_equal(d, e)
    assert not np.array_equal(d, f)


@pytest.mark.parametrize("augmenter", [
    TiMask(mask_value=7),
    LengthAwareAugmenter(operators=[("mask", TiMask(mask_value=99)), ("crop", TiCrop())]),
])
def test_mask_value_other_than_padding_is_rejected(cyclic, augmenter):
    X, y = cyclic
    with pytest.raises(ValueError, match="mask with the padding id 0"):
        CoSeRec(**CL, augmenter=augmenter).fit(X, y)


def test_hybrid_switch_leaves_the_fitted_augmenter_untouched(cyclic):
    X, y = cyclic
    model = TiCoSeRec(**{**CL, "max_epochs": 1, "augmentation_warm_up_epochs": 1,
                         "model_warm_up_epochs": 0}).fit(X, y)
    before = model.augmenter_
    first = {name: op.similarity_ for name, op in before.operators_
             if hasattr(op, "similarity_")}
    model.set_params(max_epochs=2, warm_start=True).fit(X, y)
    # A new augmenter holds the hybrid model; the old one is as it was.
    assert model.augmenter_ is not before
    assert {name: op.similarity_ for name, op in before.operators_
            if hasattr(op, "similarity_")} == first
    sims = [op.similarity_ for _, op in model.augmenter_.operators_
            if hasattr(op, "similarity_")]
    assert len({id(s) for s in sims}) == 1  # one hybrid model, fitted once
