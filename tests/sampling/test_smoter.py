import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

from skrec.sampling import SMOGN, SMOTER


def _data(n=150, seed=0):
    rng = np.random.RandomState(seed)
    y = np.r_[rng.normal(0, 1, n - 15), rng.normal(6, 0.7, 15)]
    X = np.c_[y + rng.normal(0, 0.3, n), rng.normal(size=n), rng.uniform(size=n)]
    return X, y


def _segment_witness(x_new, y_new, X, y, candidates):
    """(i, j, u) with x_new = X[i] + u (X[j] - X[i]), 0 <= u <= 1, and the target
    linearly interpolated with the same u; brute force over candidate pairs."""
    for i, j in candidates:
        d = X[j] - X[i]
        u = np.dot(x_new - X[i], d) / np.dot(d, d)
        if -1e-9 <= u <= 1 + 1e-9 and np.allclose(X[i] + u * d, x_new, atol=1e-9):
            if np.isclose(y_new, y[i] + u * (y[j] - y[i]), atol=1e-9):
                return i, j, u
    return None


@pytest.mark.parametrize("k", [1, 3, 5])
def test_smoter_rows_lie_on_segments_between_bin_neighbours(k):
    X, y = _data()
    sampler = SMOTER(k_neighbors=k, relevance="extremes", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    n_syn = sampler.n_synthetic_
    assert n_syn > 0 and X_res.shape[0] == y_res.shape[0]
    span = np.ptp(X, axis=0)
    for b in np.flatnonzero(sampler.bin_rare_):
        members = np.flatnonzero(sampler.bins_ == b)
        kk = min(k, members.size - 1)
        nn = NearestNeighbors(n_neighbors=kk).fit(X[members] / span)
        neigh = nn.kneighbors(return_distance=False)
        pairs = [(members[a], members[c]) for a in range(members.size) for c in neigh[a]]
        lo, hi = sampler.bin_ranges_[b]
        syn = np.arange(X_res.shape[0] - n_syn, X_res.shape[0])
        syn = syn[(y_res[syn] >= lo) & (y_res[syn] <= hi)]
        assert syn.size > 0
        for r in syn:
            assert _segment_witness(X_res[r], y_res[r], X, y, pairs) is not None


def test_rare_region_grows_as_specified():
    X, y = _data()
    sampler = SMOTER(relevance="extremes", random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    # Synthetic targets stay inside their bin's range, so counting rows by
    # bin range recovers the requested sizes exactly.
    edges = sampler.bin_ranges_
    counts = [int(np.sum((y_res >= lo) & (y_res <= hi))) for lo, hi in edges]
    assert counts == list(sampler.sampling_strategy_.values())
    sizes = np.bincount(sampler.bins_)
    mean = int(round(y.size / sizes.size))
    assert list(sampler.sampling_strategy_.values()) == [mean] * sizes.size
    # Float strategy: rare bins to alpha * largest normal bin, normal untouched.
    s2 = SMOTER(sampling_strategy=0.25, relevance="extremes", random_state=0)
    s2.fit_resample(X, y)
    largest = sizes[~s2.bin_rare_].max()
    for b, c in s2.sampling_strategy_.items():
        assert c == (round(0.25 * largest) if s2.bin_rare_[b] else sizes[b])


def _two_cluster_rare_bin():
    # 60 normal targets around 0, a rare bin made of two tight, far-apart
    # pairs of rows: from each seed the other row of its pair is close, the
    # other pair far (beyond half the median distance to the bin).
    rng = np.random.RandomState(0)
    y = np.r_[rng.normal(0, 0.3, 60), [5.0, 5.1, 5.2, 5.3]]
    X = np.r_[rng.normal(0, 1, (60, 2)), [[0, 0], [0.01, 0], [10, 10], [10.01, 10]]]
    rel = lambda t: (t > 4).astype(float)  # noqa: E731
    return X, y, rel


def test_smogn_safe_neighbours_interpolate_far_ones_add_noise():
    X, y, rel = _two_cluster_rare_bin()
    safe_only = SMOGN(relevance=rel, k_neighbors=1, random_state=0)
    X_res, y_res = safe_only.fit_resample(X, y)
    assert safe_only.n_noise_ == 0 and safe_only.n_synthetic_ > 0
    rare = np.arange(60, 64)
    pairs = [(60, 61), (61, 60), (62, 63), (63, 62)]
    for r in range(X_res.shape[0] - safe_only.n_synthetic_, X_res.shape[0]):
        assert _segment_witness(X_res[r], y_res[r], X, y, pairs) is not None

    mixed = SMOGN(relevance=rel, k_neighbors=3, perturbation=0.02, random_state=0)
    X_res, y_res = mixed.fit_resample(X, y)
    assert 0 < mixed.n_noise_ < mixed.n_synthetic_
    sd_x, sd_y = X[rare].std(axis=0), y[rare].std()
    n_near_seed = 0
    for r in range(X_res.shape[0] - mixed.n_synthetic_, X_res.shape[0]):
        if _segment_witness(X_res[r], y_res[r], X, y, pairs) is not None:
            continue
        # Noise rows: within 6 noise sd (0.02 * column sd) of some seed.
        dx = np.abs(X_res[r] - X[rare]) / (0.02 * sd_x)
        dy = np.abs(y_res[r] - y[rare]) / (0.02 * sd_y)
        assert np.any(np.all(dx < 6, axis=1) & (dy < 6))
        n_near_seed += 1
    assert n_near_seed == mixed.n_noise_


def test_smoter_equals_smogn_when_all_safe_counts():
    X, y, rel = _two_cluster_rare_bin()
    a = SMOTER(relevance=rel, k_neighbors=1, random_state=0).fit_resample(X, y)
    b = SMOGN(relevance=rel, k_neighbors=1, random_state=0).fit_resample(X, y)
    assert a[0].shape == b[0].shape


def test_categorical_features_dataframe():
    rng = np.random.RandomState(0)
    n = 120
    y = np.r_[rng.normal(0, 1, n - 12), rng.normal(6, 0.5, 12)]
    colour = np.where(y > 4, rng.choice(["red", "blue"], n), rng.choice(["green", "blue"], n))
    X = pd.DataFrame({"x1": y + rng.normal(0, 0.1, n), "colour": colour, "x2": rng.normal(size=n)})
    ys = pd.Series(y, name="price")
    sampler = SMOTER(relevance="extremes", random_state=0)
    X_res, y_res = sampler.fit_resample(X, ys)
    np.testing.assert_array_equal(sampler.categorical_features_, [1])
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == ["x1", "colour", "x2"]
    assert X_res["x1"].dtype == np.float64 and y_res.name == "price"
    syn = X_res.iloc[-sampler.n_synthetic_ :]
    # Synthetic colours come from rows of the rare (high) bin only.
    rare_colours = set(colour[y > 4])
    high = syn[y_res.iloc[-sampler.n_synthetic_ :] > 4]
    assert set(high["colour"]) <= rare_colours
    # Explicit spec by name or index gives the same result.
    for spec in (["colour"], [1], np.array([False, True, False])):
        X2, _ = SMOTER(
            relevance="extremes", categorical_features=spec, random_state=0
        ).fit_resample(X, ys)
        pd.testing.assert_frame_equal(X_res, X2)
    with pytest.raises(ValueError, match="categorical_features"):
        SMOTER(categorical_features=None).fit_resample(X, ys)


def test_smogn_with_categories_and_noise():
    X, y, rel = _two_cluster_rare_bin()
    cats = np.array(["a"] * 62 + ["b"] * 2, dtype=object)
    Xo = np.c_[X.astype(object), cats]
    sampler = SMOGN(relevance=rel, k_neighbors=3, random_state=0)
    X_res, _ = sampler.fit_resample(Xo, y)
    assert X_res.dtype == object and set(X_res[:, 2]) <= {"a", "b"}
    np.testing.assert_array_equal(sampler.categorical_features_, [2])


def test_bad_features():
    X, y = _data(60)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SMOTER().fit_resample(X_nan, y)
    with pytest.raises(TypeError, match="dense"):
        SMOGN().fit_resample(sparse.csr_matrix(X), y)
    with pytest.raises(ValueError, match="k_neighbors"):
        SMOTER(k_neighbors=0).fit_resample(X, y)
    with pytest.raises(ValueError, match="perturbation"):
        SMOGN(perturbation=2.0).fit_resample(X, y)


def test_dtypes_and_determinism():
    X, y = _data(80)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    X_res, y_res = SMOGN(random_state=3).fit_resample(X32, y32)
    assert X_res.dtype == np.float32 and y_res.dtype == np.float32
    Xi, yi = (X * 10).astype(int), (y * 10).astype(int)
    _, y_res = SMOTER(random_state=0).fit_resample(Xi, yi)
    assert y_res.dtype == np.float64  # interpolated targets
    a = SMOGN(random_state=5).fit_resample(X, y)
    b = SMOGN(random_state=5).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def _on_some_segment(x_new, y_new, X, y, ii, jj):
    """Vectorized witness search over the pairs (I[m], J[m])."""
    D = X[jj] - X[ii]
    dd = np.einsum("ij,ij->i", D, D)
    u = np.divide(
        np.einsum("ij,ij->i", x_new - X[ii], D), dd, out=np.zeros_like(dd), where=dd > 0
    )
    ok = (u >= -1e-9) & (u <= 1 + 1e-9)
    ok &= np.all(np.abs(X[ii] + u[:, None] * D - x_new) <= 1e-8, axis=1)
    ok &= np.abs(y[ii] + u * (y[jj] - y[ii]) - y_new) <= 1e-8
    return bool(ok.any())


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(30, 90),
    d=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    k=st.integers(1, 6),
)
def test_smoter_property_synthetic_rows_on_segments(n, d, seed, k):
    rng = np.random.RandomState(seed)
    y = rng.lognormal(0.0, 1.0, n)
    X = np.c_[y, rng.normal(size=(n, d - 1))] + rng.normal(0, 0.05, (n, d))
    sampler = SMOTER(k_neighbors=k, random_state=seed)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (sum(sampler.sampling_strategy_.values()), d)
    start = X_res.shape[0] - sampler.n_synthetic_
    # The kept original rows are real rows.
    kept = X_res[:start]
    assert all(np.any(np.all(X == row, axis=1)) for row in kept)
    for r in range(start, X_res.shape[0]):
        b = np.flatnonzero(
            (sampler.bin_ranges_[:, 0] <= y_res[r]) & (y_res[r] <= sampler.bin_ranges_[:, 1])
        )
        assert b.size >= 1
        members = np.flatnonzero(np.isin(sampler.bins_, b))
        ii, jj = np.meshgrid(members, members, indexing="ij")
        assert _on_some_segment(X_res[r], y_res[r], X, y, ii.ravel(), jj.ravel())


def test_integer_pandas_columns_and_target_become_float():
    X, y = _data(100)
    Xdf = pd.DataFrame({"a": (X[:, 0] * 100).astype(int), "b": X[:, 1]})
    ys = pd.Series((y * 1000).astype(np.int64), name="price")
    sampler = SMOTER(random_state=0)
    X_res, y_res = sampler.fit_resample(Xdf, ys)
    assert sampler.n_synthetic_ > 0
    assert X_res["a"].dtype == np.float64 and y_res.dtype == np.float64
    # Synthetic values are not truncated back to integers.
    assert not np.all(X_res["a"].iloc[-sampler.n_synthetic_ :] % 1 == 0)
    X_np, y_np = SMOTER(random_state=0).fit_resample(Xdf.to_numpy(), ys.to_numpy())
    np.testing.assert_allclose(X_res.to_numpy(), X_np)
    np.testing.assert_allclose(y_res.to_numpy(), y_np)
