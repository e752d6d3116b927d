"""Command-line mistakes end in one or two lines naming the flag or column, never a
traceback (issue 13's table)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skrec._cli import main

TINY = ["--hidden-size", "8", "--n-heads", "1", "--max-seq-length", "8",
        "--batch-size", "64", "--no-baselines", "--quiet"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("logs")
    rng = np.random.default_rng(0)
    rows = [(f"u{u}", f"sku{rng.integers(0, 30)}", f"2020-09-{1 + j:02d}T10:00:00")
            for u in range(40) for j in range(int(rng.integers(3, 8)))]
    log = pd.DataFrame(rows, columns=["visitor", "sku", "ts"])
    log.to_csv(d / "log.csv", index=False)
    log.to_csv(d / "semi.csv", index=False, sep=";")
    log.assign(ts="yesterday").to_csv(d / "badtime.csv", index=False)
    nan = log.copy()
    nan.loc[3, "ts"] = None
    nan.to_csv(d / "nantime.csv", index=False)
    (d / "blank.csv").write_text("")
    (d / "header.csv").write_text("visitor,sku,ts\n")
    return d


OWN = ["--user-col", "visitor", "--item-col", "sku", "--time-col", "ts"]

MISTAKES = [  # argv after "train", words the message must contain, exit status
    (["--data", "{d}/missing.csv"], ["missing.csv"], 1),
    (["--data", "{d}/blank.csv"], ["blank.csv", "empty"], 1),
    (["--data", "{d}/header.csv", *OWN], ["empty"], 1),
    (["--data", "{d}/log.csv"], ["--user-col", "visitor"], 1),
    (["--data", "{d}/log.csv", "--user-col", "visitor", "--item-col", "sku",
      "--time-col", "time"], ["'time'", "--time-col"], 1),
    (["--data", "{d}/semi.csv", *OWN], ["--sep"], 1),
    (["--data", "{d}/badtime.csv", *OWN], ["'ts'", "yesterday"], 1),
    (["--data", "{d}/nantime.csv", *OWN], ["'ts'", "missing timestamps"], 1),
    (["--data", "{d}/log.csv", *OWN, "--min-length", "50"], ["--min-length"], 1),
    (["--data", "{d}/log.csv", *OWN, "--n-users", "0"], ["--n-users"], 2),
    (["--data", "{d}/log.csv", *OWN, "--json", "{d}/no/such/dir/m.json"], ["--json"], 2),
    (["--data", "{d}/log.csv", *OWN, "--epochs", "0"], ["--epochs"], 2),
    (["--data", "{d}/log.csv", *OWN, "--min-length", "2"], ["--min-length"], 2),
]


@pytest.mark.parametrize("argv, words, status", MISTAKES)
def test_mistakes_end_in_a_short_message(files, capsys, argv, words, status):
    argv = [a.replace("{d}", str(files)) for a in argv]
    assert main(["train", *argv, *TINY]) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2
    for word in words:
        assert word in err, (word, err)
    assert "np.int64" not in err and "user_col=" not in err


def test_iso_timestamps_train_and_colours_stay_out_of_a_log(files, capsys):
    argv = ["train", "--model", "sasrec", "--data", str(files / "log.csv"), *OWN,
            "--epochs", "1", *[a for a in TINY if a != "--quiet"]]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "40 users" in out and "HIT@10=" in out and "\x1b[" not in out


def test_debug_shows_the_traceback_and_the_exit_status_is_real(files):
    cmd = [sys.executable, "-m", "skrec", "train", "--data", str(files / "missing.csv")]
    plain = subprocess.run(cmd, capture_output=True, text=True)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert "missing.csv" in plain.stderr
    debug = subprocess.run(cmd[:3] + ["--debug"] + cmd[3:], capture_output=True,
                           text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr
