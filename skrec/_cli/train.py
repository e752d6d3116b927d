"""``python -m skrec train``: train a sequential recommender and report test metrics.

The leave-last-out protocol: each user's last item is the test target, the
second-to-last the validation target (early stopping on validation NDCG@10),
the rest the training sequence. Prints the skorch epoch table, then HIT@K and
NDCG@K for K = 5, 10, 20 on the test targets (full ranking, seen items
excluded).
"""

import json
import sys
import time

_MODELS = ("sasrec", "coserec", "ticoserec")

# Non-default settings of the TiCoSeRec reference README for Beauty.
_PAPER_BEAUTY = {
    "augmenter__mask__mode": "maximum",
    "augmenter__substitute__rate": 0.2,
    "augmenter__crop__rate": 0.4,
    "augmenter__mask__rate": 0.7,
    "augmenter__reorder__rate": 0.5,
    "augmentation_warm_up_epochs": 350,
}


def add_parser(subparsers):
    """Register the ``train`` sub-command."""
    p = subparsers.add_parser(
        "train",
        help="train SASRec, CoSeRec or TiCoSeRec and print test HIT/NDCG@5/10/20",
        description=__doc__,
    )
    p.add_argument("--model", choices=_MODELS, default="ticoserec")
    p.add_argument(
        "--data",
        default="beauty",
        help="'beauty' (bundled Amazon Beauty) or the path of a CSV/Parquet log "
        "with columns user_id, item_id, timestamp (see --user-col etc.)",
    )
    p.add_argument("--n-users", type=int, default=None,
                   help="use only the first N users (a quick try-out)")
    p.add_argument("--user-col", default="user_id")
    p.add_argument("--item-col", default="item_id")
    p.add_argument("--time-col", default="timestamp")
    p.add_argument("--sep", default=",", help="CSV field separator")
    p.add_argument("--epochs", type=int, default=3, help="maximum number of epochs")
    p.add_argument("--patience", type=int, default=None,
                   help="early-stopping patience in epochs (default: --epochs, "
                   "i.e. train every epoch, then restore the best validation one)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--hidden-size", type=int, default=64)
    p.add_argument("--inner-size", type=int, default=None,
                   help="feed-forward width (default: 2 * hidden size)")
    p.add_argument("--n-layers", type=int, default=2)
    p.add_argument("--n-heads", type=int, default=2)
    p.add_argument("--max-seq-length", type=int, default=50)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-6)
    p.add_argument("--cf-weight", type=float, default=0.1)
    p.add_argument("--model-warm-up-epochs", type=int, default=1,
                   help="epochs without the contrastive loss (paper: 40)")
    p.add_argument("--loss", choices=("bce", "ce"), default="bce")
    p.add_argument("--paper-settings", action="store_true",
                   help="the reference model and training (hidden 128, inner 256, "
                   "batch 128, 40 warm-up epochs, patience 150) and, for "
                   "TiCoSeRec, the reference README's Beauty augmentation settings")
    p.add_argument("--device", default="cpu", help="'cpu' or 'cuda'")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--json", default=None, help="also write the metrics to this file")
    p.add_argument("--quiet", action="store_true", help="no epoch table")
    p.set_defaults(func=run)
    return p


def _load(args):
    from skrec.datasets import load_beauty, load_interactions
    from skrec.preprocessing import SequenceEncoder

    if args.data == "beauty":
        return load_beauty()
    log = load_interactions(
        args.data,
        user_col=args.user_col,
        item_col=args.item_col,
        time_col=args.time_col,
        sep=args.sep,
    )
    return SequenceEncoder(min_length=3).fit_transform(log)


def build_model(args):
    """The estimator described by the parsed arguments."""
    from skrec.recommenders import CoSeRec, SASRec, TiCoSeRec

    cls = {"sasrec": SASRec, "coserec": CoSeRec, "ticoserec": TiCoSeRec}[args.model]
    paper = args.paper_settings
    hidden = 128 if paper else args.hidden_size
    inner = 256 if paper else (args.inner_size or 2 * hidden)
    params = dict(
        hidden_size=hidden,
        inner_size=inner,
        n_layers=args.n_layers,
        n_heads=args.n_heads,
        max_seq_length=args.max_seq_length,
        lr=args.lr,
        weight_decay=args.weight_decay,
        batch_size=128 if paper else args.batch_size,
        max_epochs=args.epochs,
        patience=args.patience or (150 if paper else args.epochs),
        loss=args.loss,
        device=args.device,
        random_state=args.seed,
        verbose=0 if args.quiet else 1,
    )
    if args.model != "sasrec":
        params.update(cf_weight=args.cf_weight,
                      model_warm_up_epochs=40 if paper else args.model_warm_up_epochs)
    model = cls(**params)
    if args.paper_settings and args.model == "ticoserec":
        model.set_params(**_PAPER_BEAUTY)
    return model


def run(args):
    """Train, evaluate on the test split and print the metrics; returns 0."""
    import torch

    from skrec.model_selection import leave_last_out

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: --device cuda but no CUDA device is available", file=sys.stderr)
        return 2
    if args.n_users is not None and args.n_users < 1:
        print("error: --n-users must be a positive integer", file=sys.stderr)
        return 2
    if args.epochs < 1:
        print("error: --epochs must be a positive integer", file=sys.stderr)
        return 2
    X = _load(args)
    if args.n_users is not None:
        X = X.iloc[: args.n_users]
    split = leave_last_out(X)
    print(
        f"data: {args.data} - {len(split.users)} users, "
        f"{int(X['items'].map(len).sum())} interactions "
        f"({len(split.dropped_users)} users with < 3 events dropped)"
    )
    model = build_model(args)
    print(f"model: {type(model).__name__}, up to {args.epochs} epoch(s) on {args.device}")
    start = time.perf_counter()
    # Train on items[:-2] + validation item: the estimator holds out each row's
    # last item (the validation target) for early stopping.
    model.fit(split.X_train, split.y_valid)
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    metrics = model.evaluate(split.X_test, split.y_test, ks=(5, 10, 20))
    eval_s = time.perf_counter() - start
    print(f"trained in {train_s:.1f} s; test evaluation of {len(split.users)} users "
          f"(full ranking) in {eval_s:.1f} s")
    print("test  " + "  ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": args.model, "epochs": len(model.history),
                       "train_seconds": train_s, "eval_seconds": eval_s,
                       "metrics": metrics}, f, indent=2)
    return 0
