"""GRU4Rec, BERT4Rec, CL4SRec and the loss family on the shared sequential base."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrec.metrics import make_ranking_scorer
from skrec.model_selection import leave_last_out_cv
from skrec.recommenders import (
    BERT4Rec,
    BERT4RecModule,
    CL4SRec,
    ContrastiveMixin,
    GRU4Rec,
    GRU4RecModule,
    SASRec,
    SASRecModule,
    load_recommender,
    save_recommender,
)
from skrec.recommenders._data import sample_negatives
from skrec.recommenders._modules import next_item_loss

from ._synthetic import N_ITEMS, TINY, cyclic_frame

COMMON = dict(max_seq_length=10, lr=1e-2, batch_size=64, patience=None,
              train_split=None, verbose=0, random_state=0)
GRU = dict(COMMON, embedding_size=16, hidden_size=32, dropout=0.1, max_epochs=10)
# The cloze task learns more slowly than next-item training: more epochs, and
# no dropout on a data set this small.
BERT = dict(COMMON, hidden_size=16, n_heads=2, inner_size=32, n_layers=1,
            hidden_dropout=0.0, attn_dropout=0.0, max_epochs=60)
MODELS = [(GRU4Rec, GRU), (BERT4Rec, BERT)]
IDS = ["GRU4Rec", "BERT4Rec"]


class ContrastiveGRU4Rec(ContrastiveMixin, GRU4Rec):
    pass


@parametrize_with_checks([GRU4Rec(**GRU), BERT4Rec(**BERT), CL4SRec(**TINY),
                          ContrastiveGRU4Rec(**GRU)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module", params=MODELS, ids=IDS)
def fitted(request, cyclic):
    cls, params = request.param
    X, y = cyclic
    return cls(**params).fit(X, y)


def test_learns_the_cyclic_pattern(fitted, cyclic_test):
    X, y = cyclic_test
    assert fitted.evaluate(X, y, ks=(1,))["hit@1"] > 0.9
    assert (fitted.predict(X) == y).mean() > 0.9


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_same_seed_same_model_other_seed_other_model(cls, params, cyclic):
    X, y = cyclic
    quick = {**params, "max_epochs": 2}
    a = cls(**quick).fit(X, y).decision_function(X)
    b = cls(**quick).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(a, b)
    c = cls(**{**quick, "random_state": 1}).fit(X, y).decision_function(X)
    assert not np.array_equal(a, c)


def test_clone_pickle_save_and_load(fitted, cyclic_test, tmp_path):
    X, _ = cyclic_test
    expected = fitted.decision_function(X)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.decision_function(X), expected)
    assert clone(fitted).get_params(deep=False) == fitted.get_params(deep=False)
    path = tmp_path / "model.skrec"
    save_recommender(path, fitted)
    loaded = load_recommender(path)
    assert type(loaded.model) is type(fitted)
    assert loaded.trained_as == type(fitted).__name__
    np.testing.assert_allclose(loaded.model.decision_function(X), expected, rtol=1e-6)


def test_scores_recommend_and_score(fitted, cyclic_test):
    from skrec.metrics import ndcg_at_k

    X, y = cyclic_test
    scores = fitted.decision_function(X)
    assert scores.shape == (len(X), N_ITEMS + 1)
    assert np.isneginf(scores[:, 0]).all()
    rec = fitted.recommend(X, k=5)
    for items, row in zip(X["items"], rec):
        assert not set(items) & set(row)
    top = np.take_along_axis(scores, rec, axis=1)
    assert (np.diff(top, axis=1) <= 0).all()
    assert fitted.score(X, y) == pytest.approx(ndcg_at_k(y, scores, k=10, exclude=X))


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_grid_search(cls, params):
    X, _ = cyclic_frame(60, seed=3)
    X_cv, y_cv, cv = leave_last_out_cv(X)
    grid = {"lr": [1e-2, 3e-3]}
    search = GridSearchCV(cls(**{**params, "max_epochs": 2}), grid,
                          scoring=make_ranking_scorer("ndcg", k=10), cv=cv).fit(X_cv, y_cv)
    assert search.best_params_["lr"] in grid["lr"]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_bad_input_and_params(cls, params, cyclic):
    X, y = cyclic
    with pytest.raises(ValueError, match="y must be a 1-D array"):
        cls(**params).fit(X, y[:-1])
    with pytest.raises(ValueError, match="max_seq_length"):
        cls(**{**params, "max_seq_length": 0}).fit(X, y)
    with pytest.raises(ValueError, match="negative_sampling"):
        cls(**{**params, "negative_sampling": "hard"}).fit(X, y)


# ----------------------------------------------------------------- encoders
def _padding_invariant(module, ids):
    module.eval()
    with torch.no_grad():
        narrow = module(ids)
        wide = module(torch.nn.functional.pad(ids, (3, 0)))[:, 3:]
        last = module(ids, last_only=True)[:, 0]
    torch.testing.assert_close(narrow, wide)
    torch.testing.assert_close(last, narrow[:, -1])
    return narrow


def test_gru_encoder_ignores_left_padding_and_runs_the_gru_on_items_only():
    torch.manual_seed(0)
    m = GRU4RecModule(n_items=6, embedding_size=4, hidden_size=5, dropout=0.0,
                      max_seq_length=8)
    ids = torch.tensor([[0, 0, 1, 2, 3], [0, 4, 0, 5, 6], [1, 2, 3, 4, 5]])
    out = _padding_invariant(m, ids)
    assert (out[0, :2] == 0).all() and (out[1, :1] == 0).all()
    # Row 0 equals the GRU run on its three items alone (an independent
    # computation with torch's GRU, unpacked).
    with torch.no_grad():
        alone, _ = m.gru(m.item_embedding(ids[:1, 2:]))
        torch.testing.assert_close(out[0, 2:], m.dense(alone)[0])


def test_bert_encoder_is_bidirectional_and_sasrec_is_causal():
    torch.manual_seed(0)
    kw = dict(hidden_size=8, n_heads=2, inner_size=16, max_seq_length=6,
              hidden_dropout=0.0, attn_dropout=0.0)
    a = torch.tensor([[0, 1, 2, 3]])
    b = torch.tensor([[0, 1, 2, 4]])  # differs at the last position only
    bert = BERT4RecModule(n_items=6, **kw).eval()
    sas = SASRecModule(n_items=6, **kw).eval()
    _padding_invariant(bert, torch.tensor([[0, 1, 7], [3, 4, 7]]))
    with torch.no_grad():
        assert not torch.allclose(bert(a)[0, 1], bert(b)[0, 1])  # sees the future
        torch.testing.assert_close(sas(a)[0, 1], sas(b)[0, 1])  # does not
    assert bert.item_embedding.num_embeddings == 8  # padding, 6 items, mask
    assert bert.item_scores(torch.zeros(1, 8)).shape == (1, 6)


def test_cloze_masks_real_items_only_and_every_row_trains(cyclic):
    X, y = cyclic
    model = BERT4Rec(**{**BERT, "max_epochs": 1, "mask_prob": 0.3}).fit(X, y)
    windows = torch.tensor([[0, 0, 1, 2, 3, 4], [0, 0, 0, 0, 0, 5]] * 200)
    inputs, targets = model._cloze(windows)
    masked = inputs == model.module_.mask_token
    assert not masked[windows == 0].any()  # padding is never masked
    torch.testing.assert_close(targets, windows * masked)  # targets: the originals
    torch.testing.assert_close(inputs[~masked], windows[~masked])
    assert masked.any(1).all()  # every row has a masked item
    share = masked[::2, 2:].float().mean().item()  # rows of 4 items
    assert 0.25 < share < 0.4  # about mask_prob (a forced last mask adds a little)


def test_bert4rec_predicts_the_appended_mask(cyclic):
    X, y = cyclic
    fitted = BERT4Rec(**{**BERT, "max_epochs": 1, "max_seq_length": 4}).fit(X, y)
    # three items and the mask fill the 4 positions; a fourth item would
    # push the oldest out
    Xi = {"input_ids": torch.tensor([[0, 3, 4, 5]])}
    fitted.module_.eval()
    with torch.no_grad():
        hidden = fitted.infer(Xi, last_only=True)[:, -1]
        direct = fitted.module_(torch.tensor([[3, 4, 5, fitted.module_.mask_token]]),
                                last_only=True)[:, -1]
        longer = fitted.infer({"input_ids": torch.tensor([[2, 3, 4, 5]])}, last_only=True)
    torch.testing.assert_close(hidden, direct)
    torch.testing.assert_close(longer[:, -1], direct)


# ------------------------------------------------------------ loss family
def test_sampled_softmax_equals_a_hand_computed_value_with_logq():
    m = SASRecModule(n_items=3, hidden_size=2, n_heads=1, inner_size=2, max_seq_length=2)
    with torch.no_grad():
        m.item_embedding.weight.copy_(torch.tensor(
            [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    h = torch.tensor([[[0.0, 0.0], [2.0, 1.0]]])
    targets = torch.tensor([[0, 1]])
    negatives = torch.tensor([[[2, 3], [2, 3]]])
    log_q = torch.log(torch.tensor([1.0, 0.5, 0.3, 0.2]))
    loss = next_item_loss(m, h, targets, negatives, kind="sampled_softmax", log_q=log_q)
    # logits: item1 = 2, item2 = 1, item3 = 3; minus log q
    z = np.array([2 - np.log(0.5), 1 - np.log(0.3), 3 - np.log(0.2)])
    expected = -(z[0] - np.log(np.exp(z).sum()))
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    plain = next_item_loss(m, h, targets, negatives, kind="sampled_softmax")
    z = np.array([2.0, 1.0, 3.0])
    assert float(plain) == pytest.approx(-(z[0] - np.log(np.exp(z).sum())), rel=1e-6)
    bce = next_item_loss(m, h, targets, negatives, kind="bce")
    sp = np.log1p(np.exp(-2.0)) + np.log1p(np.exp(1.0)) + np.log1p(np.exp(3.0))
    assert float(bce) == pytest.approx(sp, rel=1e-6)


def test_popularity_negatives_follow_the_counts():
    rng = np.random.default_rng(0)
    counts = np.array([6.0, 3.0, 1.0, 0.0])
    cdf = np.cumsum(counts / counts.sum())
    neg = sample_negatives(rng, 4, (1, 200_000), np.zeros((1, 1), np.int64), cdf=cdf)
    freq = np.bincount(neg.ravel(), minlength=5)[1:] / neg.size
    np.testing.assert_allclose(freq, counts / counts.sum(), atol=0.005)
    # exclusion redraws from the same distribution
    neg = sample_negatives(rng, 4, (1, 50_000), np.array([[1]]), cdf=cdf)
    freq = np.bincount(neg.ravel(), minlength=5)[1:] / neg.size
    np.testing.assert_allclose(freq, [0, 0.75, 0.25, 0], atol=0.01)


@pytest.mark.parametrize("loss, sampling", [("sampled_softmax", "uniform"),
                                            ("sampled_softmax", "popularity"),
                                            ("bce", "popularity")])
def test_sampled_losses_learn(loss, sampling, cyclic, cyclic_test):
    X, y = cyclic
    Xt, yt = cyclic_test
    model = SASRec(**{**TINY, "max_epochs": 12, "loss": loss, "n_negatives": 4,
                      "negative_sampling": sampling}).fit(X, y)
    assert model.evaluate(Xt, yt, ks=(1,))["hit@1"] > 0.9
    counts = np.bincount(np.concatenate(X["items"].to_list() + [y]))[1:]
    np.testing.assert_array_equal(model.item_counts_, counts)
    if sampling == "popularity":
        np.testing.assert_allclose(model.log_q_[1:].exp().numpy(), counts / counts.sum(),
                                   rtol=1e-5)


# ---------------------------------------------------------- contrastive
def test_contrastive_gru4rec_composes_without_new_code(cyclic):
    X, y = cyclic
    model = ContrastiveGRU4Rec(**{**GRU, "max_epochs": 3, "model_warm_up_epochs": 1})
    model.set_params(augmenter__mask__rate=0.3).fit(X, y)
    assert model.history[-1]["cl_loss"] > 0
    assert model.augmenter_.operators_[1][1].rate == 0.3
    assert isinstance(model.module_, GRU4RecModule)

    class ContrastiveBERT4Rec(ContrastiveMixin, BERT4Rec):
        pass

    with pytest.raises(TypeError, match="causal"):
        ContrastiveBERT4Rec(**BERT).fit(X, y)


def test_cl4srec_preset_draws_crop_mask_reorder_for_every_sequence(cyclic):
    X, y = cyclic
    model = CL4SRec(**{**TINY, "model_warm_up_epochs": 1}).fit(X, y)
    ops = dict(model.augmenter_.operators_)
    assert list(ops) == ["crop", "mask", "reorder"]
    assert (ops["crop"].rate, ops["mask"].rate, ops["reorder"].rate) == (0.2, 0.7, 0.2)
    assert model.augmenter_.augment_threshold == -1
    assert model.augmenter_.variance_threshold_ == -np.inf  # nothing skipped
    assert model.history[-1]["cl_loss"] > 0
