"""SMOTER (Torgo et al. 2013) and SMOGN (Branco et al. 2017), vectorized."""

import numbers

import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances_chunked
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from skrec.sampling._base import WeightCarryingMixin
from skrec.sampling._regression import _RELEVANCE_DOC, _BaseRegressionSampler

__all__ = ["SMOGN", "SMOTER"]


class _SMOTERBase(_BaseRegressionSampler):
    """Shared machinery: mixed-feature handling, neighbours, interpolation."""

    _direction = "both"
    _accept_sparse = False

    _parameter_constraints: dict = {
        **_BaseRegressionSampler._parameter_constraints,
        "k_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "categorical_features": [
            StrOptions({"auto"}),
            "array-like",
            None,
        ],
    }

    # -- input -----------------------------------------------------------------
    def _validate_X(self, X):
        X_checked = validate_data(
            self, X=X, reset=True, accept_sparse=False, dtype=None,
            ensure_all_finite=False,
        )
        cat = self._categorical_mask(X, X_checked)
        self.categorical_features_ = np.flatnonzero(cat)
        num = ~cat
        try:
            X_num = X_checked[:, num].astype(np.float64)
        except ValueError as exc:
            raise ValueError(
                f"{type(self).__name__}: some columns not listed in "
                "categorical_features are not numeric; pass their indices (or "
                f"names) in categorical_features ({exc})."
            ) from exc
        except TypeError as exc:
            raise TypeError(
                f"{type(self).__name__}: X holds values that are neither numbers "
                f"nor categories: {exc}"
            ) from exc
        if not np.all(np.isfinite(X_num)):
            raise ValueError(
                f"{type(self).__name__} cannot interpolate NaN or infinite "
                "feature values; impute them first (e.g. with "
                "sklearn.impute.SimpleImputer in the pipeline)."
            )
        self._num_mask = num
        if not cat.any() and X_checked.dtype.kind in "iub":
            # Interpolated features are not integers.
            X_checked = X_checked.astype(np.float64)
        return X_checked

    def _categorical_mask(self, X, X_checked):
        n_features = X_checked.shape[1]
        spec = self.categorical_features
        if spec is None:
            return np.zeros(n_features, dtype=bool)
        if isinstance(spec, str):  # "auto"
            if hasattr(X, "dtypes"):
                return np.array(
                    [
                        not (pd.api.types.is_numeric_dtype(dt)
                             and not pd.api.types.is_bool_dtype(dt))
                        for dt in X.dtypes
                    ]
                )
            if X_checked.dtype.kind in "OUS":
                mask = np.zeros(n_features, dtype=bool)
                for j in range(n_features):
                    try:
                        X_checked[:, j].astype(np.float64)
                    except (TypeError, ValueError):
                        # Strings (and missing values among them) are
                        # categories; anything else fails later with a
                        # TypeError naming the offending value.
                        mask[j] = all(
                            isinstance(v, (str, bytes, bool, type(None)))
                            or (isinstance(v, float) and np.isnan(v))
                            for v in X_checked[:, j]
                        )
                return mask
            return np.zeros(n_features, dtype=bool)
        spec = np.asarray(spec)
        if spec.dtype == bool:
            if spec.shape != (n_features,):
                raise ValueError(
                    f"A boolean categorical_features must have one entry per "
                    f"feature ({n_features}); got shape {spec.shape}."
                )
            return spec.copy()
        mask = np.zeros(n_features, dtype=bool)
        if spec.dtype.kind in "OUS":
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                raise ValueError(
                    "categorical_features given by name needs X as a DataFrame "
                    "with string column names."
                )
            lookup = {name: j for j, name in enumerate(names)}
            missing = [s for s in spec if s not in lookup]
            if missing:
                raise ValueError(f"categorical_features names unknown columns {missing}.")
            mask[[lookup[s] for s in spec]] = True
            return mask
        if spec.size and (spec.min() < -n_features or spec.max() >= n_features):
            raise ValueError(
                f"categorical_features indices must lie in [0, {n_features}); got "
                f"{spec.tolist()}."
            )
        mask[spec.astype(int)] = True
        return mask

    def _adjust_output_types(self, arrays_transformer):
        # Interpolated values are not integers: integer pandas columns and
        # targets come back as float64 (as numpy integer input does).
        for props in (arrays_transformer.x_props, arrays_transformer.y_props):
            dtypes = props["dtypes"]
            if dtypes is None:
                continue
            if isinstance(dtypes, pd.Series):
                props["dtypes"] = dtypes.map(
                    lambda dt: np.dtype(np.float64)
                    if pd.api.types.is_integer_dtype(dt) or pd.api.types.is_bool_dtype(dt)
                    else dt
                )
            elif pd.api.types.is_integer_dtype(dtypes):
                props["dtypes"] = np.dtype(np.float64)

    def _cast_y(self, y_res, y_dtype):
        # Synthetic targets are interpolated: integer targets become float64.
        if y_dtype.kind == "f":
            return y_res.astype(y_dtype)
        return y_res

    # -- core ------------------------------------------------------------------
    def _fit_resample(self, X, y, *, bins, counts, rng):
        n = X.shape[0]
        num = self._num_mask
        X_num = X[:, num].astype(np.float64)
        span = np.ptp(X_num, axis=0) if X_num.shape[1] else np.ones(0)
        span[span == 0] = 1.0
        codes = []
        for j in np.flatnonzero(~num):
            codes.append(pd.factorize(X[:, j], use_na_sentinel=False)[0])
        X_cat = np.column_stack(codes) if codes else np.zeros((n, 0), dtype=np.intp)
        # Range-scaled numeric features and one-hot / sqrt(2) categories: the
        # Euclidean distance in this space is HEOM (Wilson & Martinez 1997).
        Z_num = X_num / span
        Z_cat = _one_hot(X_cat) / np.sqrt(2.0)

        order = np.argsort(bins, kind="stable")
        sizes = np.bincount(bins, minlength=counts.size)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        keep, synth_num, synth_cat, synth_y, synth_src = [], [], [], [], []
        for b in range(counts.size):  # loop over bins, not rows
            members = np.sort(order[starts[b] : starts[b] + sizes[b]])
            c, n_b = int(counts[b]), int(sizes[b])
            if c <= n_b:
                keep.append(np.sort(members[rng.permutation(n_b)[:c]]))
                continue
            keep.append(members)
            g = c - n_b
            seeds = np.concatenate(
                [np.repeat(np.arange(n_b), g // n_b), rng.permutation(n_b)[: g % n_b]]
            )
            new_num, new_cat, new_y = self._generate(
                X_num[members], X_cat[members], y[members],
                Z_num[members], Z_cat[members], span, seeds, rng,
            )
            synth_src.append(members[seeds])
            synth_num.append(new_num)
            synth_cat.append(new_cat)
            synth_y.append(new_y)
        keep = np.concatenate(keep)
        X_out, y_out = X[keep], y[keep]
        if synth_y:
            new_num = np.concatenate(synth_num)
            new_cat = np.concatenate(synth_cat)
            new_y = np.concatenate(synth_y)
            X_new = np.empty((new_y.size, X.shape[1]), dtype=X.dtype)
            X_new[:, num] = new_num.astype(X.dtype) if X.dtype.kind != "O" else new_num
            if (~num).any():
                # Category codes back to the original values of every column.
                cat_cols = np.flatnonzero(~num)
                for i, j in enumerate(cat_cols):
                    uniques = pd.factorize(X[:, j], use_na_sentinel=False)[1]
                    X_new[:, j] = np.asarray(uniques, dtype=object)[new_cat[:, i]]
            X_out = np.concatenate([X_out, X_new])
            y_out = np.concatenate([y_out, new_y])
        self.n_synthetic_ = int(sum(s.size for s in synth_y))
        # The input row of every output row: kept rows, then the seeds of the
        # synthetic ones (what WeightCarryingMixin carries weights from).
        self.sample_origins_ = np.concatenate([keep] + synth_src).astype(np.int64)
        return X_out, y_out

    def _neighbours(self, Z, k):
        nn = NearestNeighbors(n_neighbors=k).fit(Z)
        dist, ind = nn.kneighbors()  # excludes each point itself
        return dist, ind

    def _interpolate(self, X_num, X_cat, y, Z_num, Z_cat, s, t, rng):
        """Points on the segments seed s -> neighbour t, targets by distance."""
        u = rng.uniform(0.0, 1.0, size=s.size)
        new_num = X_num[s] + u[:, None] * (X_num[t] - X_num[s])
        # A category comes from the neighbour with probability u (its
        # proximity), so the expected value matches the distance weighting.
        from_t = rng.uniform(size=s.size) < u
        new_cat = np.where(from_t[:, None], X_cat[t], X_cat[s])
        z_new = Z_num[s] + u[:, None] * (Z_num[t] - Z_num[s])
        # HEOM distances of the new point to both ends (a category mismatch
        # counts 1 in the squared distance).
        d_s = np.sqrt(
            np.sum((z_new - Z_num[s]) ** 2, axis=1) + np.sum(new_cat != X_cat[s], axis=1)
        )
        d_t = np.sqrt(
            np.sum((z_new - Z_num[t]) ** 2, axis=1) + np.sum(new_cat != X_cat[t], axis=1)
        )
        total = d_s + d_t
        w_t = np.divide(d_s, total, out=np.full(s.size, 0.5), where=total > 0)
        new_y = (1.0 - w_t) * y[s] + w_t * y[t]
        return new_num, new_cat, new_y


def _one_hot(codes):
    if codes.shape[1] == 0:
        return np.zeros((codes.shape[0], 0))
    blocks = []
    for j in range(codes.shape[1]):
        m = codes[:, j].max() + 1
        blocks.append(np.eye(m)[codes[:, j]])
    return np.hstack(blocks)


class SMOTER(WeightCarryingMixin, _SMOTERBase):
    """SMOTE for regression: interpolate new rare samples between neighbours.

    The target is split into contiguous bins of rare and normal values
    (relevance ``phi(y) >= threshold``). Bins below their target size are
    over-sampled with synthetic rows: a seed of the bin and one of its
    ``k_neighbors`` nearest neighbours within the bin are picked at random and
    a point is drawn uniformly on the segment between them; its target is the
    average of the two targets weighted by the inverse distances of the new
    point to them. Bins above their target size are randomly under-sampled.
    All synthetic rows are generated with array operations (no per-row loop).

    Read more in the :ref:`User Guide <regression_sampling>`.

    Parameters
    ----------
    sampling_strategy : "balance", float or dict, default="balance"
        Target size of every bin: ``"balance"`` gives every bin the mean bin
        size ``round(n_samples / n_bins)`` (rare bins grow, normal bins
        shrink; UBL's and ``smogn``'s default); a float ``alpha`` grows every
        rare bin to ``alpha`` times the largest normal bin and keeps normal
        bins; a dict ``{bin: size}`` sets sizes explicitly (bins numbered in
        increasing target, see ``bins_``; unlisted bins keep their size).
    {relevance}
    k_neighbors : int, default=5
        Number of nearest neighbours (within the seed's bin) to interpolate
        towards; fewer when the bin is smaller.
    categorical_features : "auto", array-like or None, default="auto"
        Nominal columns (indices, boolean mask or DataFrame column names).
        ``"auto"``: non-numeric DataFrame columns, or object columns that
        cannot be read as numbers. A synthetic row takes each category from
        the neighbour with probability equal to its interpolation weight
        toward the neighbour, otherwise from the seed. Distances are HEOM:
        numeric columns divided by their range, categories 0/1 mismatches.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sampling_strategy_ : dict
        Size of every bin after resampling.
    relevance_ : ndarray of shape (n_samples,)
        ``phi(y)`` of every input sample.
    bins_ : ndarray of shape (n_samples,)
        Bin of every input sample.
    bin_rare_ : ndarray of shape (n_bins,)
        Whether every bin is rare.
    bin_ranges_ : ndarray of shape (n_bins, 2)
        Smallest and largest target of every bin.
    categorical_features_ : ndarray of int
        Indices of the nominal columns.
    n_synthetic_ : int
        Number of synthetic rows (appended after the kept original rows).
    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit_resample`.

    See Also
    --------
    SMOGN : SMOTER plus Gaussian noise for isolated seeds.
    RegressionRandomOverSampler : Duplicates instead of synthetic rows.

    Notes
    -----
    Integer targets and integer feature columns are returned as float64
    (synthetic values are interpolated, not rounded); float32 targets and
    features keep their dtype, nominal columns keep theirs. Sparse input is
    not supported.

    References
    ----------
    .. [1] L. Torgo, R. P. Ribeiro, B. Pfahringer and P. Branco, "SMOTE for
       Regression", EPIA 2013, LNCS 8154, pp. 378-389.
    .. [2] P. Branco, L. Torgo and R. P. Ribeiro, "Pre-processing approaches
       for imbalanced distributions in regression", Neurocomputing 343, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import SMOTER
    >>> rng = np.random.RandomState(0)
    >>> y = np.r_[rng.normal(0, 1, 95), rng.normal(8, 0.5, 5)]
    >>> X = np.c_[y, rng.normal(size=100)]
    >>> sampler = SMOTER(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sampler.bin_rare_
    array([ True, False,  True])
    >>> sampler.sampling_strategy_
    {0: 33, 1: 33, 2: 33}
    >>> sampler.n_synthetic_
    47
    """

    _parameter_constraints: dict = {**_SMOTERBase._parameter_constraints}

    def __init__(
        self, *, sampling_strategy="balance", relevance="kde", threshold=0.5,
        k_neighbors=5, categorical_features="auto", random_state=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.relevance = relevance
        self.threshold = threshold
        self.k_neighbors = k_neighbors
        self.categorical_features = categorical_features
        self.random_state = random_state

    def _generate(self, X_num, X_cat, y, Z_num, Z_cat, span, seeds, rng):
        n_b = y.size
        if n_b == 1:  # nothing to interpolate with: copies of the only row
            return X_num[seeds], X_cat[seeds], y[seeds]
        k = min(self.k_neighbors, n_b - 1)
        _, ind = self._neighbours(np.hstack([Z_num, Z_cat]), k)
        t = ind[seeds, rng.randint(0, k, size=seeds.size)]
        return self._interpolate(X_num, X_cat, y, Z_num, Z_cat, seeds, t, rng)


class SMOGN(WeightCarryingMixin, _SMOTERBase):
    """SMOTER with Gaussian noise for seeds whose neighbour is far.

    As :class:`SMOTER`, but a synthetic row is interpolated only when the
    chosen neighbour is *safe* -- closer to the seed than ``maxD``, half the
    median distance from the seed to the other rows of its bin. Otherwise
    the seed is perturbed with Gaussian noise: every numeric feature and the
    target get ``N(0, (p * sd)^2)`` noise, with ``sd`` the column's standard
    deviation in the bin and ``p = min(perturbation, maxD)``; nominal
    features are drawn from their frequencies in the bin. Normal bins are
    randomly under-sampled. All rows are generated with array operations.

    Read more in the :ref:`User Guide <regression_sampling>`.

    Parameters
    ----------
    sampling_strategy : "balance", float or dict, default="balance"
        As in :class:`SMOTER`.
    {relevance}
    k_neighbors : int, default=5
        Number of nearest neighbours (within the seed's bin).
    perturbation : float in (0, 1], default=0.02
        Noise scale, in standard deviations (``smogn``'s ``pert``).
    categorical_features : "auto", array-like or None, default="auto"
        Nominal columns; see :class:`SMOTER`.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Attributes
    ----------
    sampling_strategy_ : dict
        Size of every bin after resampling.
    relevance_ : ndarray of shape (n_samples,)
        ``phi(y)`` of every input sample.
    bins_ : ndarray of shape (n_samples,)
        Bin of every input sample.
    bin_rare_ : ndarray of shape (n_bins,)
        Whether every bin is rare.
    bin_ranges_ : ndarray of shape (n_bins, 2)
        Smallest and largest target of every bin.
    categorical_features_ : ndarray of int
        Indices of the nominal columns.
    n_synthetic_ : int
        Number of synthetic rows (appended after the kept original rows).
    n_noise_ : int
        How many of them were made with Gaussian noise rather than by
        interpolation.
    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit_resample`.

    See Also
    --------
    SMOTER : Interpolation only.

    Notes
    -----
    The safe-distance rule and noise scale follow the SMOGN algorithm as
    implemented in UBL and in the ``smogn`` package (``maxD`` = half the
    median distance to the bin, ``p = min(pert, maxD)``). Distances are HEOM
    (numeric columns divided by their range). Integer targets and integer
    feature columns are returned as float64.

    References
    ----------
    .. [1] P. Branco, L. Torgo and R. P. Ribeiro, "SMOGN: a Pre-processing
       Approach for Imbalanced Regression", Proceedings of Machine Learning
       Research 74 (LIDTA 2017), pp. 36-50.
    .. [2] L. Torgo, R. P. Ribeiro, B. Pfahringer and P. Branco, "SMOTE for
       Regression", EPIA 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.sampling import SMOGN
    >>> rng = np.random.RandomState(0)
    >>> y = np.r_[rng.normal(0, 1, 95), rng.normal(8, 0.5, 5)]
    >>> X = np.c_[y, rng.normal(size=100)]
    >>> sampler = SMOGN(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape
    (99, 2)
    """

    _parameter_constraints: dict = {
        **_SMOTERBase._parameter_constraints,
        "perturbation": [Interval(numbers.Real, 0, 1, closed="right")],
    }

    def __init__(
        self, *, sampling_strategy="balance", relevance="kde", threshold=0.5,
        k_neighbors=5, perturbation=0.02, categorical_features="auto",
        random_state=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.relevance = relevance
        self.threshold = threshold
        self.k_neighbors = k_neighbors
        self.perturbation = perturbation
        self.categorical_features = categorical_features
        self.random_state = random_state

    def _fit_resample(self, X, y, *, bins, counts, rng):
        self.n_noise_ = 0
        return super()._fit_resample(X, y, bins=bins, counts=counts, rng=rng)

    def _generate(self, X_num, X_cat, y, Z_num, Z_cat, span, seeds, rng):
        n_b = y.size
        Z = np.hstack([Z_num, Z_cat])
        if n_b == 1:
            max_d = np.zeros(1)
            safe = np.zeros(seeds.size, dtype=bool)
            t = seeds
        else:
            k = min(self.k_neighbors, n_b - 1)
            dist, ind = self._neighbours(Z, k)
            j = rng.randint(0, k, size=seeds.size)
            t = ind[seeds, j]
            max_d = _half_median_distance(Z)
            safe = dist[seeds, j] < max_d[seeds]
        new_num = np.empty((seeds.size, X_num.shape[1]))
        new_cat = np.empty((seeds.size, X_cat.shape[1]), dtype=X_cat.dtype)
        new_y = np.empty(seeds.size)
        if safe.any():
            s_num, s_cat, s_y = self._interpolate(
                X_num, X_cat, y, Z_num, Z_cat, seeds[safe], t[safe], rng
            )
            new_num[safe], new_cat[safe], new_y[safe] = s_num, s_cat, s_y
        noisy = ~safe
        if noisy.any():
            s = seeds[noisy]
            p = np.minimum(self.perturbation, max_d[s])[:, None]
            sd = X_num.std(axis=0)
            new_num[noisy] = X_num[s] + rng.normal(size=(s.size, X_num.shape[1])) * sd * p
            new_y[noisy] = y[s] + rng.normal(size=s.size) * y.std() * p[:, 0]
            for c in range(X_cat.shape[1]):  # loop over nominal columns only
                values, freq = np.unique(X_cat[:, c], return_counts=True)
                new_cat[noisy, c] = rng.choice(values, size=s.size, p=freq / freq.sum())
            self.n_noise_ += int(noisy.sum())
        return new_num, new_cat, new_y


def _half_median_distance(Z):
    """Half the median distance from every row to the other rows (chunked)."""
    n = Z.shape[0]

    def reduce(chunk, start):
        rows = np.arange(chunk.shape[0])
        chunk = chunk.copy()
        chunk[rows, start + rows] = np.nan  # drop the distance to itself
        return np.nanmedian(chunk, axis=1)

    return np.concatenate(list(pairwise_distances_chunked(Z, reduce_func=reduce))) / 2.0 if n > 1 else np.zeros(n)


for _cls in (SMOTER, SMOGN):
    _cls.__doc__ = _cls.__doc__.replace("{relevance}", _RELEVANCE_DOC)
