"""Save a model, recommend in another process, for users the training log never saw."""

import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from skrec._cli import main
from skrec.preprocessing import SequenceEncoder
from skrec.recommenders import CoSeRec, load_recommender, save_recommender

SMALL = dict(hidden_size=16, n_heads=1, inner_size=16, max_seq_length=8, max_epochs=3,
             train_split=None, verbose=0, random_state=0)


def _log(users, seed):
    rng = np.random.default_rng(seed)
    rows = [(u, f"sku{(s + j) % 25}", f"2021-03-{1 + j:02d}")
            for u, s in zip(users, rng.integers(0, 25, len(users)))
            for j in range(int(rng.integers(3, 7)))]
    return pd.DataFrame(rows, columns=["visitor", "sku", "ts"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    train_log = _log([f"u{i}" for i in range(50)], 0)
    encoder = SequenceEncoder(user_col="visitor", item_col="sku", time_col="ts")
    X = encoder.fit_transform(train_log)
    # A contrastive model: it loads back as the SASRec encoder it trained.
    model = CoSeRec(**SMALL, model_warm_up_epochs=1).fit(X)
    path = d / "model.skrec"
    save_recommender(path, model, encoder)
    return d, path, model, encoder


def test_load_gives_the_same_rankings(trained):
    _, path, model, encoder = trained
    loaded = load_recommender(path)
    assert loaded.trained_as == "CoSeRec"
    new_users = encoder.transform(_log(["new1", "new2", "new3"], 1))
    np.testing.assert_array_equal(loaded.model.recommend(new_users, k=5),
                                  model.recommend(new_users, k=5))
    np.testing.assert_allclose(loaded.model.decision_function(new_users),
                               model.decision_function(new_users), rtol=1e-6)
    np.testing.assert_array_equal(loaded.encoder.classes_, encoder.classes_)
    with zipfile.ZipFile(path) as archive:  # JSON + tensors, no pickle
        assert sorted(archive.namelist()) == ["skrec.json", "weights.pt"]


def test_recommend_in_a_fresh_process_for_new_users(trained):
    d, path, model, encoder = trained
    new_log = _log(["new1", "new2", "new3"], 1)
    new_log.loc[len(new_log)] = ["ghost", "never-seen-sku", "2021-03-01"]
    new_log.to_csv(d / "new.csv", index=False)
    out = d / "recs.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "skrec", "recommend", "--model", str(path),
         "--data", str(d / "new.csv"), "--user-col", "visitor", "--item-col", "sku",
         "--time-col", "ts", "-k", "4", "--output", str(out)],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "1 user(s)" in proc.stderr  # the ghost has no known item
    recs = pd.read_csv(out)
    assert list(recs.columns) == ["visitor", "rank", "sku"]
    X_new = encoder.transform(new_log[new_log.visitor != "ghost"])
    expected = encoder.inverse_transform(model.recommend(X_new, k=4))
    got = recs.pivot(index="visitor", columns="rank", values="sku").loc[X_new.index]
    np.testing.assert_array_equal(got.to_numpy(), expected)


def test_train_save_and_recommendations_flags(tmp_path, capsys):
    log = _log([f"u{i}" for i in range(40)], 2)
    log.to_csv(tmp_path / "log.csv", index=False)
    argv = ["train", "--model", "sasrec", "--data", str(tmp_path / "log.csv"),
            "--user-col", "visitor", "--item-col", "sku", "--time-col", "ts",
            "--epochs", "1", "--hidden-size", "8", "--n-heads", "1", "--no-baselines",
            "--quiet", "--save", str(tmp_path / "m.skrec"),
            "--recommendations", str(tmp_path / "r.csv"), "-k", "3"]
    assert main(argv) == 0
    recs = pd.read_csv(tmp_path / "r.csv")
    assert len(recs) == 3 * 40 and set(recs["rank"]) == {1, 2, 3}
    assert set(recs["sku"]) <= set(log["sku"])
    assert load_recommender(tmp_path / "m.skrec").encoder is not None


def test_bad_model_files(tmp_path, capsys):
    (tmp_path / "x.skrec").write_text("not a zip")
    with pytest.raises(ValueError, match="not a skrec model file"):
        load_recommender(tmp_path / "x.skrec")
    assert main(["recommend", "--model", str(tmp_path / "x.skrec"),
                 "--data", "whatever.csv"]) == 1
    assert "not a skrec model file" in capsys.readouterr().err
