"""Scale: a synthetic log of 20 million interactions through skrec on one machine.

Stages, each timed (wall seconds) with the process's peak resident memory
after it:

1. generate the log (pandas DataFrame: user, item, timestamp; Zipf item
   popularity over 100,000 items, about 10 events per user);
2. ``SequenceEncoder().fit_transform`` (log -> sequence frame);
3. one pass of TiCoSeRec's augmentation (``LengthAwareAugmenter``) over every
   sequence (``fit`` + ``transform``);
4. one training epoch of SASRec (width 64, one layer, batch 1,024, no
   validation);
5. ``recommend`` (top 10) for 100,000 users.

Data-parallel training over several processes is not measured: skrec's nets
do not run under ``AccelerateMixin`` yet (see the scaling-out guide).

Run::

    python benchmarks/scale.py                      # 20 million interactions
    python benchmarks/scale.py --interactions 2e6   # a quicker look

Writes ``benchmarks/results/scale.{json,md}``.
"""

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from skrec.augmentation import LengthAwareAugmenter
from skrec.preprocessing import SequenceEncoder
from skrec.recommenders import SASRec

RESULTS = Path(__file__).resolve().parent / "results"


def peak_gib():
    """Peak resident memory of this process so far, in GiB (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def synthetic_log(n_interactions, n_items=100_000, mean_length=10, seed=0):
    rng = np.random.default_rng(seed)
    n_users = int(n_interactions // mean_length)
    lengths = rng.geometric(1.0 / (mean_length - 2), n_users) + 2  # at least 3
    lengths = lengths[np.cumsum(lengths) <= n_interactions]
    users = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    ranks = np.arange(1, n_items + 1, dtype=np.float64)
    p = ranks ** -1.05
    items = rng.choice(n_items, size=len(users), p=p / p.sum()).astype(np.int64) + 1
    gaps = rng.exponential(86_400.0, size=len(users)).astype(np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    times = np.cumsum(gaps)
    times = times - times[starts] + 1_500_000_000
    return pd.DataFrame({"user_id": users, "item_id": items, "timestamp": times})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--interactions", type=float, default=20e6)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    stages = {}

    def stage(name, fn):
        start = time.perf_counter()
        out = fn()
        stages[name] = dict(seconds=time.perf_counter() - start, peak_gib=peak_gib())
        print(f"{name:40s} {stages[name]['seconds']:8.1f} s   peak {peak_gib():5.2f} GiB",
              flush=True)
        return out

    log = stage("generate the log", lambda: synthetic_log(int(args.interactions)))
    n_events, n_users = len(log), int(log.user_id.nunique())
    X = stage("SequenceEncoder.fit_transform", lambda: SequenceEncoder().fit_transform(log))
    log = None  # free the raw log before training
    stage("augmentation (LengthAwareAugmenter)",
          lambda: LengthAwareAugmenter(random_state=0).fit(X).transform(X))
    model = SASRec(hidden_size=64, inner_size=128, n_layers=1, n_heads=2,
                   max_seq_length=50, batch_size=1024, max_epochs=1, train_split=None,
                   verbose=0, random_state=0)
    stage("SASRec, one training epoch", lambda: model.fit(X))
    n_rec = min(100_000, len(X))
    stage(f"recommend, {n_rec:,} users", lambda: model.recommend(X.iloc[:n_rec], k=10))

    lines = ["# Scale: one machine, a synthetic log", "",
             f"Command: `python benchmarks/scale.py --interactions {args.interactions:g} "
             f"--threads {args.threads}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, torch "
             f"{torch.__version__} with {args.threads} threads. Log: {n_events:,} "
             f"interactions of {n_users:,} users over 100,000 items (Zipf popularity).", "",
             "| stage | seconds | peak memory (GiB) |", "|---|---|---|"]
    lines += [f"| {k} | {v['seconds']:.1f} | {v['peak_gib']:.2f} |" for k, v in stages.items()]
    lines += ["", "Peak memory is the process's maximum resident set size after the stage "
              "(it never decreases). Data-parallel training is not measured (see the "
              "scaling-out guide)."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "scale.md").write_text(text)
        (RESULTS / "scale.json").write_text(json.dumps(
            dict(interactions=n_events, users=n_users, threads=args.threads,
                 stages=stages), indent=1))


if __name__ == "__main__":
    main()
