"""Sphinx configuration for skrec's documentation."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import skrec  # noqa: E402

project = "skrec"
author = "skrec developers"
copyright = "2026, skrec developers"
version = release = skrec.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}

# -- API reference -----------------------------------------------------------
# One autosummary section per public module, generated from its ``__all__`` so
# that every public object appears in the reference.
import importlib  # noqa: E402

API_MODULES = [
    ("skrec", "Top level"),
    ("skrec.sequence", "Sequence data contract"),
    ("skrec.preprocessing", "Preprocessing"),
    ("skrec.datasets", "Datasets"),
    ("skrec.model_selection", "Model selection"),
    ("skrec.augmentation", "Sequence augmentation"),
    ("skrec.recommenders", "Sequential recommenders"),
    ("skrec.sampling", "Samplers"),
    ("skrec.losses", "Losses"),
    ("skrec.callbacks", "skorch callbacks"),
    ("skrec.calibration", "Calibration"),
    ("skrec.multitask", "Multi-task learning"),
    ("skrec.optim", "Optimizers"),
    ("skrec.regression", "Deep imbalanced regression"),
    ("skrec.metrics", "Metrics"),
    ("skrec.plotting", "Plotting"),
    ("skrec.utils", "Utilities"),
]


def _write_api_reference(path):
    lines = ["API reference", "=============", ""]
    for modname, title in API_MODULES:
        try:
            module = importlib.import_module(modname)
        except ImportError:
            continue
        names = [n for n in getattr(module, "__all__", []) if not n.startswith("_")]
        if modname == "skrec":
            names = [n for n in names if n != "__version__"]
        if not names:
            continue
        lines += [title, "-" * len(title), "", f".. currentmodule:: {modname}", "",
                  ".. autosummary::", "   :toctree: generated/", ""]
        lines += [f"   {n}" for n in sorted(names)] + [""]
    text = "\n".join(lines)
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


_write_api_reference(os.path.join(os.path.dirname(__file__), "api.rst"))
