"""Categorical feature columns of the multi-task network: which, and their codes."""

import numpy as np

__all__ = ["resolve_categorical_features", "encode_categorical_codes"]


def resolve_categorical_features(categorical_features, n_features, feature_names=None):
    """Sorted column indices of the categorical features.

    ``categorical_features`` is None, a boolean mask of ``n_features``
    entries, integer indices, or column names (then ``feature_names``, the
    fitted ``feature_names_in_``, must be given).
    """
    cf = categorical_features
    n = n_features
    if cf is None:
        idx = np.array([], dtype=int)
    else:
        cf = np.asarray(cf)
        if cf.dtype == bool:
            if cf.shape != (n,):
                raise ValueError(
                    f"A boolean categorical_features mask needs {n} entries."
                )
            idx = np.flatnonzero(cf)
        elif cf.dtype.kind in "iu":
            idx = cf.astype(int)
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise ValueError(
                    f"categorical_features {idx.tolist()} out of range for {n} columns."
                )
        else:
            names = feature_names
            if names is None:
                raise ValueError(
                    "categorical_features given by name need X as a DataFrame."
                )
            lookup = {str(c): i for i, c in enumerate(names)}
            missing = [c for c in cf.tolist() if str(c) not in lookup]
            if missing:
                raise ValueError(
                    f"categorical_features {missing} are not columns of X."
                )
            idx = np.array([lookup[str(c)] for c in cf.tolist()], dtype=int)
    return np.unique(idx)


def encode_categorical_codes(Xt, idx, cardinalities=None):
    """Check the integer codes of columns ``idx``; cap unseen codes.

    With ``cardinalities=None`` (fitting) they are learned as ``max + 2`` per
    column (the last code stands for "unknown"); codes beyond a learned
    cardinality map to that unknown code. Returns ``(Xt, cardinalities)``;
    ``Xt`` is a copy when it changes.
    """
    if idx.size == 0:
        return Xt, []
    codes = Xt[:, idx]
    if np.any(codes < 0) or np.any(codes != np.round(codes)):
        raise ValueError(
            "categorical_features columns must hold non-negative integer codes; encode "
            "them with sklearn.preprocessing.OrdinalEncoder first."
        )
    if cardinalities is None:
        cardinalities = [int(m) + 2 for m in codes.max(axis=0)]
    unknown = np.asarray(cardinalities) - 1
    Xt = Xt.copy()
    Xt[:, idx] = np.minimum(codes, unknown)
    return Xt, cardinalities
