"""Task declarations and the validation / encoding of multi-task targets."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

TASK_KINDS = ("binary", "multiclass", "regression")


@dataclass
class Task:
    """One target: its name, kind, source column and fitted encoding."""

    name: str
    kind: str
    column: object
    classes: np.ndarray = None
    mean: float = 0.0
    scale: float = 1.0

    @property
    def dim(self):
        """Number of network outputs for the task."""
        return len(self.classes) if self.kind == "multiclass" else 1


def _check_kind(kind, where):
    if not isinstance(kind, str) or kind not in TASK_KINDS:
        raise ValueError(
            f"Unknown task kind {kind!r} for {where}; use one of {', '.join(TASK_KINDS)}."
        )
    return kind


def _infer_kind(col, name):
    t = type_of_target(col, input_name=f"y[{name!r}]")
    if t == "binary":
        return "binary"
    if t == "multiclass":
        return "multiclass"
    if t in ("continuous",):
        return "regression"
    raise ValueError(
        f"Unknown label type: {t!r} for target {name!r}; declare its kind in `tasks` "
        f"(one of {', '.join(TASK_KINDS)})."
    )


def as_target_frame(y):
    """Return y as a DataFrame and whether it was 1-D / a DataFrame."""
    if y is None:
        raise ValueError(
            "MultiTaskNet requires y to be passed, but the target y is None."
        )
    if isinstance(y, pd.DataFrame):
        return y.reset_index(drop=True), 2, True
    if isinstance(y, pd.Series):
        return y.reset_index(drop=True).to_frame(), 1, False
    arr = np.asarray(y)
    if arr.ndim == 1:
        return pd.DataFrame({0: arr}), 1, False
    if arr.ndim != 2:
        raise ValueError(
            f"y must be 1-D or 2-D (one column per task), got an array with {arr.ndim} dimensions."
        )
    return pd.DataFrame(arr), 2, False


def parse_tasks(tasks, yf):
    """Resolve the ``tasks`` parameter against the target frame ``yf``.

    Returns the list of :class:`Task` in dependence order (classes and
    scales not yet fitted).
    """
    cols = list(yf.columns)
    n = len(cols)
    named_frame = not all(isinstance(c, int | np.integer) for c in cols)

    def name_of(c):
        return str(c) if named_frame else f"task{c}"

    if tasks is None:
        return [
            Task(name_of(c), _infer_kind(yf[c].dropna().to_numpy(), name_of(c)), c)
            for c in cols
        ]
    if isinstance(tasks, str):
        kind = _check_kind(tasks, "every target")
        return [Task(name_of(c), kind, c) for c in cols]
    if isinstance(tasks, dict):
        tasks = list(tasks.items())
    try:
        tasks = list(tasks)
    except TypeError:
        raise TypeError(
            "tasks must be None, a kind string, a list of kinds, a list of "
            f"(name, kind) pairs or a dict name -> kind; got {tasks!r}."
        ) from None
    if not tasks:
        raise ValueError("tasks must declare at least one task.")
    if all(isinstance(t, str) for t in tasks):
        if len(tasks) != n:
            raise ValueError(
                f"y has {n} column(s) but tasks declares {len(tasks)} task(s); pass one "
                "column per task (in the declared order) or name the columns in tasks."
            )
        return [
            Task(name_of(c), _check_kind(k, f"target {name_of(c)!r}"), c)
            for c, k in zip(cols, tasks)
        ]
    out = []
    for t in tasks:
        if not (isinstance(t, tuple | list) and len(t) == 2):
            raise TypeError(
                f"Each task must be a kind or a (name, kind) pair, got {t!r}."
            )
        name, kind = t
        _check_kind(kind, f"task {name!r}")
        out.append((str(name), kind))
    names = [nm for nm, _ in out]
    if len(set(names)) != len(names):
        raise ValueError(f"Task names must be unique, got {names}.")
    if named_frame:
        missing = [nm for nm in names if nm not in map(str, cols)]
        if missing:
            raise ValueError(
                f"Task(s) {missing} are not columns of y (columns: {[str(c) for c in cols]})."
            )
        lookup = {str(c): c for c in cols}
        return [Task(nm, kind, lookup[nm]) for nm, kind in out]
    if len(out) != n:
        raise ValueError(
            f"y has {n} column(s) but tasks declares {len(out)} task(s); pass one column per task."
        )
    return [Task(nm, kind, c) for (nm, kind), c in zip(out, cols)]


def fit_encode_targets(tasks, yf, standardize=True):
    """Fit each task's encoding on ``yf`` and return the float32 matrix (n, K).

    A missing label (NaN, ``None``, ``pd.NA``) stays NaN in the matrix: the
    row is left out of that task's loss and metrics. Every task needs at least
    one label.
    """
    out = np.empty((len(yf), len(tasks)), dtype=np.float32)
    for j, t in enumerate(tasks):
        col = yf[t.column]
        missing = col.isna().to_numpy()
        if missing.all():
            raise ValueError(
                f"Target {t.name!r} has no label at all (every value is missing); "
                "drop the task or give it labelled rows."
            )
        vals = col[~missing].to_numpy()
        out[missing, j] = np.nan
        if t.kind == "regression":
            try:
                v = vals.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Target {t.name!r} is declared 'regression' but holds non-numeric values."
                ) from None
            if not np.isfinite(v).all():
                raise ValueError(f"Target {t.name!r} contains infinite values.")
            if standardize:
                t.mean = float(v.mean())
                sd = float(v.std())
                t.scale = sd if sd > 0 else 1.0
            out[~missing, j] = (v - t.mean) / t.scale
            continue
        if vals.dtype.kind == "f":
            if not np.isfinite(vals).all():
                raise ValueError(f"Target {t.name!r} contains infinite values.")
            if np.any(vals != np.round(vals)):
                raise ValueError(
                    f"Unknown label type: continuous values in the {t.kind} task {t.name!r}; "
                    "declare it 'regression' or pass class labels."
                )
        elif vals.dtype.kind == "O":
            vals = vals.astype(str) if all(isinstance(v, str) for v in vals) else vals
        classes = np.unique(vals)
        if t.kind == "binary":
            if len(classes) > 2:
                shown = ", ".join(map(repr, classes[:5].tolist()))
                raise ValueError(
                    f"Target {t.name!r} is declared 'binary' but has {len(classes)} distinct "
                    f"values ({shown}{', ...' if len(classes) > 5 else ''}); declare it "
                    "'multiclass' or 'regression', or recode it to two labels."
                )
            if len(classes) < 2:
                if np.issubdtype(classes.dtype, np.number) and set(
                    classes.tolist()
                ) <= {0, 1}:
                    classes = np.array([0, 1], dtype=classes.dtype)
                else:
                    raise ValueError(
                        f"Target {t.name!r} holds a single label {classes.tolist()}; a binary "
                        "task needs its two labels (use 0/1 to declare them implicitly)."
                    )
        t.classes = classes
        out[~missing, j] = np.searchsorted(classes, vals)
    return out


def encode_targets(tasks, yf):
    """Encode ``yf`` with the fitted tasks (for scoring); unknown labels raise.

    Missing labels stay NaN.
    """
    out = np.empty((len(yf), len(tasks)), dtype=np.float64)
    for j, t in enumerate(tasks):
        col = yf[t.column]
        missing = col.isna().to_numpy()
        vals = col[~missing].to_numpy()
        out[missing, j] = np.nan
        if t.kind == "regression":
            out[~missing, j] = vals.astype(np.float64)
        else:
            idx = np.searchsorted(t.classes, vals)
            idx = np.clip(idx, 0, len(t.classes) - 1)
            if not np.all(t.classes[idx] == vals):
                raise ValueError(f"Target {t.name!r} holds labels unseen during fit.")
            out[~missing, j] = idx
    return out
