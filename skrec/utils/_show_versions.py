"""Print versions of skrec and its dependencies, for bug reports."""

import platform
import sys
from importlib import metadata

_DEPENDENCIES = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "imbalanced-learn",
    "skorch",
    "torch",
    "joblib",
    "matplotlib",
    "dask",
    "distributed",
)


def _get_deps_info():
    info = {}
    for name in _DEPENDENCIES:
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = None
    return info


def show_versions(*, as_dict=False):
    """Print the versions of skrec, Python and the main dependencies.

    Parameters
    ----------
    as_dict : bool, default=False
        Return the information as a dictionary instead of printing it.

    Returns
    -------
    info : dict or None
        ``{"skrec": ..., "python": ..., "platform": ..., "dependencies": {...}}``
        when ``as_dict=True``.

    Examples
    --------
    >>> import skrec
    >>> info = skrec.show_versions(as_dict=True)
    >>> sorted(info)
    ['dependencies', 'platform', 'python', 'skrec']
    """
    import skrec

    info = {
        "skrec": skrec.__version__,
        "python": sys.version.replace("\n", " "),
        "platform": platform.platform(),
        "dependencies": _get_deps_info(),
    }
    if as_dict:
        return info
    print("\nSystem:")
    for key in ("skrec", "python", "platform"):
        print(f"{key:>18}: {info[key]}")
    print("\nPython dependencies:")
    for key, value in info["dependencies"].items():
        print(f"{key:>18}: {value}")
    return None
