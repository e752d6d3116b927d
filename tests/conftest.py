import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_configure(config):
    # Tests run in parallel processes (pytest -n 2): one torch thread each keeps
    # the 2-core CI machine from oversubscribing.
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


@pytest.fixture
def shared_data_dir():
    """Path of the repository's ``../shared/data`` folder, or skip when absent."""
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "data", here / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    pytest.skip("the shared data folder (../shared/data) is not available")
