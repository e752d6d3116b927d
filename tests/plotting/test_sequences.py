"""plot_gap_variance: the gap-variance distribution before/after augmentation."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from skrec.augmentation import TiCrop, TiMask  # noqa: E402
from skrec.plotting import plot_gap_variance  # noqa: E402
from skrec.sequence import make_sequence_frame  # noqa: E402

DAY = 86400
X = make_sequence_frame(
    [[1, 2, 3, 4], [5, 6, 7], [1, 2]],
    [[0, DAY, 2 * DAY, 10 * DAY], [0, 0, 3 * DAY], [0, 5]],
)


def test_histograms_count_every_sequence_on_shared_bins():
    fig, ax = plt.subplots()
    out = plot_gap_variance(X, TiCrop(rate=0.75).fit_transform(X), ax=ax, bins=5)
    assert out is ax
    before, after = ax.containers
    assert sum(p.get_height() for p in before) == 3
    assert sum(p.get_height() for p in after) == 3
    assert [p.get_x() for p in before] == [p.get_x() for p in after]
    # variances in days²: [12.25 ... ] -> log10(1 + v); the largest bin edge
    gaps = np.array([1, 1, 8.0])
    assert ax.get_xlim()[1] >= np.log10(1 + gaps.var()) - 1e-9
    plt.close(fig)


def test_linear_scale_single_frame_and_masked_input():
    masked = TiMask(rate=1.0, random_state=0).fit_transform(X)
    ax = plot_gap_variance(masked, log=False, time_unit=1)
    assert ax.get_xlabel() == "gap variance [s²]"
    assert len(ax.containers) == 1
    plt.close(ax.figure)


def test_bad_time_unit():
    with pytest.raises(ValueError, match="time_unit"):
        plot_gap_variance(X, time_unit=0)
