"""Every code block of the README runs as written.

Blocks that would train for minutes run with smaller settings: the
substitutions below are the only changes (fewer users and epochs); install
commands, the test command itself and the docs build are not run here (CI runs
them, and ``tests/test_docs.py`` builds the docs).
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(python|bash)\n(.*?)```", README, flags=re.S)

# (pattern, replacement): the small settings of long-running blocks.
SMALL = [
    ("load_beauty()", "load_beauty().iloc[:300]"),
    ("max_epochs=20", "max_epochs=2, hidden_size=16, n_heads=1"),
    ("--epochs 15", "--epochs 1 --n-users 200 --hidden-size 16 --n-heads 1"),
]
SKIP = ("pip install", "python -m pytest", "python -m sphinx")


def _small(code):
    for old, new in SMALL:
        code = code.replace(old, new)
    return code


def _commands(code):
    """Shell commands of a bash block (continuation lines joined)."""
    joined = code.replace("\\\n", " ")
    return [line.split("#")[0].strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with the logs the README's CLI example reads."""
    d = tmp_path_factory.mktemp("readme")
    rng = np.random.default_rng(0)

    def log(users, seed):
        r = np.random.default_rng(seed)
        return pd.DataFrame(
            [(u, f"sku{r.integers(0, 30)}", f"2021-05-{1 + j:02d}T12:00:00")
             for u in users for j in range(int(r.integers(3, 8)))],
            columns=["visitor", "sku", "ts"])

    log([f"v{i}" for i in range(60)], rng.integers(1 << 30)).to_csv(d / "clicks.csv",
                                                                     index=False)
    log(["s1", "s2"], 7).to_csv(d / "new_sessions.csv", index=False)
    return d


def test_the_readme_has_code_blocks():
    assert sum(kind == "python" for kind, _ in BLOCKS) >= 2
    assert any("skrec recommend" in code for _, code in BLOCKS)


@pytest.mark.parametrize("index", [i for i, (k, _) in enumerate(BLOCKS) if k == "python"])
def test_python_blocks_run(index, tmp_path):
    code = _small(BLOCKS[index][1])
    script = tmp_path / "block.py"
    script.write_text(code)
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("index", [i for i, (k, _) in enumerate(BLOCKS) if k == "bash"])
def test_bash_blocks_run(index, workdir):
    for command in _commands(_small(BLOCKS[index][1])):
        if command.startswith(SKIP):
            continue
        argv = shlex.split(command)
        if argv[0] == "skrec":  # the console script, installed or not
            argv = [sys.executable, "-m", "skrec", *argv[1:]]
        elif argv[:3] == ["python", "-m", "skrec"]:
            argv = [sys.executable, *argv[1:]]
        else:
            pytest.fail(f"unexpected README command: {command}")
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=workdir,
                              timeout=600)
        assert proc.returncode == 0, (command, proc.stderr[-3000:])
