"""Validation shared by skrec's samplers (one place, as in imbalanced-learn)."""

import numbers

import numpy as np
from imblearn.utils import check_target_type
from sklearn.utils.validation import _num_samples, validate_data

__all__ = ["WeightCarryingMixin", "check_groups", "validate_class_target"]


class RowSelectionMixin:
    """Estimator tags of a sampler that only selects rows of ``X``.

    Its rows are indexed, never computed on, so any dtype (strings, NaN)
    passes through, and it records ``sample_indices_``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.sampler_tags.sample_indices = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags

    @property
    def sample_origins_(self):
        """The input row of every output row (the selected rows)."""
        return self.sample_indices_


class WeightCarryingMixin:
    """``fit_resample(..., sample_weight=w)`` resamples ``w`` with the rows.

    The one mechanism of skrec's samplers for sample weights (what
    imbalanced-learn's samplers cannot do, imbalanced-learn issue #457): a
    sampler records in ``sample_origins_`` the input row that every output
    row copies or was synthesized from, and the output weight of a row is the
    weight of its origin. So a kept or copied row keeps its weight, and a
    synthetic row (SMOTER, SMOGN, an augmented copy) gets the weight of the
    row it was generated from (its seed). The resampled weights therefore sum
    to ``sum_i w_i * m_i``, ``m_i`` the number of output rows that come from
    row ``i``: over-sampling raises the total weight as it raises the number
    of rows, and under-sampling lowers it.

    Without ``sample_weight`` the sampler returns ``(X_res, y_res)`` as any
    imbalanced-learn sampler; with it, ``(X_res, y_res, w_res)``.
    """

    def fit_resample(self, X, y=None, *args, sample_weight=None, **params):
        """Resample ``X`` and ``y`` (and ``sample_weight`` when given).

        Parameters
        ----------
        X, y, *args, **params
            As in the sampler's own ``fit_resample``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the input rows.

        Returns
        -------
        X_resampled, y_resampled[, sample_weight_resampled]
        """
        w = self._check_resample_weight(X, sample_weight)
        return self._carry_weight(super().fit_resample(X, y, *args, **params), w)

    @staticmethod
    def _check_resample_weight(X, sample_weight):
        if sample_weight is None:
            return None
        w = np.asarray(sample_weight, dtype=np.float64)
        n = _num_samples(X)
        if w.ndim != 1 or len(w) != n:
            raise ValueError(
                f"sample_weight must hold one weight per row of X ({n}); got shape "
                f"{w.shape}."
            )
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("sample_weight must be finite and non-negative.")
        return w

    def _carry_weight(self, out, w):
        """``out`` (the resampled data), plus the resampled weights if any.

        For samplers whose own ``fit_resample`` takes ``sample_weight`` and
        calls this at its end.
        """
        return out if w is None else (*out, w[self.sample_origins_])


def validate_class_target(sampler, X, y, *, classes=True, accept_sparse=("csr", "csc")):
    """Validate ``X`` and ``y`` like :class:`imblearn.base.BaseSampler` does.

    With ``classes=True`` the target must be a class target (binary,
    multiclass or one-vs-all encoded, which is turned into labels and flagged
    for re-encoding); otherwise ``y`` is only checked for length and finiteness
    (group samplers whose groups are given separately accept any target).
    """
    binarize_y = False
    if classes:
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
    X, y = validate_data(
        sampler,
        X=X,
        y=y,
        reset=True,
        accept_sparse=list(accept_sparse),
        multi_output=not classes,
        y_numeric=False,
        dtype=None,
        ensure_all_finite=False,
    )
    return X, y, binarize_y


def check_groups(groups, n_samples):
    """Return ``groups`` as a 1-D array of length ``n_samples`` or raise."""
    if groups is None:
        raise ValueError("groups must be given.")
    groups = np.asarray(groups)
    if groups.ndim == 2 and groups.shape[1] == 1:
        groups = groups[:, 0]
    if groups.ndim != 1:
        raise ValueError(
            f"groups must be 1-D (one group label per row); got shape {groups.shape}."
        )
    if groups.shape[0] != n_samples:
        raise ValueError(
            f"groups has {groups.shape[0]} labels but X has {n_samples} rows; pass "
            "one group label per row (inside a pipeline use "
            "pipe.fit(X, y, <step>__groups=groups))."
        )
    if groups.dtype.kind == "f" and not np.all(np.isfinite(groups)):
        raise ValueError("groups contains NaN or infinite values; label every row.")
    if groups.dtype == object:
        from pandas import isna

        if np.any(isna(groups)):
            raise ValueError("groups contains missing values; label every row.")
    return groups


def check_strategy_dict(strategy, sizes, *, what, direction=None):
    """Validate a ``sampling_strategy`` dict against the current sizes.

    The one check of a dict ``sampling_strategy`` in skrec, modelled on
    imbalanced-learn's: every key must name an existing class, group or bin
    (``sizes`` maps each to its current size) and every value must be a
    non-negative int; an over-sampler cannot shrink a key below its size and
    an under-sampler cannot grow it.

    Parameters
    ----------
    strategy : dict
    sizes : dict
        ``{key: current size}``.
    what : str
        What the keys are ("class", "group", "bin"), for the messages.
    direction : {"over", "under"} or None, default=None

    Returns
    -------
    strategy : dict
        ``{key: int}``, the keys in the order of ``sizes``.
    """
    unknown = [k for k in strategy if k not in sizes]
    if unknown:
        plural = what + ("es" if what.endswith("s") else "s")
        raise ValueError(
            f"sampling_strategy names unknown {plural} {sorted(map(str, unknown))}; "
            f"the {plural} are {list(sizes)}."
        )
    out = {}
    for key in sizes:
        if key not in strategy:
            continue
        value = strategy[key]
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
            raise ValueError(
                f"sampling_strategy[{key!r}] must be a non-negative int; got {value!r}."
            )
        if direction == "over" and value < sizes[key]:
            raise ValueError(
                f"sampling_strategy[{key!r}]={value} is below the {what}'s size "
                f"{sizes[key]}; an over-sampler cannot remove samples."
            )
        if direction == "under" and value > sizes[key]:
            raise ValueError(
                f"sampling_strategy[{key!r}]={value} is above the {what}'s size "
                f"{sizes[key]}; an under-sampler cannot add samples."
            )
        out[key] = int(value)
    return out
