"""``skrec recommend``: top-k next items for every user or session of a log.

Loads a model saved by ``skrec train --save`` and recommends, for every user
of the log given with --data, the items most likely to come next after that
user's whole history. The users need not be in the training log: a new user or
a browsing session is just a sequence of items (items the model has never seen
are skipped). Output: a CSV with one row per (user, rank), in the log's own
user and item ids.
"""

import sys


def add_parser(subparsers):
    """Register the ``recommend`` sub-command."""
    from skrec._cli import _HelpFormatter, plain

    p = subparsers.add_parser(
        "recommend",
        help="recommend the next items for every user of a log with a saved model",
        description=plain(__doc__),
        formatter_class=_HelpFormatter,
    )
    p.add_argument("--model", required=True,
                   help="model file written by 'skrec train --save'")
    p.add_argument("--data", required=True,
                   help="CSV/Parquet log of the users to recommend for")
    p.add_argument("--user-col", default="user_id", help="user column of the log")
    p.add_argument("--item-col", default="item_id", help="item column of the log")
    p.add_argument("--time-col", default="timestamp", help="time column of the log")
    p.add_argument("--sep", default=",", help="CSV field separator")
    p.add_argument("-k", type=int, default=10, help="items per user")
    p.add_argument("--output", default="-",
                   help="CSV file to write ('-': standard output)")
    p.set_defaults(func=run)
    return p


def run(args):
    """Recommend for every user of the log; returns 0."""
    from skrec._cli import usage_error
    from skrec._cli.train import write_recommendations
    from skrec.datasets import load_interactions
    from skrec.recommenders import load_recommender

    if args.k < 1:
        return usage_error(args, "-k must be a positive integer")
    loaded = load_recommender(args.model)
    if loaded.encoder is None:
        return usage_error(
            args, f"{args.model} holds no item vocabulary of a log (it was trained "
            "on the bundled Beauty data); recommend with it from Python instead")
    log = load_interactions(args.data, user_col=args.user_col, item_col=args.item_col,
                            time_col=args.time_col, sep=args.sep)
    enc = loaded.encoder
    # load_interactions names the columns user_id, item_id, timestamp; the
    # encoder knows them under the names it was fitted with.
    log = log.rename(columns={"user_id": enc.user_col, "item_id": enc.item_col,
                              "timestamp": enc.time_col})
    X = enc.transform(log)
    skipped = log[enc.user_col].nunique() - len(X)
    if skipped:
        print(f"{skipped} user(s) of {args.data} hold no item the model knows and "
              "get no recommendations", file=sys.stderr)
    if len(X) == 0:
        raise ValueError(
            f"No user of {args.data} has an item the model knows; nothing to "
            "recommend from.")
    out = sys.stdout if args.output == "-" else args.output
    write_recommendations(out, loaded.model, X, loaded.encoder, args.k,
                          (args.user_col, args.item_col))
    if args.output != "-":
        print(f"wrote the top {min(args.k, loaded.model.n_items_)} items of {len(X)} "
              f"users to {args.output}", file=sys.stderr)
    return 0
