"""``python -m skrec train``: train a sequential recommender and report test metrics.

The leave-last-out protocol: each user's last item is the test target, the
second-to-last the validation target (early stopping on validation NDCG@10),
the rest the training sequence. Prints the skorch epoch table, then HIT@K and
NDCG@K for K = 5, 10, 20 on the test targets (full ranking, seen items
excluded).
"""

import argparse
import json
import os
import re
import sys
import time

_MODELS = ("sasrec", "gru4rec", "bert4rec", "cl4srec", "coserec", "ticoserec")
_CONTRASTIVE = ("cl4srec", "coserec", "ticoserec")

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
    from skrec._cli import _HelpFormatter, plain

    p = subparsers.add_parser(
        "train",
        help="train a sequential recommender (SASRec, GRU4Rec, BERT4Rec, CL4SRec, "
        "CoSeRec, TiCoSeRec) and print test HIT/NDCG@5/10/20",
        description=plain(__doc__),
        formatter_class=_HelpFormatter,
    )
    p.add_argument("--model", choices=_MODELS, default="ticoserec",
                   help="the recommender to train")
    p.add_argument(
        "--data",
        default="beauty",
        help="'beauty' (bundled Amazon Beauty) or the path of a CSV/Parquet log "
        "with columns user_id, item_id, timestamp (see --user-col etc.)",
    )
    p.add_argument("--n-users", type=int, default=None,
                   help="use only the first N users (a quick try-out)")
    p.add_argument("--user-col", default="user_id", help="user column of --data")
    p.add_argument("--item-col", default="item_id", help="item column of --data")
    p.add_argument("--time-col", default="timestamp",
                   help="time column of --data: numbers, datetimes or ISO 8601 "
                   "strings")
    p.add_argument("--sep", default=",", help="CSV field separator")
    p.add_argument("--min-length", type=int, default=3,
                   help="drop users with fewer interactions (at least 3: train, "
                   "validation and test items)")
    p.add_argument("--epochs", type=int, default=3, help="maximum number of epochs")
    p.add_argument("--patience", type=int, default=None,
                   help="early-stopping patience in epochs (default: --epochs, "
                   "i.e. train every epoch, then restore the best validation one)")
    p.add_argument("--batch-size", type=int, default=256, help="training batch size")
    p.add_argument("--hidden-size", type=int, default=64,
                   help="width of the embeddings and of the transformer (GRU4Rec: "
                   "of the embeddings and the GRU state)")
    p.add_argument("--inner-size", type=int, default=None,
                   help="feed-forward width (default: 2 * hidden size)")
    p.add_argument("--n-layers", type=int, default=None,
                   help="transformer blocks or GRU layers (default: 2, GRU4Rec 1)")
    p.add_argument("--n-heads", type=int, default=2,
                   help="attention heads (must divide --hidden-size)")
    p.add_argument("--max-seq-length", type=int, default=50,
                   help="most recent items the model reads")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--weight-decay", type=float, default=1e-6, help="Adam weight decay")
    p.add_argument("--cf-weight", type=float, default=0.1,
                   help="weight of the contrastive loss (CL4SRec, CoSeRec, TiCoSeRec)")
    p.add_argument("--model-warm-up-epochs", type=int, default=None,
                   help="epochs without the contrastive loss (default: "
                   "min(40, epochs // 5); paper: 40)")
    p.add_argument("--no-baselines", dest="baselines", action="store_false",
                   help="do not train SASRec on the same budget and rank by "
                   "popularity for comparison")
    p.add_argument("--loss", choices=("bce", "ce", "sampled_softmax"), default=None,
                   help="next-item loss: binary cross-entropy against a sampled "
                   "negative, full softmax, or softmax over sampled negatives "
                   "(default: the model's own, bce for SASRec and the contrastive "
                   "models, ce for GRU4Rec and BERT4Rec)")
    p.add_argument("--n-negatives", type=int, default=1,
                   help="sampled negatives per position (bce, sampled_softmax)")
    p.add_argument("--paper-settings", action="store_true",
                   help="the reference model and training (hidden 128, inner 256, "
                   "batch 128, 40 warm-up epochs, patience 150) and, for "
                   "TiCoSeRec, the reference README's Beauty augmentation settings")
    p.add_argument("--device", default="cpu", help="'cpu' or 'cuda'")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=2022, help="random seed")
    p.add_argument("--json", default=None, help="also write the metrics to this file")
    p.add_argument("--save", default=None, metavar="PATH",
                   help="save the trained model (and the log's item vocabulary) to "
                   "PATH, for 'recommend'")
    p.add_argument("--recommendations", default=None, metavar="CSV",
                   help="write the top -k items of every user (their whole history) "
                   "to this CSV, in the log's own ids")
    p.add_argument("-k", type=int, default=10, help="items per user in --recommendations")
    p.add_argument("--quiet", action="store_true", help="no epoch table")
    p.set_defaults(func=run)
    return p


def _load(args):
    from skrec.datasets import load_beauty, load_interactions
    from skrec.preprocessing import SequenceEncoder

    if args.data == "beauty":
        return load_beauty(), None
    log = load_interactions(
        args.data,
        user_col=args.user_col,
        item_col=args.item_col,
        time_col=args.time_col,
        sep=args.sep,
    )
    encoder = SequenceEncoder(min_length=args.min_length)
    return encoder.fit_transform(log), encoder


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _print_plain(text, **kwargs):
    """print() without ANSI colour codes (for output that is not a terminal)."""
    print(_ANSI.sub("", str(text)), **kwargs)


def build_model(args):
    """The estimator described by the parsed arguments."""
    from skrec.recommenders import (
        BERT4Rec,
        CL4SRec,
        CoSeRec,
        GRU4Rec,
        SASRec,
        TiCoSeRec,
    )

    cls = {"sasrec": SASRec, "gru4rec": GRU4Rec, "bert4rec": BERT4Rec,
           "cl4srec": CL4SRec, "coserec": CoSeRec, "ticoserec": TiCoSeRec}[args.model]
    paper = args.paper_settings
    hidden = 128 if paper else args.hidden_size
    inner = 256 if paper else (args.inner_size or 2 * hidden)
    if args.model == "gru4rec":
        architecture = dict(embedding_size=hidden, hidden_size=hidden,
                            n_layers=args.n_layers or 1)
    else:
        architecture = dict(hidden_size=hidden, inner_size=inner,
                            n_layers=args.n_layers or 2, n_heads=args.n_heads)
    params = dict(
        architecture,
        max_seq_length=args.max_seq_length,
        lr=args.lr,
        weight_decay=args.weight_decay,
        batch_size=128 if paper else args.batch_size,
        max_epochs=args.epochs,
        patience=args.patience or (150 if paper else args.epochs),
        n_negatives=args.n_negatives,
        device=args.device,
        random_state=args.seed,
        verbose=0 if args.quiet else 1,
    )
    if args.loss is not None:
        params["loss"] = args.loss
    if args.model in _CONTRASTIVE:
        warm_up = args.model_warm_up_epochs
        params.update(cf_weight=args.cf_weight,
                      model_warm_up_epochs=40 if paper else
                      ("auto" if warm_up is None else warm_up))
    if not args.quiet and not sys.stdout.isatty():  # a log: no colour codes
        params["callbacks__print_log__sink"] = _print_plain
    model = cls(**params)
    if args.paper_settings and args.model == "ticoserec":
        model.set_params(**_PAPER_BEAUTY)
    return model


def run(args):
    """Train, evaluate on the test split and print the metrics; returns 0."""
    import torch

    from skrec._cli import usage_error
    from skrec.model_selection import leave_last_out

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        return usage_error(args, "--device cuda but no CUDA device is available")
    if args.n_users is not None and args.n_users < 1:
        return usage_error(args, "--n-users must be a positive integer")
    if args.epochs < 1:
        return usage_error(args, "--epochs must be a positive integer")
    for flag in ("json", "save", "recommendations"):
        target = getattr(args, flag)
        if target and not os.path.isdir(os.path.dirname(os.path.abspath(target))):
            return usage_error(
                args, f"cannot write --{flag} {target}: its folder does not exist")
    if args.k < 1:
        return usage_error(args, "-k must be a positive integer")
    if args.min_length < 3:
        return usage_error(args, "--min-length must be at least 3 (a training, a "
                           "validation and a test item per user)")
    X, encoder = _load(args)
    if args.n_users is not None:
        X = X.iloc[: args.n_users]
    split = leave_last_out(X)
    print(
        f"data: {args.data} - {len(split.users)} users, "
        f"{int(X['items'].map(len).sum())} interactions "
        f"({len(split.dropped_users)} users with < 3 events dropped)"
    )
    model = build_model(args)
    what = f"{type(model).__name__}, up to {args.epochs} epoch(s) on {args.device}"
    if hasattr(model, "_warm_up_epochs"):
        what += (f"; next-item loss only for the first {model._warm_up_epochs()}, "
                 "then with the contrastive loss on augmented views")
    print(f"model: {what}")
    rows = []
    if args.baselines:
        rows.append(("popularity (most frequent unseen items)", "-", "-",
                     _popularity_metrics(split)))
    train_s, metrics, eval_s = _fit_evaluate(model, split)
    print(f"trained in {train_s:.1f} s; test evaluation of {len(split.users)} users "
          f"(full ranking) in {eval_s:.1f} s")
    print("test  " + "  ".join(f"{k.upper()}={v:.4f}" for k, v in metrics.items()))
    if args.baselines and args.model != "sasrec":
        base = build_model(argparse.Namespace(**{**vars(args), "model": "sasrec"}))
        print(f"\nbaseline: SASRec on the same budget ({args.epochs} epoch(s))")
        base_s, base_metrics, _ = _fit_evaluate(base, split)
        rows.append(("SASRec, same budget", len(base.history), f"{base_s:.0f}",
                     base_metrics))
    rows.append((f"{type(model).__name__} (this run)", len(model.history),
                 f"{train_s:.0f}", metrics))
    if args.baselines:
        _print_summary(args, rows)
    if args.save:
        from skrec.recommenders import save_recommender

        save_recommender(args.save, model, encoder)
        print(f"saved the model to {args.save} ('skrec recommend --model {args.save} "
              "--data LOG' recommends for any user)")
    if args.recommendations:
        names = _column_names(args)
        write_recommendations(args.recommendations, model, X, encoder, args.k, names)
        print(f"wrote the top {args.k} items of {len(X)} users to {args.recommendations}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": args.model, "epochs": len(model.history),
                       "train_seconds": train_s, "eval_seconds": eval_s,
                       # upper-case names, the CLI's documented JSON format
                       "metrics": {k.upper(): v for k, v in metrics.items()},
                       "baselines": {r[0]: r[3] for r in rows[:-1]}}, f, indent=2)
    return 0


def _column_names(args):
    if args.data == "beauty":
        return "user_id", "item_id"
    return args.user_col, args.item_col


def write_recommendations(path, model, X, encoder, k, names):
    """Top-``k`` items of every row of ``X`` as a CSV (user, rank, item)."""
    import numpy as np
    import pandas as pd

    k = min(k, model.n_items_)
    top = model.recommend(X, k=k)
    items = encoder.inverse_transform(top) if encoder is not None else top
    user_col, item_col = names
    pd.DataFrame({
        user_col: np.repeat(X.index.to_numpy(), k),
        "rank": np.tile(np.arange(1, k + 1), len(X)),
        item_col: np.asarray(items).ravel(),
    }).to_csv(path, index=False)


def _fit_evaluate(model, split):
    start = time.perf_counter()
    # Train on items[:-2] + validation item: the estimator holds out each row's
    # last item (the validation target) for early stopping.
    model.fit(split.X_train, split.y_valid)
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    metrics = model.evaluate(split.X_test, split.y_test, ks=(5, 10, 20))
    return train_s, metrics, time.perf_counter() - start


def _popularity_metrics(split):
    """HIT/NDCG@5/10/20 of ranking unseen items by their count in the inputs."""
    import numpy as np

    from skrec.metrics import ranking_scores
    from skrec.sequence import to_ragged

    r = to_ragged(split.X_test)
    y = np.asarray(split.y_test, dtype=np.int64)
    n = int(max(r.items.max(initial=0), y.max(initial=0))) + 1
    counts = np.bincount(r.items, minlength=n)
    catalogue = np.sort(counts[np.unique(r.items)])
    c_t = counts[y]
    # Items (the target included) at least as frequent as the target: ties
    # rank before it (pessimistic), as in skrec's metrics.
    ahead = len(catalogue) - np.searchsorted(catalogue, c_t, side="left")
    users = np.repeat(np.arange(len(y)), r.lengths)
    keys = np.unique(users * n + r.items)
    pair_user, pair_item = keys // n, keys % n
    seen_ahead = np.bincount(pair_user, weights=counts[pair_item] >= c_t[pair_user],
                             minlength=len(y))
    ranks = (ahead - seen_ahead).astype(np.float64)
    ranks[(c_t == 0) | np.isin(np.arange(len(y)) * n + y, keys)] = np.inf
    return ranking_scores(ranks, ks=(5, 10, 20))


# Published TiCoSeRec figures on Beauty (reference README checkpoint) and what
# they take: skrec's CPU cost per epoch is in benchmarks/results/training_speed.md.
_PUBLISHED = {"hit@10": 0.0740, "ndcg@10": 0.0418, "hit@20": 0.1068, "ndcg@20": 0.0501}


def _print_summary(args, rows):
    keys = ("hit@10", "ndcg@10", "hit@20", "ndcg@20")
    print("\nsummary (test split, full ranking of all items, seen items excluded)")
    print(f"{'model':<42}{'epochs':>7}{'train s':>9}"
          + "".join(f"{k.upper():>9}" for k in keys))
    for name, epochs, secs, m in rows:
        print(f"{name:<42}{epochs!s:>7}{secs:>9}" + "".join(f"{m[k]:>9.4f}" for k in keys))
    print(f"{'TiCoSeRec published (AAAI 2023)':<42}{'<=350':>7}{'':>9}"
          + "".join(f"{_PUBLISHED[k]:>9.4f}" for k in keys))
    print(
        "\nThe published figures come from the paper's budget: hidden size 128, up "
        "to 350 epochs\n(early stopping on validation NDCG@20, patience 150), about "
        "1.5-2 CPU hours on one\nthread per contrastive model with skrec; that full "
        "run gave TiCoSeRec NDCG@20 0.0420\nand CoSeRec 0.0487 "
        "(benchmarks/results/reproduce_ticoserec_cpu_full.md). This run is a\nshort "
        "taste"
        + ("" if args.paper_settings else " with a smaller model")
        + "; --paper-settings --epochs 350 runs the full recipe."
    )
