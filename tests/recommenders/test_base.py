"""SASRec: learning, reproducibility, the estimator API and bad input."""

import io
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Checkpoint
from skorch.exceptions import NotInitializedError

from skrec.metrics import ndcg_at_k
from skrec.recommenders import CoSeRec, SASRec, TiCoSeRec
from skrec.sequence import make_sequence_frame

from ._synthetic import N_ITEMS, TINY, cyclic_frame


@parametrize_with_checks([SASRec(**TINY), CoSeRec(**TINY), TiCoSeRec(**TINY)])
def test_sklearn_compatible(estimator, check):
    # Sequence frames are not 2-D arrays (tags: two_d_array=False), so
    # scikit-learn runs its input-independent checks only.
    check(estimator)


@pytest.fixture(scope="module")
def fitted(cyclic):
    X, y = cyclic
    return SASRec(**{**TINY, "max_epochs": 12}).fit(X, y)


def test_learns_cyclic_pattern(fitted, cyclic_test):
    X, y = cyclic_test
    # Fresh rows (other starts and lengths) of the deterministic cycle.
    assert (fitted.predict(X) == y).mean() > 0.9
    hit1 = fitted.evaluate(X, y, ks=(1,))["hit@1"]
    assert hit1 > 0.9


def test_evaluate_names_match_history_and_metrics_old_names_warn(fitted, cyclic_test):
    from skrec.metrics import ranking_scores

    X, y = cyclic_test
    scores = fitted.evaluate(X, y, ks=(1, 5))
    assert list(scores) == ["hit@1", "ndcg@1", "hit@5", "ndcg@5"]
    assert scores == ranking_scores(fitted.rank(X, y), ks=(1, 5))
    with pytest.warns(FutureWarning, match="lower-case"):
        assert scores["HIT@5"] == scores["hit@5"]
    with pytest.raises(KeyError):
        scores["recall@5"]


def test_same_random_state_same_model(cyclic):
    X, y = cyclic
    a = SASRec(**TINY).fit(X, y)
    b = SASRec(**TINY).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    c = SASRec(**{**TINY, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.decision_function(X), c.decision_function(X))


def test_clone_pickle_and_params_round_trip(fitted, cyclic, cyclic_test, tmp_path):
    X, y = cyclic
    Xt, _ = cyclic_test
    expected = fitted.decision_function(Xt)
    # clone + refit with the same seed
    again = clone(fitted).fit(X, y)
    np.testing.assert_array_equal(again.decision_function(Xt), expected)
    # pickle
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.decision_function(Xt), expected)
    # save_params / load_params into an unfitted instance (vocabulary included)
    f = tmp_path / "params.pt"
    fitted.save_params(f_params=f)
    fresh = SASRec(**{**TINY, "max_epochs": 12}).load_params(f_params=f)
    np.testing.assert_array_equal(fresh.items_, fitted.items_)
    np.testing.assert_array_equal(fresh.decision_function(Xt), expected)
    buf = io.BytesIO()
    fitted.save_params(f_params=buf)
    buf.seek(0)
    np.testing.assert_array_equal(
        SASRec(**TINY).load_params(f_params=buf).predict(Xt), fitted.predict(Xt)
    )


def test_decision_function_columns_are_item_ids(fitted, cyclic_test):
    X, y = cyclic_test
    scores = fitted.decision_function(X)
    assert scores.shape == (len(X), N_ITEMS + 1)
    assert np.isneginf(scores[:, 0]).all()
    proba = fitted.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    assert (proba.argmax(1) == scores.argmax(1)).all()
    # score() = NDCG@10 computed independently by skrec.metrics on the scores.
    assert fitted.score(X, y) == pytest.approx(ndcg_at_k(y, scores, k=10, exclude=X))


def test_recommend_excludes_seen_and_orders_by_score(fitted, cyclic_test):
    X, _ = cyclic_test
    rec = fitted.recommend(X, k=5)
    assert rec.shape == (len(X), 5)
    for items, row in zip(X["items"], rec):
        assert not set(items) & set(row)
    scores = fitted.decision_function(X)
    top = np.take_along_axis(scores, rec, axis=1)
    assert (np.diff(top, axis=1) <= 0).all()
    with_seen = fitted.recommend(X, k=N_ITEMS, exclude_seen=False)
    np.testing.assert_array_equal(with_seen[:, 0], scores.argmax(1))


def test_max_item_id_widens_the_score_matrix(fitted, cyclic_test):
    X, y = cyclic_test
    wide = pickle.loads(pickle.dumps(fitted)).set_params(max_item_id=30)
    scores = wide.decision_function(X)
    assert scores.shape == (len(X), 31)
    assert np.isneginf(scores[:, N_ITEMS + 1:]).all()
    np.testing.assert_array_equal(scores[:, : N_ITEMS + 1], fitted.decision_function(X))
    # a target id the model never saw is a miss, not an error
    y_new = np.where(np.arange(len(y)) == 0, 25, y)
    expected = ndcg_at_k(y, fitted.decision_function(X), k=10, exclude=X) * len(y)
    expected -= float(fitted.rank(X.iloc[:1], y[:1])[0] <= 10) / np.log2(
        fitted.rank(X.iloc[:1], y[:1])[0] + 1)
    assert ndcg_at_k(y_new, scores, k=10, exclude=X) == pytest.approx(expected / len(y))
    with pytest.raises(ValueError, match="max_item_id=5 is below"):
        wide.set_params(max_item_id=5).decision_function(X)


def test_caller_ids_are_kept():
    # Sparse, large item ids: outputs use them, columns follow them.
    X = make_sequence_frame([[100, 300, 500], [300, 500, 100]] * 10)
    model = SASRec(**TINY).fit(X)
    np.testing.assert_array_equal(model.items_, [100, 300, 500])
    assert set(model.recommend(X, k=3, exclude_seen=False).ravel()) <= {100, 300, 500}
    assert model.decision_function(X).shape == (20, 501)


def test_validation_and_early_stopping(cyclic):
    X, y = cyclic
    model = SASRec(**{**TINY, "train_split": "leave_last_out", "patience": 2,
                      "max_epochs": 30, "lr": 1e-1}).fit(X, y)
    hist = model.history
    assert "valid_ndcg@10" in hist[-1] and "valid_hit@10" in hist[-1]
    scores = hist[:, "valid_ndcg@10"]
    assert len(hist) < 30  # stopped early
    best = int(np.argmax(scores))
    # patience 2: stops 2 epochs after the last improvement
    assert len(hist) - 1 - best <= 2
    Xv, yv = cyclic_frame(40, seed=5)
    model = SASRec(**{**TINY, "max_epochs": 2}).fit(X, y, validation_data=(Xv, yv))
    assert "valid_ndcg@10" in model.history[-1]
    # the recorded validation NDCG is the model's score on that data
    assert model.history[-1, "valid_ndcg@10"] == pytest.approx(model.score(Xv, yv))


def test_train_split_none_has_no_validation(fitted):
    assert "valid_ndcg@10" not in fitted.history[-1]


def test_warm_start_and_skorch_callbacks(cyclic, tmp_path):
    X, y = cyclic
    cp = Checkpoint(dirname=str(tmp_path), monitor=None)
    model = SASRec(**{**TINY, "max_epochs": 2, "warm_start": True, "callbacks": [cp]})
    model.fit(X, y)
    items = model.items_
    model.fit(X, y)
    assert len(model.history) == 4
    assert model.items_ is items
    assert (tmp_path / "params.pt").exists()


def test_losses_and_prefix_examples_train(cyclic, cyclic_test):
    X, y = cyclic
    Xt, yt = cyclic_test
    ce = SASRec(**{**TINY, "loss": "ce", "max_epochs": 8}).fit(X, y)
    assert ce.evaluate(Xt, yt, ks=(1,))["hit@1"] > 0.9
    pref = SASRec(**{**TINY, "training_examples": "prefixes", "max_epochs": 2}).fit(X, y)
    assert pref.history[-1, "train_batch_count"] > ce.history[-1, "train_batch_count"]


def test_unknown_items(fitted):
    X = make_sequence_frame([[1, 2, 99], [3, 4]])
    with pytest.warns(UserWarning, match="not in the vocabulary"):
        warned = fitted.decision_function(X)
    # an unknown item is padding: same as masking it out
    masked = fitted.set_params(handle_unknown="ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ignored = masked.decision_function(X)
    np.testing.assert_array_equal(warned, ignored)
    fitted.set_params(handle_unknown="error")
    try:
        with pytest.raises(ValueError, match="item 99"):
            fitted.predict(X)
    finally:
        fitted.set_params(handle_unknown="warn")
    # an unknown next item is a miss
    assert np.isinf(fitted.rank(make_sequence_frame([[1, 2]]), [999])[0])


def test_bad_input(fitted, cyclic):
    X, y = cyclic
    with pytest.raises(NotInitializedError, match="not fitted"):
        SASRec(**TINY).predict(X)
    with pytest.raises(ValueError, match="k=21 exceeds the catalogue of 20"):
        fitted.recommend(X, k=21)
    with pytest.raises(ValueError, match="positive integer"):
        fitted.recommend(X, k=0)
    empty = make_sequence_frame([[1, 2], []])
    with pytest.raises(ValueError, match="empty sequence"):
        SASRec(**TINY).fit(empty)
    with pytest.raises(ValueError, match="empty sequence"):
        fitted.predict(empty)
    nan = X.copy()
    t = nan["timestamps"].iloc[0].astype(float)
    t[1] = np.nan
    nan["timestamps"] = [t] + list(nan["timestamps"].iloc[1:])
    with pytest.raises(ValueError, match="NaN"):
        SASRec(**TINY).fit(nan)
    with pytest.raises(ValueError, match="one next item per row"):
        SASRec(**TINY).fit(X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        SASRec(**TINY).fit(X, np.where(np.arange(len(y)) == 0, np.nan, y))
    with pytest.raises(ValueError, match="No training pair"):
        SASRec(**TINY).fit(make_sequence_frame([[1], [2]]))
    with pytest.raises(ValueError, match="n_heads"):
        SASRec(**{**TINY, "hidden_size": 15}).fit(X, y)
    with pytest.raises(ValueError, match="loss"):
        SASRec(**{**TINY, "loss": "mse"}).fit(X, y)
    with pytest.raises(TypeError, match="sequence frame"):
        SASRec(**TINY).fit(np.zeros((3, 2)))
    # inputs are never modified
    before = X.copy(deep=True)
    fitted.predict(X)
    assert all(np.array_equal(a, b) for a, b in zip(X["items"], before["items"]))


@pytest.mark.parametrize("batching, skip_padding", [("random", False), ("length", True)])
def test_both_batching_paths_learn(cyclic, cyclic_test, batching, skip_padding):
    X, y = cyclic
    Xt, yt = cyclic_test
    model = SASRec(**{**TINY, "max_epochs": 12, "batching": batching,
                      "module__skip_padding": skip_padding}).fit(X, y)
    assert model.evaluate(Xt, yt, ks=(1,))["hit@1"] > 0.9


def test_length_batches_are_narrower_than_random(cyclic):
    # Every training batch of the length-aware path is at most as wide as
    # its longest row, and all rows together cost less padding.
    X, y = cyclic
    widths = {}
    for batching in ("random", "length"):
        model = SASRec(**{**TINY, "max_epochs": 1, "batch_size": 8,
                          "batching": batching}).fit(X, y)
        data = model._prepare(X, y, None, refit=False)
        dataset = model.get_dataset(data)
        batches = list(model.get_iterator(dataset, training=True))
        widths[batching] = sum(Xi["input_ids"].numel() for Xi, _ in batches)
        real = sum(int((Xi["input_ids"] > 0).sum()) for Xi, _ in batches)
        assert real == dataset.input_lengths().sum()  # every row once
    assert widths["length"] < widths["random"]


def test_monitor_chooses_the_early_stopping_metric(cyclic):
    X, y = cyclic
    model = SASRec(**{**TINY, "train_split": "leave_last_out", "max_epochs": 2,
                      "patience": 5, "monitor": "valid_hit@5"}).fit(X, y)
    for k in (5, 10, 20):
        assert f"valid_ndcg@{k}" in model.history[-1]
    assert dict(model.callbacks_)["early_stopping"].monitor == "valid_hit@5"
    with pytest.raises(ValueError, match="monitor"):
        SASRec(**{**TINY, "monitor": "ndcg@10"}).fit(X, y)


def test_generator_random_state_and_shortcut_conflicts(cyclic):
    X, y = cyclic
    # A numpy Generator is accepted (documented), and seeds reproducibly.
    a = SASRec(**{**TINY, "random_state": np.random.default_rng(3)}).fit(X, y)
    b = SASRec(**{**TINY, "random_state": np.random.default_rng(3)}).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    # optimizer__weight_decay disagreeing with weight_decay is no longer silent.
    with pytest.warns(FutureWarning, match="overrides weight_decay"):
        m = SASRec(**{**TINY, "max_epochs": 1}, weight_decay=0.0,
                   optimizer__weight_decay=0.5).fit(X, y)
    assert m.optimizer_.param_groups[0]["weight_decay"] == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        SASRec(**{**TINY, "max_epochs": 1}, weight_decay=0.5,
               optimizer__weight_decay=0.5).fit(X, y)


def test_several_negatives_per_position_learn_and_one_is_the_default_stream(cyclic,
                                                                              cyclic_test):
    X, y = cyclic
    Xt, yt = cyclic_test
    model = SASRec(**{**TINY, "max_epochs": 12, "n_negatives": 3}).fit(X, y)
    assert model.evaluate(Xt, yt, ks=(1,))["hit@1"] > 0.9
    # n_negatives=1 draws exactly what the single-negative loss drew before
    a = SASRec(**TINY).fit(X, y)
    b = SASRec(**{**TINY, "n_negatives": 1}).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(Xt), b.decision_function(Xt))
