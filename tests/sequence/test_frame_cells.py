"""Arrow list columns at the frame boundary: same contract, same results."""

import numpy as np
import pandas as pd
import pytest

pa = pytest.importorskip("pyarrow")

from skrec.augmentation import (  # noqa: E402
    AugmentationSampler,
    LengthAwareAugmenter,
    TiCrop,
    TiMask,
)
from skrec.sequence import (  # noqa: E402
    cell_format,
    check_sequence_frame,
    from_ragged,
    make_sequence_frame,
    to_ragged,
)

SEQS = [[3, 1, 2], [], [5], [1, 2, 3, 4, 5, 6]]
TIMES = [[0, 4, 9], [], [2], [0, 1, 3, 7, 8, 20]]


def _arrow_frame(items, times):
    return pd.DataFrame(
        {
            "items": pd.Series(items, dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
            "timestamps": pd.Series(times, dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
        }
    )


def test_arrow_and_object_frames_give_the_same_ragged():
    X_obj = make_sequence_frame(SEQS, TIMES)
    X_arrow = _arrow_frame(SEQS, TIMES)
    assert cell_format(X_obj) == "object" and cell_format(X_arrow) == "arrow"
    a = check_sequence_frame(X_obj, allow_empty_sequences=True)
    b = check_sequence_frame(X_arrow, allow_empty_sequences=True)
    for name in ("items", "timestamps", "offsets"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert getattr(b, name).dtype == np.int64


def test_from_ragged_arrow_round_trip_and_independent_memory():
    r = to_ragged(make_sequence_frame(SEQS, TIMES), allow_empty_sequences=True)
    X = from_ragged(r, index=list("abcd"), cells="arrow")
    assert X["items"].tolist() == SEQS and X["timestamps"].tolist() == TIMES
    assert list(X.index) == list("abcd")
    r.items[0] = 99  # the frame must not share the Ragged's memory
    assert X["items"].tolist()[0] == [3, 1, 2]
    with pytest.raises(ValueError, match="cells must be"):
        from_ragged(r, cells="parquet")


@pytest.mark.parametrize(
    "items, times, match",
    [
        ([[1, None]], [[0, 1]], "missing values"),
        ([[1, 2]], [[0]], "different lengths"),
        ([[1, 2]], [[3, 1]], "sorted"),
        ([[0, 2]], [[0, 1]], "positive"),
        ([[1, 2]], [[0, -1]], "non-negative"),
        ([[1], None], [[0], [1]], "missing sequence"),
    ],
)
def test_arrow_frames_get_the_same_clear_errors(items, times, match):
    with pytest.raises(ValueError, match=match):
        check_sequence_frame(_arrow_frame(items, times))


def test_arrow_float_lists_are_checked_like_object_cells():
    X = pd.DataFrame({
        "items": pd.Series([[1.0, 2.5]], dtype=pd.ArrowDtype(pa.list_(pa.float64()))),
        "timestamps": pd.Series([[0, 1]], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
    })
    with pytest.raises(ValueError, match="must hold integers"):
        check_sequence_frame(X)


@pytest.mark.parametrize("op", [TiCrop(random_state=0), TiMask(random_state=0),
                                LengthAwareAugmenter(random_state=0)])
def test_transform_keeps_the_cell_format_and_the_result(op):
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 30, size=n).tolist() for n in rng.integers(1, 12, size=40)]
    times = [np.cumsum(rng.integers(0, 5, size=len(s))).tolist() for s in seqs]
    X_obj, X_arrow = make_sequence_frame(seqs, times), _arrow_frame(seqs, times)
    out_obj = op.fit(X_obj).transform(X_obj)
    out_arrow = op.fit(X_arrow).transform(X_arrow)
    assert cell_format(out_obj) == "object" and cell_format(out_arrow) == "arrow"
    assert [c.tolist() for c in out_obj["items"]] == out_arrow["items"].tolist()
    assert [c.tolist() for c in out_obj["timestamps"]] == out_arrow["timestamps"].tolist()


def test_sampler_keeps_arrow_cells():
    seqs, times = [[1, 2, 3, 4], [5, 6, 7, 8]], [[0, 1, 2, 9], [0, 5, 6, 7]]
    X_res, y_res = AugmentationSampler(TiCrop(rate=0.75)).fit_resample(
        _arrow_frame(seqs, times), np.array([0, 1]))
    assert cell_format(X_res) == "arrow"
    assert X_res["items"].tolist() == [[1, 2, 3, 4], [5, 6, 7, 8], [1, 2, 3], [6, 7, 8]]
    assert y_res.tolist() == [0, 1, 0, 1]


def test_load_beauty_arrow_cells_hold_the_same_sequences():
    from skrec.datasets import load_beauty

    X, XA = load_beauty(), load_beauty(cells="arrow")
    assert cell_format(XA) == "arrow" and XA.index.equals(X.index)
    a, b = to_ragged(X), to_ragged(XA)
    np.testing.assert_array_equal(a.items, b.items)
    np.testing.assert_array_equal(a.timestamps, b.timestamps)
    np.testing.assert_array_equal(a.offsets, b.offsets)
