"""``python -m skrec augment``: augment the bundled Beauty data and report.

Loads Amazon Beauty, fits one augmentation operator (by default the
length-aware control strategy of TiCoSeRec) and prints what changed: sequence
lengths, the share of sequences that changed, the gap variance before and after
and the time taken.
"""

import time

import numpy as np

_OPERATORS = {
    "length_aware": "LengthAwareAugmenter",
    "ti_crop": "TiCrop",
    "ti_reorder": "TiReorder",
    "ti_mask": "TiMask",
    "ti_substitute": "TiSubstitute",
    "ti_insert": "TiInsert",
    "random_crop": "RandomCrop",
    "random_reorder": "RandomReorder",
    "random_mask": "RandomMask",
    "random_substitute": "RandomSubstitute",
    "random_insert": "RandomInsert",
}


def add_parser(subparsers):
    """Register the ``augment`` sub-command."""
    from skrec._cli import _HelpFormatter, plain

    parser = subparsers.add_parser(
        "augment",
        help="augment the bundled Amazon Beauty sequences and print what changed",
        description=plain(__doc__.split("\n\n", 1)[1]),
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--operator", choices=sorted(_OPERATORS), default="length_aware",
        help="augmentation operator (default: length_aware, TiCoSeRec's control "
        "strategy over the five Ti operators)",
    )
    parser.add_argument("--rate", type=float, default=None,
                        help="operator rate in [0, 1] (default: the paper's)")
    parser.add_argument("--mode", default=None,
                        help="operator mode, e.g. minimum or maximum (Ti operators)")
    parser.add_argument("--n-users", type=int, default=None,
                        help="use only the first N users (default: all 22,363)")
    parser.add_argument("--random-state", type=int, default=0,
                        help="seed of the augmentation (default: 0)")
    parser.set_defaults(func=run)
    return parser


def _summary(ragged):
    from ..sequence import gap_variance

    lengths = ragged.lengths
    return {
        "mean_length": float(lengths.mean()) if len(lengths) else 0.0,
        "total": int(lengths.sum()),
        "mean_gap_var_days2": float(gap_variance(ragged).mean() / 86400.0**2)
        if len(lengths) else 0.0,
        "zero_var_share": float((gap_variance(ragged) == 0).mean()) if len(lengths) else 0.0,
    }


def _changed(before, after):
    """Share of sequences whose items or timestamps changed (vectorized)."""
    from ..sequence import segment_ids

    changed = before.lengths != after.lengths
    keep = np.flatnonzero(~changed)
    if len(keep):
        b, a = before.take(keep), after.take(keep)
        diff = (b.items != a.items) | (b.timestamps != a.timestamps)
        seg = segment_ids(b.offsets)
        changed[keep] = np.bincount(seg[diff], minlength=len(keep)) > 0
    return float(changed.mean()) if len(changed) else 0.0


def run(args):
    """Run ``augment``; returns the exit status."""
    from .. import augmentation
    from ..datasets import load_beauty
    from ..sequence import to_ragged
    from . import usage_error

    X = load_beauty()
    if args.n_users is not None:
        if args.n_users < 1:
            return usage_error(args, "--n-users must be at least 1")
        X = X.iloc[: args.n_users]
    op = getattr(augmentation, _OPERATORS[args.operator])(random_state=args.random_state)
    params = {}
    if args.rate is not None:
        if args.operator == "length_aware":
            params = {f"{name}__rate": args.rate for name in
                      ("crop", "mask", "reorder", "substitute", "insert")}
        else:
            params["rate"] = args.rate
    if args.mode is not None:
        if "mode" not in op.get_params():
            return usage_error(args, f"--mode does not apply to {args.operator}")
        params["mode"] = args.mode
    op.set_params(**params)
    try:
        t0 = time.perf_counter()
        op.fit(X)
        t1 = time.perf_counter()
        X_aug = op.transform(X)
        t2 = time.perf_counter()
    except ValueError as exc:
        return usage_error(args, str(exc))
    before, after = to_ragged(X), to_ragged(X_aug, allow_empty_sequences=True,
                                            allow_zero_items=True)
    b, a = _summary(before), _summary(after)
    print(f"skrec augment: {type(op).__name__} on Amazon Beauty "
          f"({before.n_sequences:,} sequences, {b['total']:,} interactions)")
    print(f"{'':28s}{'before':>14s}{'after':>14s}")
    print(f"{'interactions':28s}{b['total']:>14,d}{a['total']:>14,d}")
    print(f"{'mean length':28s}{b['mean_length']:>14.2f}{a['mean_length']:>14.2f}")
    print(f"{'mean gap variance [days^2]':28s}{b['mean_gap_var_days2']:>14.1f}"
          f"{a['mean_gap_var_days2']:>14.1f}")
    print(f"{'zero-variance sequences':28s}{b['zero_var_share']:>14.1%}"
          f"{a['zero_var_share']:>14.1%}")
    print(f"sequences changed: {_changed(before, after):.1%}; masked items: "
          f"{int((after.items == 0).sum()):,}")
    print(f"fit {t1 - t0:.2f} s, transform {t2 - t1:.3f} s")
    return 0
