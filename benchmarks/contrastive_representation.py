"""Benchmark: which view representation should TiCoSeRec's InfoNCE compare?

TiCoSeRec (reference README's Beauty settings, hidden 128, batch 128, seed
2022) is first trained ``--warm-up`` epochs with the next-item loss only;
that state is then continued for ``--epochs`` contrastive epochs with each
``cl_representation`` ("last", "mean", "flatten"), so the three start from
the same weights. Validation NDCG@20 (the reference's selection metric,
Beauty's validation split; the test split is never looked at) is recorded
after every epoch, with the training seconds per contrastive epoch.

    nice -n 10 python benchmarks/contrastive_representation.py

Figures go to ``benchmarks/results/contrastive_representation.{json,md}``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skrec.datasets import load_beauty  # noqa: E402
from skrec.model_selection import leave_last_out  # noqa: E402
from skrec.recommenders import TiCoSeRec  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproduce_ticoserec import README_RATES  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = ("last", "mean", "flatten")
# The reference README's Beauty settings, shared with the reproduction.
README = {"augmenter__mask__mode": "maximum", **README_RATES}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--warm-up", type=int, default=10)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--out", default=str(RESULTS / "contrastive_representation"))
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    split = leave_last_out(load_beauty())
    base = TiCoSeRec(
        hidden_size=128, inner_size=256, batch_size=128, max_epochs=args.warm_up,
        model_warm_up_epochs=args.warm_up, augmentation_warm_up_epochs=350,
        patience=None, monitor="valid_ndcg@20", random_state=args.seed, verbose=1,
    ).set_params(**README)
    # max_epochs == warm-up on purpose: this stage is the shared warm-up.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        base.fit(split.X_train, split.y_valid)
    warm = pickle.dumps(base)
    warm_curve = [float(v) for v in base.history[:, "valid_ndcg@20"]]
    runs = {}
    for kind in args.kinds:
        model = pickle.loads(warm)
        model.set_params(cl_representation=kind)
        model.max_epochs = args.epochs
        model.partial_fit(split.X_train, split.y_valid)
        hist = model.history[args.warm_up:]
        runs[kind] = {
            "valid_ndcg@20": [float(h["valid_ndcg@20"]) for h in hist],
            "valid_hit@20": [float(h["valid_hit@20"]) for h in hist],
            "cl_loss": [float(h["cl_loss"]) for h in hist],
            "rec_loss": [float(h["rec_loss"]) for h in hist],
            "seconds_per_epoch": float(np.mean([h["dur"] for h in hist])),
        }
        print(kind, np.round(runs[kind]["valid_ndcg@20"], 4), flush=True)
    best = max(runs, key=lambda k: (max(runs[k]["valid_ndcg@20"]),
                                    runs[k]["valid_ndcg@20"][-1]))
    report = {
        "command": "python " + shlex.join(
            ["benchmarks/contrastive_representation.py",
             *(sys.argv[1:] if argv is None else argv)]),
        "warm_up_curve": warm_curve, "runs": runs, "best": best,
        "settings": vars(args),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    lines = [
        "# Contrastive representation: last vs mean vs flatten (TiCoSeRec, Beauty)",
        "", f"Command: `{report['command']}`", "",
        f"{args.warm_up} shared next-item epochs (validation NDCG@20 "
        f"{warm_curve[-1]:.4f} at the end), then {args.epochs} epochs with the "
        "contrastive loss for each representation, one CPU thread. Validation "
        "split only.", "",
        "| representation | " + " | ".join(
            f"epoch {args.warm_up + e + 1}" for e in range(args.epochs))
        + " | best | cl_loss (last epoch) | s/epoch |",
        "|---|" + "---|" * (args.epochs + 3),
    ]
    for kind, r in runs.items():
        lines.append(
            f"| {kind} | " + " | ".join(f"{v:.4f}" for v in r["valid_ndcg@20"])
            + f" | **{max(r['valid_ndcg@20']):.4f}** | {r['cl_loss'][-1]:.3f} | "
            f"{r['seconds_per_epoch']:.1f} |")
    lines += ["", f"Highest validation NDCG@20: **{best}**.", ""]
    out.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
