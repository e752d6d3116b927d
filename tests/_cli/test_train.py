"""``python -m skrec train`` on a few users of Beauty and on a CSV log."""

import json

import numpy as np
import pandas as pd

from skrec._cli import main

TINY = ["--hidden-size", "16", "--n-layers", "1", "--max-seq-length", "10",
        "--batch-size", "64", "--threads", "1"]


def test_train_on_a_few_beauty_users(capsys, tmp_path):
    out_json = tmp_path / "m.json"
    argv = ["train", "--model", "ticoserec", "--epochs", "2", "--n-users", "300",
            "--json", str(out_json), *TINY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "data: beauty - 300 users" in out
    assert "valid_ndcg@10" in out and "cl_loss" in out  # the epoch table
    for k in (5, 10, 20):
        assert f"HIT@{k}=" in out and f"NDCG@{k}=" in out
    result = json.loads(out_json.read_text())
    assert result["epochs"] == 2
    m = result["metrics"]
    assert 0 <= m["NDCG@5"] <= m["NDCG@10"] <= m["NDCG@20"] <= m["HIT@20"] <= 1


def test_train_on_a_csv_log(capsys, tmp_path):
    rng = np.random.default_rng(0)
    rows = [(f"user{u}", f"sku{(s + j) % 40}", 100 * j)
            for u, s in enumerate(rng.integers(0, 40, 60)) for j in range(6)]
    path = tmp_path / "log.csv"
    pd.DataFrame(rows, columns=["uid", "sku", "ts"]).to_csv(path, index=False)
    argv = ["train", "--model", "sasrec", "--data", str(path), "--epochs", "1",
            "--user-col", "uid", "--item-col", "sku", "--time-col", "ts",
            "--quiet", *TINY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "60 users" in out and "HIT@10=" in out
    assert "train_loss" not in out  # --quiet: no epoch table


def test_bad_arguments(capsys):
    assert main(["train", "--epochs", "0"]) == 2
    assert "--epochs" in capsys.readouterr().err
