"""Fixtures of the recommender tests."""

import pytest

from ._synthetic import cyclic_frame


@pytest.fixture(scope="module")
def cyclic():
    return cyclic_frame(240, seed=0)


@pytest.fixture(scope="module")
def cyclic_test():
    return cyclic_frame(80, seed=1)
