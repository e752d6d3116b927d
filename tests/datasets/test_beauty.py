import numpy as np
import pandas as pd
import pytest

from skrec.datasets import load_beauty, load_interactions
from skrec.datasets._base import _read_beauty_text
from skrec.preprocessing import SequenceEncoder
from skrec.sequence import check_sequence_frame, to_ragged


@pytest.fixture(scope="module")
def beauty():
    return load_beauty()


def test_counts(beauty):
    r = check_sequence_frame(beauty)  # a valid sequence frame
    assert beauty.shape == (22363, 2)
    assert beauty.index.name == "user_id"
    assert beauty.index.tolist() == list(range(1, 22364))
    assert len(r.items) == 198502
    assert np.unique(r.items).tolist() == list(range(1, 12102))
    assert r.lengths.min() == 5 and np.median(r.lengths) == 6
    assert r.timestamps.min() > 0 and (r.timestamps % 86400 == 0).all()


def test_first_user_matches_the_file(beauty):
    # First lines of Beauty_item.txt / Beauty_time.txt (copied by hand).
    assert beauty.loc[1, "items"].tolist() == [7873, 6846, 4585, 1, 5406]
    assert beauty.loc[1, "timestamps"].tolist() == [
        1318896000,
        1318896000,
        1328140800,
        1391040000,
        1391040000,
    ]


def test_log_kind_and_bunch(beauty):
    log = load_beauty(kind="log")
    assert log.columns.tolist() == ["user_id", "item_id", "timestamp"]
    assert len(log) == 198502 and log["user_id"].nunique() == 22363
    assert (log.dtypes == np.int64).all()
    # Encoding the log gives back the sequence frame (ids are already 1..12101).
    enc = SequenceEncoder()
    X = enc.fit_transform(log)
    assert enc.n_items_ == 12101 and enc.classes_.tolist() == list(range(1, 12102))
    a, b = to_ragged(X), to_ragged(beauty)
    np.testing.assert_array_equal(a.items, b.items)
    np.testing.assert_array_equal(a.timestamps, b.timestamps)
    np.testing.assert_array_equal(X.index, beauty.index)
    bunch = load_beauty(return_bunch=True)
    assert (bunch.n_users, bunch.n_items, bunch.n_interactions) == (
        22363,
        12101,
        198502,
    )
    assert "McAuley" in bunch.DESCR and "TiCoSeRec" in bunch.DESCR
    assert bunch.frame.shape == (22363, 2)


def test_bad_kind():
    with pytest.raises(ValueError, match="kind"):
        load_beauty(kind="matrix")


def test_bundle_reproduces_original_files(beauty, shared_data_dir):
    folder = shared_data_dir / "beauty"
    if not folder.is_dir():
        pytest.skip("../shared/data/beauty is not available")
    users, r = _read_beauty_text(
        folder / "Beauty_item.txt.gz", folder / "Beauty_time.txt.gz"
    )
    b = to_ragged(beauty)
    np.testing.assert_array_equal(users, beauty.index)
    np.testing.assert_array_equal(r.offsets, b.offsets)
    np.testing.assert_array_equal(r.items, b.items)
    np.testing.assert_array_equal(r.timestamps, b.timestamps)


# ----------------------------------------------------------- load_interactions
@pytest.fixture
def raw_log():
    return pd.DataFrame(
        {"uid": ["a", "b", "a"], "sku": [10, 11, 12], "ts": [3, 2, 1], "x": [0, 0, 0]}
    )


def test_load_csv(tmp_path, raw_log):
    path = tmp_path / "log.tsv"
    raw_log.to_csv(path, sep="\t", index=False)
    log = load_interactions(
        path, user_col="uid", item_col="sku", time_col="ts", sep="\t"
    )
    assert log.columns.tolist() == ["user_id", "item_id", "timestamp"]
    assert log.values.tolist() == [["a", 10, 3], ["b", 11, 2], ["a", 12, 1]]
    X = SequenceEncoder().fit_transform(log)
    assert [a.tolist() for a in X["items"]] == [[3, 1], [2]]


def test_load_csv_gz_and_parquet(tmp_path, raw_log):
    gz = tmp_path / "log.csv.gz"
    raw_log.to_csv(gz, index=False)
    pq = tmp_path / "log.parquet"
    raw_log.to_parquet(pq)
    a = load_interactions(gz, user_col="uid", item_col="sku", time_col="ts")
    b = load_interactions(pq, user_col="uid", item_col="sku", time_col="ts")
    assert (
        a.values.tolist()
        == b.values.tolist()
        == [
            ["a", 10, 3],
            ["b", 11, 2],
            ["a", 12, 1],
        ]
    )


def test_load_without_time(tmp_path, raw_log):
    path = tmp_path / "log.csv"
    raw_log.to_csv(path, index=False)
    log = load_interactions(path, user_col="uid", item_col="sku", time_col=None)
    assert log.columns.tolist() == ["user_id", "item_id"]


def test_load_errors(tmp_path, raw_log):
    path = tmp_path / "log.csv"
    raw_log.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"no column\(s\) \['user_id'"):
        load_interactions(path, item_col="sku", time_col="ts")
    with pytest.raises(ValueError, match="different columns"):
        load_interactions(path, user_col="uid", item_col="uid", time_col="ts")
    with pytest.raises(FileNotFoundError):
        load_interactions(tmp_path / "nope.csv")
