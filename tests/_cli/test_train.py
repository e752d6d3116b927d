"""``python -m skrec train`` on a few users of Beauty and on a CSV log."""

import json

import numpy as np
import pandas as pd
import pytest

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


@pytest.mark.parametrize("model, extra", [
    ("gru4rec", []),
    ("bert4rec", []),
    ("cl4srec", ["--loss", "sampled_softmax", "--n-negatives", "8"]),
])
def test_every_model_trains_and_saves(model, extra, capsys, tmp_path):
    from skrec.recommenders import load_recommender

    path = tmp_path / "m.skrec"
    argv = ["train", "--model", model, "--epochs", "1", "--n-users", "200",
            "--no-baselines", "--quiet", "--save", str(path), *extra, *TINY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "HIT@10=" in out
    loaded = load_recommender(path)
    expected = {"gru4rec": "GRU4Rec", "bert4rec": "BERT4Rec", "cl4srec": "SASRec"}[model]
    assert type(loaded.model).__name__ == expected
    assert loaded.trained_as.lower() == model


def test_bad_arguments(capsys):
    assert main(["train", "--epochs", "0"]) == 2
    assert "--epochs" in capsys.readouterr().err


def test_popularity_baseline_matches_brute_force_ranking():
    from skrec._cli.train import _popularity_metrics
    from skrec.metrics import rank_of_target
    from skrec.model_selection import leave_last_out
    from skrec.sequence import make_sequence_frame

    rng = np.random.default_rng(3)
    seqs = [rng.integers(1, 15, rng.integers(3, 9)) for _ in range(80)]
    split = leave_last_out(make_sequence_frame(seqs))
    items = np.concatenate(split.X_test["items"].to_numpy())
    counts = np.bincount(items, minlength=15).astype(float)
    counts[counts == 0] = -np.inf  # items never seen in the inputs are unknown
    scores = np.tile(counts, (len(split.y_test), 1))
    ranks = rank_of_target(scores, split.y_test, exclude=split.X_test)
    ranks[counts[split.y_test] == -np.inf] = np.inf
    got = _popularity_metrics(split)
    for k in (5, 10, 20):
        hit = ranks <= k
        assert got[f"hit@{k}"] == pytest.approx(hit.mean())
        assert got[f"ndcg@{k}"] == pytest.approx(
            np.where(hit, 1 / np.log2(ranks + 1), 0).mean())
