"""Every gallery example runs to completion.

Each ``examples/*.py`` runs in its own subprocess (one test per file, so that
``pytest -n 2`` spreads them over the workers) with the non-interactive
matplotlib backend and ``SKREC_EXAMPLE_QUICK=1``, which examples may read to
shrink their settings. The documentation test renders the gallery without
running it; this is where the examples are actually executed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))

pytest.importorskip("matplotlib")


def test_examples_found():
    assert EXAMPLES, f"no examples in {EXAMPLES_DIR}"
    assert (EXAMPLES_DIR / "README.txt").is_file(), "sphinx-gallery needs README.txt"


def _header_ok(text):
    """A sphinx-gallery header: a docstring whose title is over/underlined by ``=``."""
    if not text.startswith('"""'):
        return False
    lines = text.splitlines()[1:4]
    return (len(lines) == 3 and set(lines[0]) == {"="} and set(lines[2]) == {"="}
            and len(lines[0]) >= len(lines[1]) and len(lines[2]) >= len(lines[1]))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_header(path):
    assert _header_ok(path.read_text()), (
        f"{path.name} must start with a docstring whose title is over- and "
        "underlined with '=' at least as long as the title"
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path):
    env = dict(
        os.environ,
        MPLBACKEND="Agg",
        SKREC_EXAMPLE_QUICK="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    proc = subprocess.run(
        [sys.executable, path.name],
        cwd=EXAMPLES_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (
        f"{path.name} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    )
