"""Scale-out: grid searches over skrec estimators run on a dask cluster.

joblib's ``dask`` backend sends every ``(parameters, split)`` fit of a
``GridSearchCV`` to the workers of a ``dask.distributed`` cluster. Here the
cluster is a ``LocalCluster`` of two single-threaded worker *processes*, so
estimators, samplers and data really are pickled and sent across processes;
the cross-validation results must equal the single-process run exactly.
"""

import logging

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")
from imblearn.pipeline import Pipeline  # noqa: E402

from skrec.calibration import PriorCorrectionClassifier  # noqa: E402
from skrec.sampling import TemperatureSampler  # noqa: E402

# Everything in cv_results_ that does not measure time.
_TIMING = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, weights=[0.85], random_state=0
    )
    return X, y


def _searches():
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    prior = GridSearchCV(
        PriorCorrectionClassifier(LogisticRegression()),
        {"estimator__C": [0.01, 1.0, 100.0], "target_priors": [[0.5, 0.5], [0.7, 0.3]]},
        scoring=["balanced_accuracy", "neg_log_loss"],
        refit="balanced_accuracy",
        cv=cv,
        n_jobs=-1,
        error_score="raise",
    )
    pipe = GridSearchCV(
        Pipeline(
            [
                ("sampler", TemperatureSampler(random_state=0)),
                ("clf", LogisticRegression()),
            ]
        ),
        {"sampler__temperature": [1.0, 3.0, np.inf], "clf__C": [0.1, 10.0]},
        scoring="balanced_accuracy",
        cv=cv,
        n_jobs=-1,
        error_score="raise",
    )
    return {"prior_correction": prior, "temperature_pipeline": pipe}


def _assert_same_results(dist, local):
    keys = sorted(set(local.cv_results_) - set(_TIMING))
    assert sorted(set(dist.cv_results_) - set(_TIMING)) == keys
    assert any(k.startswith("split0_test") for k in keys)
    for key in keys:
        a, b = dist.cv_results_[key], local.cv_results_[key]
        if key == "params":
            assert a == b
        else:
            # Exactly equal: the same fits on the same folds, only elsewhere.
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=key)
    assert dist.best_params_ == local.best_params_


def test_grid_search_on_dask_equals_single_process(client, data):
    # One test for both searches: under ``pytest -n 2`` a module fixture is set
    # up once per xdist worker, and one cluster is enough.
    X, y = data
    for name, search in _searches().items():
        local = clone(search).set_params(n_jobs=1).fit(X, y)

        dist = clone(search)
        with distributed.get_task_stream(client) as stream:
            with joblib.parallel_backend("dask"):
                dist.fit(X, y)
        # The fits really ran on the cluster's worker processes.
        workers = {task["worker"] for task in stream.data}
        assert stream.data, f"{name}: nothing ran on the cluster"
        assert workers <= set(client.scheduler_info()["workers"]), name

        _assert_same_results(dist, local)
        np.testing.assert_array_equal(
            dist.best_estimator_.predict_proba(X),
            local.best_estimator_.predict_proba(X),
            err_msg=name,
        )
        # The scores vary over the grid, so a run that mixed up candidates or
        # folds would not pass the equality above.
        mean_key = next(k for k in local.cv_results_ if k.startswith("mean_test"))
        assert np.ptp(local.cv_results_[mean_key]) > 0, name


# ------------------------------------------------- partitioned recommendation
def _log(n_users=60, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        n = rng.integers(3, 9)
        start = rng.integers(0, 20)
        items = (start + np.arange(n)) % 20 + 1
        times = np.cumsum(rng.integers(1, 5, n))
        rows += [(f"u{u:03d}", int(i), int(t)) for i, t in zip(items, times)]
    log = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    return log.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # shuffled rows


def _fitted_sasrec(log):
    """(encoder, sequence frame, SASRec fitted on it) of an interaction log."""
    from skrec.preprocessing import SequenceEncoder
    from skrec.recommenders import SASRec

    encoder = SequenceEncoder(handle_unknown="drop")
    X = encoder.fit_transform(log)
    model = SASRec(hidden_size=16, n_heads=2, inner_size=16, n_layers=1,
                   max_seq_length=10, max_epochs=3, train_split=None, verbose=0,
                   random_state=0).fit(X)
    return encoder, X, model


def test_recommend_partitions_on_a_cluster_equals_one_process(client):
    import dask.dataframe as dd

    from skrec.recommenders import recommend_partitions

    log = _log()
    encoder, X, model = _fitted_sasrec(log)
    expected = recommend_partitions(model, log, k=5, encoder=encoder)
    # the same as recommend on the whole frame, in the log's ids
    top = encoder.inverse_transform(model.recommend(X, k=5))
    np.testing.assert_array_equal(expected["item_id"].to_numpy().reshape(-1, 5), top)

    ddf = dd.from_pandas(log, npartitions=4)  # users split across partitions
    got = recommend_partitions(model, ddf, k=5, encoder=encoder).compute()
    got = got.sort_values(["user_id", "rank"]).reset_index(drop=True)
    expected = expected.sort_values(["user_id", "rank"]).reset_index(drop=True)
    # every user once, with one whole list (the log was shuffled by user)
    assert (got.groupby("user_id").size() == 5).all() and len(got) == len(expected)
    np.testing.assert_array_equal(got["user_id"].to_numpy(), expected["user_id"].to_numpy())
    np.testing.assert_array_equal(got["item_id"].to_numpy(), expected["item_id"].to_numpy())
    np.testing.assert_array_equal(got["rank"].to_numpy(), expected["rank"].to_numpy())


def test_recommend_partitions_without_encoder_and_bad_input():
    import dask.dataframe as dd

    from skrec.recommenders import Popularity, recommend_partitions
    from skrec.sequence import make_sequence_frame

    log = _log(20)
    frame = (log.sort_values(["user_id", "timestamp"], kind="stable")
             .groupby("user_id").agg(list))
    X = make_sequence_frame(frame["item_id"].tolist(), frame["timestamp"].tolist(),
                            index=frame.index)
    model = Popularity().fit(X)
    got = recommend_partitions(model, dd.from_pandas(log, npartitions=3), k=3).compute()
    got = got.sort_values(["user_id", "rank"])
    np.testing.assert_array_equal(got["item_id"].to_numpy().reshape(-1, 3),
                                  model.recommend(X, k=3))
    with pytest.raises(ValueError, match="no column"):
        recommend_partitions(model, log.rename(columns={"item_id": "sku"}))
    with pytest.raises(ValueError, match="k must be"):
        recommend_partitions(model, log, k=0)
    with pytest.raises(ValueError, match="exceeds the catalogue"):
        recommend_partitions(model, log, k=model.n_items_ + 1)
