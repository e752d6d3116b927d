"""Discovery of skrec's public estimators."""

import importlib
import inspect
import pkgutil
from operator import itemgetter

_KINDS = ("classifier", "regressor", "transformer", "sampler", "recommender", "other")


def _kind(cls):
    """Return the kind of an estimator class, one of ``_KINDS``."""
    from sklearn.base import ClassifierMixin, RegressorMixin, TransformerMixin

    if hasattr(cls, "fit_resample"):
        return "sampler"
    if hasattr(cls, "recommend"):
        return "recommender"
    if issubclass(cls, TransformerMixin) or hasattr(cls, "transform"):
        return "transformer"
    if issubclass(cls, ClassifierMixin):
        return "classifier"
    if issubclass(cls, RegressorMixin):
        return "regressor"
    return "other"


def _is_estimator_class(cls):
    return (
        inspect.isclass(cls)
        and not inspect.isabstract(cls)
        and not cls.__name__.startswith("_")
        # Base classes to subclass (BaseSequentialRecommender) are not
        # estimators to use as they are.
        and not cls.__name__.startswith("Base")
        and callable(getattr(cls, "get_params", None))
        and callable(getattr(cls, "set_params", None))
        and (hasattr(cls, "fit") or hasattr(cls, "fit_resample"))
    )


def all_estimators(type_filter=None):
    """List every public estimator, transformer and sampler of skrec.

    Walks the public modules of the package (not the private ``_``-prefixed
    ones, which are re-exported by their subpackage), looks at the names each
    exports in ``__all__`` and keeps the concrete classes that follow the
    scikit-learn estimator API: they have ``get_params``, ``set_params`` and
    ``fit`` or ``fit_resample``. This includes the skorch-based estimators
    (recommenders, multi-task and regression nets), but not torch modules,
    losses or skorch callbacks, which have no ``fit``, nor base classes meant
    to be subclassed (names starting with ``Base``).

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "sampler", \
            "recommender", "other"} or list of those, default=None
        Keep only estimators of these kinds. ``None`` keeps all. The kind is
        the first that applies of: ``"sampler"`` (has ``fit_resample``),
        ``"recommender"`` (has ``recommend``), ``"transformer"`` (has
        ``transform``), ``"classifier"``, ``"regressor"`` (by scikit-learn's
        mixins), ``"other"``.

    Returns
    -------
    estimators : list of (name, class) tuples
        Sorted by name, each class listed once.

    Raises
    ------
    ValueError
        If ``type_filter`` names an unknown kind.

    Examples
    --------
    >>> from skrec.utils import all_estimators
    >>> names = [name for name, _ in all_estimators()]
    >>> "SequenceEncoder" in names
    True
    >>> "SASRec" in names  # skorch-based estimators are included
    True
    >>> samplers = all_estimators(type_filter="sampler")
    >>> all(hasattr(cls, "fit_resample") for _, cls in samplers)
    True
    """
    import skrec

    if type_filter is not None:
        filters = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = set(filters) - set(_KINDS)
        if unknown:
            raise ValueError(
                f"Unknown type_filter {sorted(unknown)}; choose from {list(_KINDS)}."
            )
    found = {}
    for info in pkgutil.walk_packages(skrec.__path__, prefix="skrec."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]) or "tests" in parts:
            continue
        module = importlib.import_module(info.name)
        # Public means listed in the module's ``__all__`` (all its names if it
        # has none); each class counts once, under its own name.
        names = getattr(module, "__all__", None) or dir(module)
        for name in names:
            obj = getattr(module, name, None)
            if (
                _is_estimator_class(obj)
                and obj.__name__ == name
                and obj.__module__.startswith("skrec.")
            ):
                found[(name, obj)] = None
    estimators = sorted(found, key=itemgetter(0))
    if type_filter is not None:
        estimators = [(n, c) for n, c in estimators if _kind(c) in filters]
    return estimators
