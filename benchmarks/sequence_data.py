"""Timings of skrec's sequence-data foundation on all of Amazon Beauty.

Times ``load_beauty``, ``SequenceEncoder.fit_transform`` on Beauty's log and
full-ranking metrics on a 22,363 x 12,102 score matrix, each against a
straightforward per-user Python baseline measured in the same run (the
per-row metric baseline runs on a sample of rows and is scaled up).

Run (about a minute; one core, low priority)::

    nice -n 10 python benchmarks/sequence_data.py

Writes ``benchmarks/results/sequence_data.json`` and ``.md``.
"""

import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skrec.datasets import load_beauty
from skrec.metrics import ndcg_at_k, rank_of_target
from skrec.model_selection import leave_last_out
from skrec.preprocessing import SequenceEncoder
from skrec.sequence import to_ragged

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def baseline_encode(log):
    """Per-user Python: sort each user's events, map items through a dict."""
    vocab = {v: i + 1 for i, v in enumerate(sorted(log["item_id"].unique()))}
    users, items, times = {}, {}, {}
    for u, i, t in zip(log["user_id"], log["item_id"], log["timestamp"]):
        users.setdefault(u, []).append((t, len(users[u]), vocab[i]))
    for u in sorted(users):
        ev = sorted(users[u])
        items[u] = np.array([e[2] for e in ev])
        times[u] = np.array([e[0] for e in ev])
    return pd.DataFrame({"items": pd.Series(items), "timestamps": pd.Series(times)})


def baseline_rank(scores, y, seen):
    """Per-row loop: copy the row, mask seen items, count better items."""
    ranks = np.empty(len(y))
    for i in range(len(y)):
        row = scores[i].copy()
        row[0] = -np.inf
        row[seen[i]] = -np.inf
        ranks[i] = 1 + np.sum(row > row[y[i]]) + np.sum(row == row[y[i]]) - 1
    return ranks


def main():
    res = {}
    res["load_beauty_s"], X = best_of(load_beauty)
    res["load_beauty_log_s"], log = best_of(lambda: load_beauty(kind="log"))

    t_enc, Xe = best_of(lambda: SequenceEncoder().fit_transform(log))
    t_base, Xb = best_of(lambda: baseline_encode(log), repeat=1)
    assert all(np.array_equal(a, b) for a, b in zip(Xe["items"], Xb["items"]))
    res.update(
        encoder_s=t_enc, encoder_baseline_s=t_base, encoder_speedup=t_base / t_enc
    )

    split = leave_last_out(X)
    res["leave_last_out_s"], _ = best_of(lambda: leave_last_out(X))
    n, m = len(split.users), int(to_ragged(X).items.max()) + 1
    scores = np.random.default_rng(0).random((n, m), dtype=np.float32)
    y, X_in = split.y_test, split.X_test
    t_rank, ranks = best_of(lambda: rank_of_target(scores, y, exclude=X_in), repeat=2)
    t_ndcg, _ = best_of(lambda: ndcg_at_k(y, scores, k=10, exclude=X_in), repeat=2)
    sample = np.arange(0, n, 10)
    seen = [a for a in X_in["items"].iloc[sample]]
    t_loop, ranks_loop = best_of(
        lambda: baseline_rank(scores[sample], y[sample], seen), repeat=1
    )
    np.testing.assert_array_equal(ranks[sample], ranks_loop)
    t_loop_full = t_loop * n / len(sample)
    res.update(
        score_matrix_shape=[n, m],
        rank_of_target_s=t_rank,
        ndcg_at_10_s=t_ndcg,
        rank_baseline_s_extrapolated=t_loop_full,
        rank_speedup=t_loop_full / t_rank,
    )
    res["machine"] = platform.platform()
    res["numpy"] = np.__version__

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sequence_data.json").write_text(json.dumps(res, indent=2))
    md = [
        "# Sequence data foundation on Amazon Beauty",
        "",
        "`nice -n 10 python benchmarks/sequence_data.py` (best of repeats, seconds)",
        "",
        "| step | skrec | per-user baseline | speed-up |",
        "|---|---|---|---|",
        f"| load_beauty() (sequence frame) | {res['load_beauty_s']:.3f} | | |",
        f"| load_beauty(kind='log') | {res['load_beauty_log_s']:.3f} | | |",
        f"| SequenceEncoder.fit_transform (198,502 events) | {t_enc:.3f} | "
        f"{t_base:.3f} | {t_base / t_enc:.0f}x |",
        f"| leave_last_out | {res['leave_last_out_s']:.3f} | | |",
        f"| rank_of_target, {n} x {m} float32, exclude seen | {t_rank:.3f} | "
        f"{t_loop_full:.3f} (extrapolated from every 10th row) | "
        f"{t_loop_full / t_rank:.1f}x |",
        f"| ndcg_at_k(k=10), same matrix | {t_ndcg:.3f} | | |",
        "",
    ]
    (RESULTS / "sequence_data.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
