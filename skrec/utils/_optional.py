"""Lazy imports of optional dependencies with a helpful message."""

import importlib


def import_optional(name, extra):
    """Import module ``name`` or raise an ImportError naming the pip extra.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"matplotlib.pyplot"``.
    extra : str
        The ``skrec-learn`` extra that installs it, e.g. ``"plot"``.

    Returns
    -------
    module

    Examples
    --------
    >>> np = import_optional("numpy", "tests")
    >>> np.__name__
    'numpy'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"{name} is required for this feature; install it with "
            f"`pip install skrec-learn[{extra}]`."
        ) from exc
