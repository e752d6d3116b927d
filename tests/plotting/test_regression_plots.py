"""Tests of the error-by-region plot."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from skrec.plotting import plot_error_by_region  # noqa: E402


def test_curves_are_per_bin_mae():
    import matplotlib.pyplot as plt

    y_train = np.r_[np.zeros(150), np.ones(50), np.full(5, 2.0)]
    y_true = np.array([0.2, 0.4, 1.5, 2.5])
    pred = {"a": y_true + np.array([1.0, 3.0, -2.0, 0.5]), "b": y_true}
    ax = plot_error_by_region(y_true, pred, y_train)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_allclose(lines[0].get_xdata(), [0.5, 1.5, 2.5])
    np.testing.assert_allclose(lines[0].get_ydata(), [2.0, 2.0, 0.5])  # per-bin MAE
    np.testing.assert_allclose(lines[1].get_ydata(), [0.0, 0.0, 0.0])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"many-shot", "medium-shot", "few-shot"} <= set(legend)
    plt.close("all")


def test_bad_input():
    with pytest.raises(ValueError, match="NaN or infinite"):
        plot_error_by_region([0.0, np.nan], [0.0, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="values for"):
        plot_error_by_region([0.0, 1.0], [0.0], [0.0, 1.0])
