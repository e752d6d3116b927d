"""ConR and LDS on tabular deep imbalanced regression (California housing).

Four models share one MLP (``ConRMLP``), optimiser and budget:

- ``MLP``: plain regression (``conr_weight=0``);
- ``MLP+LDS``: LDS sample weights (Yang et al., 2021);
- ``MLP+ConR``: the ConR regulariser (Keramati et al., 2024);
- ``MLP+LDS+ConR``: both.

For each seed the data are split 80/20 (split and network seeded by the
seed), and MAE and error geometric mean (GM) are reported on All / Many /
Medium / Few-shot regions of the test set, regions decided by the training
label histogram (Many > 100, Few < 20 training samples per bin). Ratios are
against the plain MLP of the same run. No published figure exists for this
data set (the ConR paper reports image/depth benchmarks only).

Run (about 8 minutes on 2 shared cores)::

    nice -n 10 python benchmarks/conr.py

``--quick`` runs 1 seed and 3 epochs as a smoke test.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results"
REGIONS = ("all", "many", "medium", "few")


def load_california():
    path = DATA / "california_housing" / "housing.csv.gz"
    if not path.exists():
        sys.exit(
            f"California housing data not found at {path}; this benchmark needs the "
            "repository's ../shared/data folder (see shared/data/README.md)."
        )
    df = pd.read_csv(path)
    y = df.pop("median_house_value").to_numpy(dtype=np.float64) / 1e5  # in $100k
    return df, y


def make_model(method, seed, args):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from skrec.regression import ConRRegressor, GaussianNoise

    numeric = [
        "longitude", "latitude", "housing_median_age", "total_rooms",
        "total_bedrooms", "population", "households", "median_income",
    ]
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["ocean_proximity"]),
        ]
    )
    reg = ConRRegressor(
        module__hidden_units=tuple(args.hidden),
        conr_weight=args.conr_weight if "ConR" in method else 0.0,
        temperature=args.temperature,
        similarity_threshold=args.similarity_threshold,
        pushing_weight=args.pushing_weight,
        augmentation=GaussianNoise(scale=args.noise),
        lr=args.lr,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        random_state=seed,
        verbose=0,
    )
    return make_pipeline(pre, reg)


def run(args):
    from sklearn.model_selection import train_test_split

    from skrec.metrics import shot_region_scores
    from skrec.regression import lds_weights

    torch.set_num_threads(1)
    X, y = load_california()
    methods = ["MLP", "MLP+LDS", "MLP+ConR", "MLP+LDS+ConR"]
    rows = []
    for seed in args.seeds:
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=seed)
        w_lds = lds_weights(y_tr, bin_width=args.bin_width, kernel="gaussian", kernel_size=5, sigma=2.0)
        for method in methods:
            model = make_model(method, seed, args)
            fit_params = {}
            if "LDS" in method:
                fit_params["conrregressor__sample_weight"] = w_lds
            t0 = time.perf_counter()
            model.fit(X_tr, y_tr, **fit_params)
            fit_s = time.perf_counter() - t0
            scores = shot_region_scores(y_te, model.predict(X_te), y_tr, bin_width=args.bin_width)
            row = {"seed": seed, "method": method, "fit_s": fit_s}
            for region in REGIONS:
                row[f"{region}_mae"] = scores[region]["mae"] * 1e5
                row[f"{region}_gm"] = scores[region]["gm"] * 1e5
                row[f"{region}_n"] = scores[region]["n"]
            rows.append(row)
            print(
                f"seed {seed} {method:13s} fit {fit_s:6.1f}s  "
                + "  ".join(f"{r} MAE {row[f'{r}_mae']:8.0f}" for r in REGIONS),
                flush=True,
            )
    return pd.DataFrame(rows), methods


def summarise(df, methods):
    base = df[df.method == "MLP"].set_index("seed")
    summary = {}
    for method in methods:
        sub = df[df.method == method].set_index("seed")
        entry = {}
        for region in REGIONS:
            for metric in ("mae", "gm"):
                col = f"{region}_{metric}"
                ratio = sub[col] / base.loc[sub.index, col]
                entry[col] = {
                    "mean": float(sub[col].mean()),
                    "std": float(sub[col].std(ddof=1)) if len(sub) > 1 else 0.0,
                    "ratio_vs_mlp": float(ratio.mean()),
                    "seeds_better_than_mlp": int((ratio < 1).sum()),
                }
            entry[f"{region}_n"] = float(sub[f"{region}_n"].mean())
        entry["fit_s"] = float(sub["fit_s"].mean())
        summary[method] = entry
    return summary


def to_markdown(summary, methods, args, n_seeds, wall):
    lines = [
        "# ConR / LDS on California housing (tabular deep imbalanced regression)",
        "",
        "Command: `" + f"nice -n 10 python benchmarks/conr.py {' '.join(args.argv)}".rstrip() + "`",
        f"({n_seeds} seeds, 80/20 split per seed, MLP {tuple(args.hidden)}, AdamW lr {args.lr}, "
        f"{args.epochs} epochs, batch {args.batch_size}; ConR weight {args.conr_weight}, "
        f"tau {args.temperature}, w {args.similarity_threshold} ($100k), e {args.pushing_weight}, "
        f"Gaussian-noise views sd {args.noise}; shot regions and LDS on ${args.bin_width * 1e5:,.0f} bins; "
        f"1 torch thread; total wall {wall:.0f} s.)",
        "",
        "MAE and GM in dollars, mean ± sd over seeds; (ratio) = mean per-seed ratio to the plain MLP. "
        "Mean test samples per region: "
        + ", ".join(f"{r} {summary['MLP'][f'{r}_n']:.0f}" for r in REGIONS)
        + ".",
        "",
        "| method | All MAE | Many MAE | Medium MAE | Few MAE | All GM | Many GM | Medium GM | Few GM | fit s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method in methods:
        e = summary[method]
        cells = []
        for metric in ("mae", "gm"):
            for region in REGIONS:
                s = e[f"{region}_{metric}"]
                cells.append(f"{s['mean']:,.0f} ± {s['std']:,.0f} ({s['ratio_vs_mlp']:.3f})")
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {e['fit_s']:.1f} |")
    conr = summary["MLP+ConR"]
    few = conr["few_mae"]["ratio_vs_mlp"]
    all_ = conr["all_mae"]["ratio_vs_mlp"]
    met = few < 1 and all_ <= 1.02
    lines += [
        "",
        f"Target (ConR lowers Few MAE vs the plain MLP, All MAE within +2%): Few ratio {few:.3f} "
        f"({conr['few_mae']['seeds_better_than_mlp']}/{n_seeds} seeds better), All ratio {all_:.3f} -> "
        f"{'MET' if met else 'NOT MET'}.",
        "",
        "No published figure exists for this data set: the ConR paper (ICLR 2024) reports AgeDB-DIR, "
        "IMDB-WIKI-DIR, NYUD2-DIR and MPIIGaze-DIR (images), where ConR lowers Few-shot MAE most.",
        "",
        "How the defaults were chosen: ConR weight and window were picked on validation splits carved "
        "from the training data of seeds 0 and 1 (never the test sets), over weight {0.1, 0.3, 1, 4} x "
        "window {0.05, 0.1, 0.2} ($100k); differences between settings were within about 1-3%. "
        "A first full run with the paper's weight 4 (window 0.05) gave Few MAE ratio 1.006 and All MAE "
        "ratio 1.013 against the plain MLP. Note that the ConR runs also consume random numbers for the "
        "augmented views, so their batch order differs from the plain MLP's: part of every per-seed "
        "difference is training noise (see the sd column).",
    ]
    return "\n".join(lines) + "\n", met


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--conr-weight", type=float, default=1.0)
    parser.add_argument("--temperature", type=float, default=0.07)
    parser.add_argument("--similarity-threshold", type=float, default=0.05)
    parser.add_argument("--pushing-weight", type=float, default=0.01)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--bin-width", type=float, default=0.025)
    parser.add_argument("--quick", action="store_true", help="1 seed, 3 epochs (smoke test)")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/results")
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    args.argv = raw
    if args.quick:
        args.seeds, args.epochs = [0], 3
    t0 = time.perf_counter()
    df, methods = run(args)
    wall = time.perf_counter() - t0
    summary = summarise(df, methods)
    md, met = to_markdown(summary, methods, args, len(args.seeds), wall)
    print()
    print(md)
    if not args.no_write and not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        payload = {
            "benchmark": "conr",
            "data": "california_housing (target median_house_value)",
            "settings": {k: v for k, v in vars(args).items() if k != "argv"},
            "command": ("nice -n 10 python benchmarks/conr.py " + " ".join(raw)).rstrip(),
            "target_met": bool(met),
            "wall_s": wall,
            "summary": summary,
            "per_seed": df.to_dict(orient="records"),
            "machine": {"python": platform.python_version(), "torch": torch.__version__,
                        "platform": platform.platform()},
        }
        (RESULTS / "conr.json").write_text(json.dumps(payload, indent=2))
        (RESULTS / "conr.md").write_text(md)
        print(f"wrote {RESULTS / 'conr.json'} and {RESULTS / 'conr.md'}")


if __name__ == "__main__":
    main()
