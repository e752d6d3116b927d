"""Benchmark: every skrec recommender on Amazon Beauty under one CPU budget.

Protocol (the TiCoSeRec/CoSeRec one): leave-one-out -- each user's last item
is the test target, the second-to-last the validation target, the rest the
training sequence; full ranking of all 12,101 items with the user's seen
items excluded; HIT, NDCG and MRR at 10 and 20, catalogue coverage@10 and
novelty@10 (mean self-information, in bits, of the recommended items) of the
test users' top-10 lists.

Budget: every neural model trains for at most ``--budget`` CPU seconds
(``skrec.callbacks.TimeBudget`` with ``time.process_time``, so that other
work on the machine does not change a model's budget), one torch thread,
validation included; early stopping follows validation NDCG@20 and the best
validation epoch is restored before the test. All neural models use width 64,
batch 256, Adam 1e-3, the same seed; contrastive models warm up for 10
epochs (the paper's 40 would take most of the budget). Baselines (Popularity,
ItemKNN) are fitted once; their seconds are fit + scoring.

Published figures: the spec's TiCoSeRec figures for Beauty (the reference
README's checkpoint, full ranking). The papers' tables of the other models
could not be read with the tools of this project (only their first pages
are stored), so no other published figure is printed; none is made up.

Resumable: each finished model's figures go to ``--checkpoint`` at once; a
second run skips them (``--rerun`` trains again). Two processes can share
the work (``--models``)::

    nice -n 10 python benchmarks/recommenders.py --models gru4rec sasrec bert4rec &
    nice -n 10 python benchmarks/recommenders.py --models cl4srec coserec ticoserec &
    python benchmarks/recommenders.py --report   # table from the checkpoint

Writes ``benchmarks/results/recommenders.{json,md}``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skrec.callbacks import TimeBudget  # noqa: E402
from skrec.datasets import load_beauty  # noqa: E402
from skrec.metrics import (  # noqa: E402
    catalog_coverage_at_k,
    novelty_at_k,
    ranking_scores,
)
from skrec.model_selection import leave_last_out  # noqa: E402
from skrec.recommenders import (  # noqa: E402
    BERT4Rec,
    CL4SRec,
    CoSeRec,
    GRU4Rec,
    ItemKNN,
    Popularity,
    SASRec,
    TiCoSeRec,
)
from skrec.sequence import to_ragged  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
MODELS = ("popularity", "itemknn", "gru4rec", "sasrec", "bert4rec", "cl4srec",
          "coserec", "ticoserec")
NEURAL = dict(max_seq_length=50, lr=1e-3, batch_size=256, max_epochs=10_000,
              patience=10_000, monitor="valid_ndcg@20", random_state=2022, verbose=0)
TRANSFORMER = dict(hidden_size=64, inner_size=128, n_layers=2, n_heads=2)
CONTRASTIVE = dict(model_warm_up_epochs=10, cf_weight=0.1)
# The spec's published figures (TiCoSeRec reference README checkpoint, Beauty).
PUBLISHED = {"ticoserec": {"hit@10": 0.0740, "ndcg@10": 0.0418,
                           "hit@20": 0.1068, "ndcg@20": 0.0501}}
COLUMNS = ("hit@10", "ndcg@10", "mrr@10", "hit@20", "ndcg@20", "mrr@20",
           "coverage@10", "novelty@10")


def build(name):
    """The estimator benchmarked as ``name``."""
    if name == "popularity":
        return Popularity()
    if name == "itemknn":
        return ItemKNN()
    if name == "gru4rec":
        return GRU4Rec(embedding_size=64, hidden_size=64, **NEURAL)
    cls = {"sasrec": SASRec, "bert4rec": BERT4Rec, "cl4srec": CL4SRec,
           "coserec": CoSeRec, "ticoserec": TiCoSeRec}[name]
    params = dict(TRANSFORMER, **NEURAL)
    if name in ("cl4srec", "coserec", "ticoserec"):
        params.update(CONTRASTIVE)
    return cls(**params)


def evaluate(model, split, item_counts, n_users, n_items):
    ranks = model.rank(split.X_test, split.y_test)
    out = ranking_scores(ranks, ks=(10, 20), metrics=("hit", "ndcg", "mrr"))
    top = model.recommend(split.X_test, k=10)
    out["coverage@10"] = catalog_coverage_at_k(top, k=10, n_items=n_items)
    out["novelty@10"] = novelty_at_k(top, k=10, item_counts=item_counts, n_users=n_users)
    return {k: float(v) for k, v in out.items()}


def run_one(name, split, budget, stats):
    model = build(name)
    neural = hasattr(model, "module")
    if neural:
        model.set_params(callbacks=[("budget", TimeBudget(budget, clock=time.process_time))])
    cpu0, wall0 = time.process_time(), time.perf_counter()
    model.fit(split.X_train, split.y_valid)
    train_cpu = time.process_time() - cpu0
    metrics = evaluate(model, split, *stats)
    record = {"model": type(model).__name__, "metrics": metrics,
              "train_cpu_s": train_cpu, "wall_s": time.perf_counter() - wall0}
    if neural:
        valid = [h.get("valid_ndcg@20", np.nan) for h in model.history]
        record.update(epochs=len(model.history), best_epoch=int(np.nanargmax(valid)) + 1,
                      best_valid_ndcg20=float(np.nanmax(valid)))
    return record


def _fmt(v):
    return "-" if v is None else f"{v:.4f}"


def report(results, args):
    lines = [
        "# Recommenders on Amazon Beauty under one CPU budget",
        "",
        f"Command: `python benchmarks/recommenders.py --budget {args.budget:g}` "
        "(see the script's docstring for running it as two processes)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; torch "
        f"{torch.__version__}, 1 thread per process. Leave-one-out on 22,363 users, "
        "full ranking of 12,101 items, seen items excluded. Neural models: at most "
        f"{args.budget:g} CPU s of training each (validation included), width 64, "
        "batch 256, best validation epoch (NDCG@20) tested; contrastive models "
        "warm up 10 epochs.",
        "",
        "| model | epochs (best) | train CPU s | " + " | ".join(COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(COLUMNS),
    ]
    for name in MODELS:
        r = results.get(name)
        if r is None:
            lines.append(f"| {name} | not run | | " + " | ".join([""] * len(COLUMNS)) + " |")
            continue
        ep = f"{r['epochs']} ({r['best_epoch']})" if "epochs" in r else "-"
        lines.append(f"| {r['model']} | {ep} | {r['train_cpu_s']:.0f} | "
                     + " | ".join(_fmt(r["metrics"].get(c)) for c in COLUMNS) + " |")
    for name, pub in PUBLISHED.items():
        lines.append(f"| {name} published (README checkpoint, <= 350 epochs) | | | "
                     + " | ".join(_fmt(pub.get(c)) for c in COLUMNS) + " |")
    lines += ["", "## What the table says", ""]
    lines += claims(results)
    lines += [
        "",
        "Published figures: only TiCoSeRec's (the spec's reference README "
        "checkpoint). The GRU4Rec, SASRec, BERT4Rec, CL4SRec and CoSeRec rows of "
        "the papers' Beauty tables could not be read here (the stored copies of "
        "the papers end before their tables), so none is printed.",
    ]
    return "\n".join(lines) + "\n"


def claims(results):
    """Plain statements about the measured figures (no judgement by hand)."""
    out = []
    metric = "ndcg@10"
    have = {k: v["metrics"][metric] for k, v in results.items()}
    if "itemknn" in have and "popularity" in have:
        verdict = "beats" if have["itemknn"] > have["popularity"] else "does not beat"
        out.append(f"- ItemKNN {verdict} Popularity on NDCG@10 "
                   f"({have['itemknn']:.4f} vs {have['popularity']:.4f}).")
    if have:
        best = max(have, key=have.get)
        out.append(f"- Best NDCG@10 under this budget: {results[best]['model']} "
                   f"({have[best]:.4f}).")
    for name in ("cl4srec", "coserec", "ticoserec"):
        if name in have and "sasrec" in have:
            diff = have[name] - have["sasrec"]
            out.append(f"- {results[name]['model']} vs SASRec (same encoder, same "
                       f"budget): NDCG@10 {diff:+.4f}.")
    if "ticoserec" in results:
        got = results["ticoserec"]["metrics"]["ndcg@20"]
        out.append(f"- TiCoSeRec NDCG@20 {got:.4f} against the published 0.0501 "
                   f"({got / 0.0501:.0%}); the published figure comes from up to 350 "
                   "epochs at width 128, far beyond this budget.")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    p.add_argument("--budget", type=float, default=600.0,
                   help="CPU seconds of training per neural model")
    p.add_argument("--checkpoint", default=str(RESULTS / "recommenders_checkpoint.json"))
    p.add_argument("--rerun", action="store_true", help="train finished models again")
    p.add_argument("--report", action="store_true", help="only rewrite the report")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    ckpt = Path(args.checkpoint)

    def load():
        return json.loads(ckpt.read_text()) if ckpt.exists() else {}

    if not args.report:
        X = load_beauty()
        split = leave_last_out(X)
        train = to_ragged(split.X_train)
        users = np.repeat(np.arange(train.n_sequences), train.lengths)
        pairs = np.unique(users * (int(train.items.max()) + 1) + train.items)
        n_items = int(X["items"].map(max).max())
        item_counts = np.bincount(pairs % (int(train.items.max()) + 1),
                                  minlength=n_items + 1)
        stats = (item_counts, train.n_sequences, n_items)
        for name in args.models:
            if name in load() and not args.rerun:
                print(f"{name}: done (checkpoint)", flush=True)
                continue
            print(f"{name}: training ...", flush=True)
            record = run_one(name, split, args.budget, stats)
            record["command"] = "python " + " ".join(map(shlex.quote, sys.argv))
            results = load()  # another process may have written meanwhile
            results[name] = record
            ckpt.write_text(json.dumps(results, indent=1))
            m = record["metrics"]
            print(f"{name}: NDCG@10 {m['ndcg@10']:.4f} HIT@10 {m['hit@10']:.4f} "
                  f"({record['train_cpu_s']:.0f} CPU s)", flush=True)
    results = load()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "recommenders.json").write_text(json.dumps(
        {"budget_cpu_s": args.budget, "published": PUBLISHED, "results": results},
        indent=1))
    text = report(results, args)
    (RESULTS / "recommenders.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
