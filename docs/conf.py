"""Sphinx configuration for skrec's documentation."""

import os
import re
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
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True

numpydoc_show_class_members = False
# Parse parameter types (as scikit-learn does): type names become ``:obj:``
# cross-references (resolved when intersphinx is on, plain text otherwise).
numpydoc_xref_param_type = True
numpydoc_xref_ignore = {
    "of", "or", "and", "shape", "default", "optional", "instance", "dtype",
    "like", "array-like", "sparse", "matrix", "callable", "ndarray", "n_samples",
    "n_features", "n_classes", "n_outputs", "n_users", "n_items", "k",
}
templates_path = ["_templates"]
exclude_patterns = [
    "_build", "_templates", "Makefile", "auto_examples/*.ipynb", "**.ipynb_checkpoints",
]
html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []

# Cross-links to Python/NumPy/scikit-learn need their object inventories from the
# network; the build must also pass offline (CI, tests), so they are opt-in:
# ``SKREC_DOCS_INTERSPHINX=1 python -m sphinx -W -b html docs docs/_build/html``.
if os.environ.get("SKREC_DOCS_INTERSPHINX"):
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "imblearn": ("https://imbalanced-learn.org/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    }
else:
    # numpydoc's default aliases point into the Python and NumPy inventories
    # (``bool``, ``array_like``, ...); without them, keep the plain names.
    from numpydoc.xref import DEFAULT_LINKS

    numpydoc_xref_aliases = {name: name for name in DEFAULT_LINKS}

# -- Example gallery -----------------------------------------------------------
# sphinx-gallery runs every ``examples/plot_*.py`` and renders it with its
# figures. ``-D plot_gallery=0`` renders the pages without running them (what the
# test suite does, to stay within the CI budget: the examples themselves run in
# ``tests/test_examples.py``); ``SKREC_EXAMPLE_QUICK=1`` shrinks their settings.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("skrec",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "reference_url": {"skrec": None},
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "sphinx_gallery.sorting.FileNameSortKey",
}



def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn generates ``set_{method}_request`` methods on every estimator
    # whose signature allows metadata routing; their docstrings point into
    # scikit-learn's own glossary. They are documented there, not here.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


_SHAPE = re.compile(r"of shape (\([^)]*\))")


def _escape_shapes(app, what, name, obj, options, lines):
    # Shapes in parameter types are plain text: ``(n_features_in_,)`` or
    # ``(*items.shape, k)`` would otherwise read as a reST link target or the
    # start of emphasis. Runs after numpydoc has rendered the docstring.
    def escape(match):
        inner = re.sub(r"(\w)_(?=[,)\s])", r"\1\\_", match.group(1))
        return "of shape " + inner.replace("*", "\\*")

    lines[:] = [_SHAPE.sub(escape, line) if "of shape (" in line else line
                for line in lines]


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    # Priority above numpydoc's (500) so that it sees numpydoc's output.
    app.connect("autodoc-process-docstring", _escape_shapes, priority=600)


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
    ("skrec.utils.estimator_checks", "Estimator checks"),
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
