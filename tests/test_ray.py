"""Scale-out: grid searches over skrec estimators on Ray's joblib backend.

A smoke test of the second engine behind joblib (the first, Dask, is in
``test_dask.py``): a local Ray instance with two worker processes runs every
``(parameters, split)`` fit of a ``GridSearchCV`` -- an imbalanced-learn
pipeline with a skrec sampler, and TiCoSeRec -- and the cross-validation
results must equal the single-process run exactly.
"""

import os

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

ray = pytest.importorskip("ray")
joblib = pytest.importorskip("joblib")
from imblearn.pipeline import Pipeline  # noqa: E402

from skrec.metrics import make_ranking_scorer  # noqa: E402
from skrec.model_selection import leave_last_out_cv  # noqa: E402
from skrec.recommenders import TiCoSeRec  # noqa: E402
from skrec.sampling import TemperatureSampler  # noqa: E402

from .recommenders._synthetic import TINY, cyclic_frame  # noqa: E402
from .test_dask import _assert_same_results  # noqa: E402


@pytest.fixture(scope="module")
def ray_backend():
    from ray.util.joblib import register_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False, object_store_memory=80 * 2**20)
    register_ray()
    try:
        yield
    finally:
        ray.shutdown()


def _pid(estimator, X, y):
    """A "score" that says which process scored the fit."""
    return float(os.getpid())


def _searches():
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4,
                               weights=[0.85], random_state=0)
    pipe = GridSearchCV(
        Pipeline([("sampler", TemperatureSampler(random_state=0)),
                  ("clf", LogisticRegression())]),
        {"sampler__temperature": [1.0, 3.0, np.inf], "clf__C": [0.1, 10.0]},
        scoring={"balanced_accuracy": "balanced_accuracy", "pid": _pid},
        refit="balanced_accuracy",
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
        n_jobs=2,
        error_score="raise",
    )
    Xs, _ = cyclic_frame(60, seed=3)
    Xs, ys, cv = leave_last_out_cv(Xs)
    rec = GridSearchCV(
        TiCoSeRec(**{**TINY, "max_epochs": 3, "model_warm_up_epochs": 1,
                     "augmentation_warm_up_epochs": None}),
        {"augmenter__mask__rate": [0.2, 0.6], "hidden_size": [8, 16]},
        scoring=make_ranking_scorer("ndcg", k=10),
        cv=cv,
        n_jobs=2,
        error_score="raise",
    )
    return {"temperature_pipeline": (pipe, X, y), "ticoserec": (rec, Xs, ys)}


def test_grid_search_on_ray_equals_single_process(ray_backend):
    for name, (search, X, y) in _searches().items():
        local = clone(search).set_params(n_jobs=1).fit(X, y)
        dist = clone(search)
        with joblib.parallel_backend("ray"):
            dist.fit(X, y)
        pids = [k for k in local.cv_results_ if k.endswith("_pid")]
        if pids:
            # the fits ran in Ray's worker processes, not in this one
            ran_in = {p for k in pids for p in dist.cv_results_[k] if k.startswith("split")}
            assert os.getpid() not in ran_in, name
            for result in (dist, local):
                for k in pids:
                    del result.cv_results_[k]
        _assert_same_results(dist, local)
        key = next(k for k in local.cv_results_ if k.startswith("mean_test"))
        mean = local.cv_results_[key]
        # the scores vary over the grid: mixed-up candidates would show
        assert np.ptp(mean) > 0, name


def test_recommend_partitions_in_ray_data_groups_equals_one_process(ray_backend):
    # The user-guide snippet: Ray Data hands recommend_partitions the rows of
    # whole users (one group at a time); the union equals one process.
    pytest.importorskip("ray.data")
    import pandas as pd

    from skrec.recommenders import recommend_partitions

    from .test_dask import _fitted_sasrec, _log

    log = _log()
    encoder, X, model = _fitted_sasrec(log)
    expected = recommend_partitions(model, log, k=5, encoder=encoder)
    ds = ray.data.from_pandas(log).groupby("user_id").map_groups(
        lambda batch: recommend_partitions(model, batch, k=5, encoder=encoder),
        batch_format="pandas")
    got = pd.concat(list(ds.iter_batches(batch_format="pandas", batch_size=None)))
    key = ["user_id", "rank"]
    got = got.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False)
