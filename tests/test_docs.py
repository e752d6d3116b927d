"""The documentation builds with warnings as errors and documents every public object.

The site is built from a copy of ``docs/`` and ``examples/`` (so the test never
writes into the source tree) with sphinx-gallery's ``plot_gallery=0``: the
gallery pages are rendered **without running the examples**, to stay within
the CI budget. The examples themselves run in ``tests/test_examples.py``; a
full build, examples included, is ``python -m sphinx -W -b html docs
docs/_build/html``.
"""

import importlib
import importlib.util
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("pydata_sphinx_theme")


def _public_modules():
    import skrec

    names = []
    for info in pkgutil.walk_packages(skrec.__path__, prefix="skrec."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return names


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """Build the site once (no gallery execution); return its html folder."""
    src = tmp_path_factory.mktemp("site")
    shutil.copytree(
        ROOT / "docs",
        src / "docs",
        ignore=shutil.ignore_patterns("_build", "generated", "auto_examples",
                                      "sg_execution_times.rst"),
    )
    shutil.copytree(ROOT / "examples", src / "examples")
    out = src / "docs" / "_build" / "html"
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("SKREC_DOCS_INTERSPHINX", None)  # the build must work offline
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
         "-b", "html",
         "-D", "plot_gallery=0",  # render the gallery WITHOUT executing it
         str(src / "docs"), str(out)],
        capture_output=True, text=True, env=env, cwd=src / "docs",
    )
    assert proc.returncode == 0, (
        "sphinx -W failed (warnings are errors):\n" + proc.stderr[-8000:]
    )
    return out


def test_build_passes_with_warnings_as_errors(built_site):
    for page in ("index.html", "api.html", "user_guide/index.html",
                 "auto_examples/index.html"):
        assert (built_site / page).is_file(), page


def test_every_public_object_has_an_api_page(built_site):
    # The copy's conf.py (importing it rewrites the copy's api.rst, not ours).
    conf_path = built_site.parents[1] / "conf.py"
    spec = importlib.util.spec_from_file_location("_skrec_docs_conf", conf_path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    listed = {name for name, _ in conf.API_MODULES}
    missing_modules = sorted(set(_public_modules()) - listed)
    assert not missing_modules, f"public modules missing from API_MODULES: {missing_modules}"
    missing = []
    for modname in sorted(listed):
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            if name.startswith("_"):
                continue
            if not (built_site / "generated" / f"{modname}.{name}.html").is_file():
                missing.append(f"{modname}.{name}")
    assert not missing, f"public objects without an API page: {missing}"


def test_every_example_is_in_the_gallery(built_site):
    examples = sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))
    assert examples, "no examples found"
    for stem in examples:
        assert (built_site / "auto_examples" / f"{stem}.html").is_file(), stem
    index = (built_site / "auto_examples" / "index.html").read_text()
    for stem in examples:
        assert f"{stem}.html" in index, stem


def test_user_guide_orders_every_page(built_site):
    pages = sorted(p.stem for p in (ROOT / "docs" / "user_guide").glob("*.rst"))
    index = (built_site / "user_guide" / "index.html").read_text()
    for page in pages:
        if page != "index":
            assert f"{page}.html" in index, f"user guide page {page} not in the index"
