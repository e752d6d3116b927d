"""Deep imbalanced regression on 17 tabular data sets, with paired seeds.

Data (``../shared/data``): the 15 imbalanced-regression sets of Branco,
Torgo and Ribeiro (``imbalanced_regression_ir15``: a1-a7 without a5,
Abalone, boston, fuelCons, heat, availPwr, cpuSm, maxTorque, bank8FM,
Accel), California housing and bike sharing (hourly counts).

Methods (one MLP, ``ConRMLP`` (64, 64), AdamW, for every neural method; X and
y standardised on the training split; about 3,000 steps of 64 rows per fit,
between 20 and 100 epochs):

- ``MLP``: plain regression;
- ``LDS``, ``KDE``: :class:`~skrec.regression.DensityWeightedRegressor`
  (label distribution smoothing, DenseWeight) around the MLP;
- ``ConR`` (weight 1, window 0.2 standard deviations), ``BMC``
  (:class:`~skrec.losses.BalancedMSELoss`), ``RankSim`` (weight 1);
- pairings the papers recommend: ``LDS+ConR``, ``LDS+RankSim``;
- gradient boosting: ``HGB`` and ``HGB+LDS`` / ``HGB+KDE``
  (``DensityWeightedRegressor(HistGradientBoostingRegressor())``), the strong
  tabular baseline.

Regions: 20 equal-width bins of the training targets; a bin is few-shot when
it holds fewer than 1% of the training rows, many-shot above 10% (the
absolute thresholds of the image benchmarks, 20 and 100 per bin, would make
every bin of a 198-row set few-shot). MAE and GM per region, on the test
rows (random 80/20 split per seed, the same for every method).

Resumable: runs go to ``benchmarks/results/imbalanced_regression_runs.jsonl``
and are skipped when the script runs again (also by a second process
working on other data sets)::

    nice -n 10 python benchmarks/imbalanced_regression.py &
    nice -n 10 python benchmarks/imbalanced_regression.py --datasets bike california &
    python benchmarks/imbalanced_regression.py --report

Writes ``benchmarks/results/imbalanced_regression.{json,md,png}``.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

from skrec.losses import BalancedMSELoss
from skrec.metrics import shot_region_scores
from skrec.regression import ConRRegressor, DensityWeightedRegressor, GaussianNoise

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results"
RUNS = RESULTS / "imbalanced_regression_runs.jsonl"
IR15 = ["a1", "a2", "a3", "a4", "a6", "a7", "Abalone", "boston", "fuelCons", "heat",
        "availPwr", "cpuSm", "maxTorque", "bank8FM", "Accel"]
DATASETS = IR15 + ["california", "bike"]
METHODS = ["MLP", "LDS", "KDE", "ConR", "BMC", "RankSim", "LDS+ConR", "LDS+RankSim",
           "HGB", "HGB+LDS", "HGB+KDE"]
REGIONS = ("all", "many", "medium", "few")


def load(name):
    if name in IR15:
        df = pd.read_csv(SHARED / "imbalanced_regression_ir15" / f"{name}.csv")
        y = df.iloc[:, 0].to_numpy(dtype=float)
        X = df.iloc[:, 1:]
    elif name == "california":
        df = pd.read_csv(SHARED / "california_housing" / "housing.csv.gz")
        y = df.pop("median_house_value").to_numpy(dtype=float) / 1e5
        X = df
    else:
        df = pd.read_csv(SHARED / "bike_sharing" / "hour.csv")
        y = df["cnt"].to_numpy(dtype=float)
        X = df[["season", "yr", "mnth", "hr", "holiday", "weekday", "workingday",
                "weathersit", "temp", "atemp", "hum", "windspeed"]]
    X = pd.get_dummies(X, dtype=float)
    X = X.fillna(X.median())
    return X.to_numpy(dtype=np.float64), y


def make_model(method, n_train, seed):
    if method.startswith("HGB"):
        base = HistGradientBoostingRegressor(random_state=seed)
    else:
        epochs = int(np.clip(3000 * 64 / n_train, 20, 100))
        params = dict(module__hidden_units=(64, 64), conr_weight=0.0, lr=3e-3,
                      batch_size=64, max_epochs=epochs, random_state=seed, verbose=0,
                      augmentation=GaussianNoise(scale=0.05), similarity_threshold=0.2)
        if "ConR" in method:
            params["conr_weight"] = 1.0
        if "RankSim" in method:
            params["ranksim_weight"] = 1.0
        if method == "BMC":
            params["criterion"] = BalancedMSELoss
        base = ConRRegressor(**params)
    if "LDS" in method:
        return DensityWeightedRegressor(base, method="lds", bins=50)
    if "KDE" in method:
        return DensityWeightedRegressor(base, method="kde")
    return base


def _done():
    if not RUNS.exists():
        return {}
    out = {}
    for line in RUNS.read_text().splitlines():
        r = json.loads(line)
        out[(r["dataset"], r["seed"], r["method"])] = r
    return out


def run(args):
    done = _done()
    start = time.time()
    for name in args.datasets:
        X, y = load(name)
        for seed in range(args.seeds):
            tr, te = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed)
            mx, sx = X[tr].mean(0), X[tr].std(0)
            sx[sx == 0] = 1.0
            my, sy = y[tr].mean(), y[tr].std()
            Xs = ((X - mx) / sx).astype(np.float32)
            ys = (y - my) / sy
            n_tr = len(tr)
            params = dict(bin_width=None, bins=20, few_shot_threshold=max(2, 0.01 * n_tr),
                          many_shot_threshold=0.10 * n_tr)
            done = _done()  # another process may share the work
            for method in METHODS:
                if (name, seed, method) in done:
                    continue
                t0 = time.process_time()
                model = make_model(method, n_tr, seed).fit(Xs[tr], ys[tr])
                pred = model.predict(Xs[te]) * sy + my
                scores = shot_region_scores(y[te], pred, y[tr], **params)
                rec = dict(dataset=name, seed=seed, method=method,
                           cpu_s=time.process_time() - t0, n_train=n_tr,
                           **{f"{r}_{m}": scores[r][m] for r in REGIONS for m in ("mae", "gm")},
                           **{f"{r}_n": scores[r]["n"] for r in REGIONS})
                with RUNS.open("a") as f:
                    f.write(json.dumps(rec) + "\n")
                print(f"[{time.time() - start:6.0f}s] {name:10s} seed {seed} {method:12s} "
                      f"few MAE {rec['few_mae']:.4f} all {rec['all_mae']:.4f}", flush=True)


def report(args):
    runs = list(_done().values())
    lines = ["# Deep imbalanced regression on 17 tabular data sets", "",
             f"Command: `python benchmarks/imbalanced_regression.py --seeds {args.seeds}`", "",
             f"Machine: {platform.machine()}, torch {torch.__version__}, 1 thread. Random "
             "80/20 split per seed, the same for every method (paired seeds). Regions from "
             "20 equal-width bins of the training targets: few-shot < 1% of the training "
             "rows, many-shot > 10%. Ratios are to the plain MLP of the same seed "
             "(HGB variants: to plain HGB); below 1 is better.", ""]
    if not runs:
        return "\n".join(lines + ["No run yet."]) + "\n", {}
    df = pd.DataFrame(runs)
    base_of = {m: ("HGB" if m.startswith("HGB") else "MLP") for m in METHODS}
    ratio_rows = []
    for (name, seed), g in df.groupby(["dataset", "seed"]):
        g = g.set_index("method")
        for m in g.index:
            b = base_of[m]
            if b not in g.index or m == b:
                continue
            ratio_rows.append(dict(dataset=name, seed=seed, method=m,
                                   few=g.loc[m, "few_mae"] / g.loc[b, "few_mae"],
                                   all=g.loc[m, "all_mae"] / g.loc[b, "all_mae"]))
    ratios = pd.DataFrame(ratio_rows)
    lines += ["## Few-shot MAE ratio to the base model, per data set (mean over seeds)", "",
              "| data set | n | " + " | ".join(m for m in METHODS if m not in ("MLP", "HGB"))
              + " |", "|---|---|" + "---|" * (len(METHODS) - 2)]
    summary = {}
    for name in DATASETS:
        r = ratios[ratios.dataset == name]
        if r.empty:
            continue
        n = int(df[df.dataset == name].n_train.iloc[0])
        cells = []
        for m in METHODS:
            if m in ("MLP", "HGB"):
                continue
            v = r[r.method == m].few
            cells.append(f"{v.mean():.3f}" if len(v) else "-")
        lines.append(f"| {name} | {n} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += ["![Few-shot MAE ratios](imbalanced_regression.png)", "",
              "## Where each method lowers Few-shot MAE", "",
              "Data sets where the mean Few-shot MAE ratio is below 1 (and where it is "
              "below 1 for every seed), the median ratio over data sets with its "
              "inter-quartile range, and the same for All-region MAE.", "",
              "| method | few < 1 (every seed) | median few ratio [IQR] | median all ratio [IQR] |",
              "|---|---|---|---|"]
    for m in METHODS:
        if m in ("MLP", "HGB"):
            continue
        r = ratios[ratios.method == m]
        if r.empty:
            continue
        per = r.groupby("dataset")
        mean_few = per.few.mean()
        every = per.few.max() < 1
        q = np.percentile(mean_few, [25, 50, 75])
        qa = np.percentile(per["all"].mean(), [25, 50, 75])
        summary[m] = dict(lowers_few=int((mean_few < 1).sum()), every_seed=int(every.sum()),
                          n_datasets=int(len(mean_few)), median_few=float(q[1]),
                          median_all=float(qa[1]))
        lines.append(f"| {m} | {int((mean_few < 1).sum())}/{len(mean_few)} "
                     f"({int(every.sum())}) | {q[1]:.3f} [{q[0]:.3f}, {q[2]:.3f}] | "
                     f"{qa[1]:.3f} [{qa[0]:.3f}, {qa[2]:.3f}] |")
    lines.append("")
    if summary:
        best = min(summary, key=lambda m: summary[m]["median_few"])
        lines += ["## Findings", ""]
        lines.append(
            f"- Lowest median Few-shot MAE ratio: {best} ({summary[best]['median_few']:.3f}, "
            f"below 1 on {summary[best]['lowers_few']} of {summary[best]['n_datasets']} "
            f"data sets) at a median All-region ratio of {summary[best]['median_all']:.3f}.")
        for m, v in summary.items():
            verdict = ("lowers" if v["median_few"] < 1 else "does not lower")
            lines.append(
                f"- {m} {verdict} Few-shot MAE in the median (ratio {v['median_few']:.3f}; "
                f"below 1 on {v['lowers_few']}/{v['n_datasets']} data sets, on every seed "
                f"for {v['every_seed']}); All-region ratio {v['median_all']:.3f}.")
        lines.append("")
    mlp = df[df.method == "MLP"].groupby("dataset").few_mae.mean()
    hgb = df[df.method == "HGB"].groupby("dataset").few_mae.mean()
    common = mlp.index.intersection(hgb.index)
    if len(common):
        better = int((hgb[common] < mlp[common]).sum())
        lines.append(f"Plain HGB has a lower Few-shot MAE than the plain MLP on {better} of "
                     f"{len(common)} data sets.")
        lines.append("")
    return "\n".join(lines) + "\n", summary


def _plot():
    """Box plot of the Few-shot MAE ratios per method (matplotlib optional)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    df = pd.DataFrame(_done().values())
    if df.empty:
        return
    data, labels = [], []
    for m in METHODS:
        if m in ("MLP", "HGB"):
            continue
        base = "HGB" if m.startswith("HGB") else "MLP"
        mine = df[df.method == m].groupby("dataset").few_mae.mean()
        ref = df[df.method == base].groupby("dataset").few_mae.mean()
        common = mine.index.intersection(ref.index)
        if len(common):
            data.append(np.log2((mine[common] / ref[common]).to_numpy()))
            labels.append(m)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.boxplot(data, vert=False)
    ax.set_yticks(range(1, len(labels) + 1), labels)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("log2 Few-shot MAE ratio to the base model (left of 0: better)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(RESULTS / "imbalanced_regression.png", dpi=120)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", choices=DATASETS, default=DATASETS)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--report", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    RESULTS.mkdir(exist_ok=True)
    if not args.report:
        if not SHARED.exists():
            raise SystemExit(f"Shared data not found at {SHARED}.")
        run(args)
    text, summary = report(args)
    _plot()
    (RESULTS / "imbalanced_regression.md").write_text(text)
    (RESULTS / "imbalanced_regression.json").write_text(json.dumps(
        {"seeds": args.seeds, "summary": summary, "runs": list(_done().values())}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
