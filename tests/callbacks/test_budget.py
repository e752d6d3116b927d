"""TimeBudget ends a fit at the first epoch boundary past the budget."""

import itertools

import pytest

from skrec.callbacks import TimeBudget
from skrec.recommenders import SASRec
from tests.recommenders._synthetic import TINY, cyclic_frame


def test_stops_after_the_epoch_that_spends_the_budget():
    X, y = cyclic_frame(80, seed=0)
    ticks = itertools.count()  # a fake clock: one "second" per call
    budget = TimeBudget(seconds=3, clock=lambda: next(ticks))
    model = SASRec(**{**TINY, "max_epochs": 50, "patience": 100,
                      "train_split": "leave_last_out"},
                   callbacks=[("budget", budget)]).fit(X, y)
    # start = 0; epochs end at clock 1, 2, 3: the third spends the budget
    assert len(model.history) == 3
    assert model.history[-1]["time_budget_spent"]
    assert "time_budget_spent" not in model.history[0]
    assert model.predict(X).shape == (len(X),)


def test_bad_budget():
    X, y = cyclic_frame(20, seed=0)
    with pytest.raises(ValueError, match="seconds"):
        SASRec(**TINY, callbacks=[("budget", TimeBudget(0))]).fit(X, y)
