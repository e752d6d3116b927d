"""Hybrid-target multi-task benchmark on four data sets, with paired seeds.

Data sets (``../shared/data``; each: binary task(s), then a continuous core
task regressed as ``log1p`` and evaluated on its own scale):

- ``hillstrom``: visit -> conversion -> spend (64,000 customers);
- ``census``: income > 50K, never married (the MMoE pair) -> wage per hour
  (UCI Census-Income KDD, the 99,762-row test file: split here, so figures
  are not comparable number for number with the MMoE paper);
- ``bank``: term-deposit subscription -> call duration (45,211 calls);
- ``shoppers``: purchase -> product-page dwell time (12,330 sessions;
  ``PageValues`` and the other duration columns are not features).

Models: SharedBottom, MMoE, PLE, HTLNet (with its gradient adjustment) and
HTLNet without it, each with Adam and AdaTask-Adam; MMoE with every
``loss_weighting`` strategy (uncertainty, DWA, GradNorm, PCGrad,
MetaBalance); ESMM where the binary tasks form a chain (Hillstrom). Every
configuration sees the same random 80/20 split of a seed (paired seeds).

Metrics: AUC and LogLoss of every binary task; on the core task NRMSE and
NMAE over all rows, and -- because the core targets are zero-inflated --
NMAE and normalised Gini among the rows with a positive target (``pos``), the
Gini over all rows and Spearman's correlation.

Claims checked (paired differences over seeds, mean +- std and wins):
HTLNet beats MMoE and PLE on the core task; AdaTask raises the metrics of
the task that Adam lets be dominated (the smallest share of the shared
updates, measured with ``TaskDominance`` on MMoE, seed 0).

Resumable: every run is appended to ``benchmarks/results/multitask_runs.jsonl``
and skipped when the script runs again. Two processes can share the work::

    nice -n 10 python benchmarks/multitask.py --datasets hillstrom shoppers &
    nice -n 10 python benchmarks/multitask.py --datasets census bank &
    python benchmarks/multitask.py --report

Writes ``benchmarks/results/multitask.{json,md}``.
"""

import argparse
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from skrec.callbacks import TaskDominance
from skrec.multitask import MultiTaskNet
from skrec.optim import AdaTaskAdam

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results"
RUNS = RESULTS / "multitask_runs.jsonl"

BASE_CONFIGS = [
    ("SharedBottom", dict(architecture="shared_bottom")),
    ("MMoE", dict(architecture="mmoe", n_experts=4)),
    ("PLE", dict(architecture="ple", n_levels=2)),
    ("HTLNet", dict(architecture="htlnet", gradient_adjustment="htl")),
    ("HTLNet-noadj", dict(architecture="htlnet")),
]
WEIGHTINGS = ["uncertainty", "dwa", "gradnorm", "pcgrad", "metabalance"]
OPTIMIZERS = {"Adam": torch.optim.Adam, "AdaTask-Adam": AdaTaskAdam}
# PaddleRec's reproduction of the MMoE paper's census setting (income and
# marital status AUC, mean over its runs), from its README; the MMoE paper's
# own table could not be read with this project's tools.
MMOE_CENSUS_REFERENCE = {"income_AUC": 0.94465, "never_married_AUC": 0.99324}


# ------------------------------------------------------------------ data sets
def _frame(numeric, categorical):
    X = pd.DataFrame({c: v.astype("float32") for c, v in numeric.items()})
    for c in X:
        sd = X[c].std()
        X[c] = (X[c] - X[c].mean()) / (sd if sd > 0 else 1.0)
    for c, v in categorical.items():
        # a missing value is a category of its own
        X[c] = pd.Categorical(pd.Series(v).astype(object).fillna("?").astype(str)).codes
        X[c] = X[c].astype("int64")
    return X, list(categorical)


def load_hillstrom():
    df = pd.read_csv(SHARED / "hillstrom_email" / "hillstrom.csv")
    X, cats = _frame(
        {"recency": df.recency, "history": np.log1p(df.history), "mens": df.mens,
         "womens": df.womens, "newbie": df.newbie},
        {c: df[c] for c in ("history_segment", "zip_code", "channel", "segment")},
    )
    y = pd.DataFrame({"visit": df.visit, "conversion": df.conversion,
                      "core": np.log1p(df.spend.astype(float))})
    return X, y, cats, ["visit", "conversion"], "spend", True


_CENSUS = (
    "age class_of_worker detailed_industry_recode detailed_occupation_recode education "
    "wage_per_hour enroll_in_edu_inst_last_wk marital_stat major_industry_code "
    "major_occupation_code race hispanic_origin sex member_of_a_labor_union "
    "reason_for_unemployment full_or_part_time_employment_stat capital_gains "
    "capital_losses dividends_from_stocks tax_filer_stat region_of_previous_residence "
    "state_of_previous_residence detailed_household_and_family_stat "
    "detailed_household_summary_in_household instance_weight migration_code_change_in_msa "
    "migration_code_change_in_reg migration_code_move_within_reg "
    "live_in_this_house_1_year_ago migration_prev_res_in_sunbelt "
    "num_persons_worked_for_employer family_members_under_18 country_of_birth_father "
    "country_of_birth_mother country_of_birth_self citizenship "
    "own_business_or_self_employed fill_inc_questionnaire_for_veterans_admin "
    "veterans_benefits weeks_worked_in_year year income"
).split()


def load_census():
    df = pd.read_csv(SHARED / "census_income_kdd" / "census-income.test.gz", header=None,
                     names=_CENSUS, sep=", ", engine="python")
    numeric = ["age", "capital_gains", "capital_losses", "dividends_from_stocks",
               "num_persons_worked_for_employer", "weeks_worked_in_year"]
    skip = set(numeric) | {"wage_per_hour", "instance_weight", "income", "marital_stat"}
    X, cats = _frame(
        {c: np.log1p(df[c].astype(float)) for c in numeric},
        {c: df[c].astype(str) for c in _CENSUS if c not in skip},
    )
    y = pd.DataFrame({
        "income": df.income.astype(str).str.startswith("50000+").astype(int),
        "never_married": (df.marital_stat == "Never married").astype(int),
        "core": np.log1p(df.wage_per_hour.astype(float)),
    })
    return X, y, cats, ["income", "never_married"], "wage_per_hour", False


def load_bank():
    df = pd.read_csv(SHARED / "bank_marketing" / "bank-full.csv")
    X, cats = _frame(
        {"age": df.age, "balance": np.sign(df.balance) * np.log1p(df.balance.abs()),
         "day": df.day, "campaign": np.log1p(df.campaign), "pdays": df.pdays,
         "previous": np.log1p(df.previous)},
        {c: df[c] for c in ("job", "marital", "education", "default", "housing", "loan",
                            "contact", "month", "poutcome")},
    )
    y = pd.DataFrame({"subscribed": (df.y == "yes").astype(int),
                      "core": np.log1p(df.duration.astype(float))})
    return X, y, cats, ["subscribed"], "duration", False


def load_shoppers():
    df = pd.read_csv(SHARED / "online_shoppers" / "online_shoppers_intention.csv", sep=";")
    X, cats = _frame(
        {c: np.log1p(df[c].astype(float)) for c in
         ("Administrative", "Informational", "ProductRelated")}
        | {c: df[c] for c in ("BounceRates", "ExitRates", "SpecialDay")},
        {c: df[c].astype(str) for c in ("Month", "OperatingSystems", "Browser", "Region",
                                        "TrafficType", "VisitorType", "Weekend")},
    )
    y = pd.DataFrame({"purchase": df.Revenue.astype(str).str.upper().eq("TRUE").astype(int),
                      "core": np.log1p(df.ProductRelated_Duration.astype(float))})
    return X, y, cats, ["purchase"], "dwell_time", False


DATASETS = {"hillstrom": load_hillstrom, "census": load_census, "bank": load_bank,
            "shoppers": load_shoppers}


# -------------------------------------------------------------------- metrics
def normalized_gini(y, pred):
    """Gini of the ranking by ``pred`` over that of the perfect ranking."""

    def gini(values, order_by):
        order = np.lexsort((np.arange(len(values)), -order_by))
        cum = np.cumsum(values[order]) / values.sum()
        n = len(values)
        return cum.sum() / n - (n + 1) / (2 * n)

    return float(gini(y, pred) / gini(y, y))


def core_metrics(y, pred):
    pos = y > 0
    out = {
        "NRMSE": float(np.sqrt(np.mean((y - pred) ** 2)) / y.std()),
        "NMAE": float(np.mean(np.abs(y - pred)) / y.mean()),
        "Gini": normalized_gini(y, pred),
        "Spearman": float(spearmanr(y, pred).statistic),
    }
    if pos.sum() > 1:
        out["NMAE_pos"] = float(np.mean(np.abs(y[pos] - pred[pos])) / y[pos].mean())
        out["Gini_pos"] = normalized_gini(y[pos], pred[pos])
    return out


def evaluate(net, X, y, binaries):
    proba = net.predict_proba(X)
    proba = proba if isinstance(proba, list) else [proba]
    out = {}
    for name, p in zip(binaries, proba):
        out[f"{name}_AUC"] = float(roc_auc_score(y[name], p[:, 1]))
        out[f"{name}_LogLoss"] = float(log_loss(y[name], p[:, 1], labels=[0, 1]))
    pred = np.expm1(np.asarray(net.predict(X)["core"], dtype=float)).clip(0, None)
    truth = np.expm1(y["core"].to_numpy(dtype=float))
    out.update({f"core_{k}": v for k, v in core_metrics(truth, pred).items()})
    return out


# ---------------------------------------------------------------------- runs
def configs(chain):
    out = [(m, o, kw) for m, kw in BASE_CONFIGS for o in OPTIMIZERS]
    out += [(f"MMoE+{w}", "Adam", dict(architecture="mmoe", n_experts=4, loss_weighting=w))
            for w in WEIGHTINGS]
    if chain:
        out.append(("ESMM", "Adam", dict(architecture="esmm")))
    return out


def make_net(tasks, cats, seed, kwargs, optimizer, args, **extra):
    params = dict(tasks=tasks, categorical_features=cats, embedding_dim=8,
                  hidden_units=(64,), tower_units=(32,), max_epochs=args.epochs,
                  batch_size=args.batch_size, lr=args.lr, random_state=seed, verbose=0,
                  optimizer=optimizer)
    params.update(kwargs)
    params.update(extra)
    return MultiTaskNet(**params)


def _done():
    if not RUNS.exists():
        return {}
    out = {}
    for line in RUNS.read_text().splitlines():
        r = json.loads(line)
        out[(r["dataset"], r["seed"], r["model"], r["optimizer"])] = r
    return out


def run_dataset(name, args):
    X, y, cats, binaries, core_name, chain = DATASETS[name]()
    if args.quick:
        keep = np.random.RandomState(0).rand(len(X)) < 0.2
        X, y = X[keep].reset_index(drop=True), y[keep].reset_index(drop=True)
    tasks = [(b, "binary") for b in binaries] + [("core", "regression")]
    done = _done()
    start = time.time()
    for seed in range(args.seeds):
        tr, te = train_test_split(np.arange(len(X)), test_size=0.2, random_state=seed,
                                  stratify=y[binaries[-1]])
        for model, opt, kwargs in configs(chain):
            if (name, seed, model, opt) in done:
                continue
            t0 = time.process_time()
            net = make_net(tasks, cats, seed, kwargs, OPTIMIZERS[opt], args)
            net.fit(X.iloc[tr], y.iloc[tr])
            rec = dict(dataset=name, seed=seed, model=model, optimizer=opt,
                       cpu_s=time.process_time() - t0)
            rec.update(evaluate(net, X.iloc[te], y.iloc[te], binaries))
            with RUNS.open("a") as f:
                f.write(json.dumps(rec) + "\n")
            print(f"[{time.time() - start:6.0f}s] {name} seed {seed} {model:18s} {opt:12s} "
                  f"core NMAE_pos {rec.get('core_NMAE_pos', np.nan):.4f} "
                  f"Gini {rec['core_Gini']:.4f}", flush=True)
    if (name, -1, "dominance", "MMoE") not in done:
        tr, _ = train_test_split(np.arange(len(X)), test_size=0.2, random_state=0,
                                 stratify=y[binaries[-1]])
        shares = {}
        for label, aware in (("Adam", False), ("AdaTask-Adam", True)):
            net = make_net(tasks, cats, 0, dict(architecture="mmoe", n_experts=4),
                           AdaTaskAdam, args, optimizer__task_aware=aware,
                           callbacks=[TaskDominance()])
            net.fit(X.iloc[tr], y.iloc[tr])
            layers = net.history[-1, "task_dominance"]
            shares[label] = np.mean([layers[k] for k in layers], axis=0).tolist()
        rec = dict(dataset=name, seed=-1, model="dominance", optimizer="MMoE",
                   tasks=[t for t, _ in tasks], shares=shares)
        with RUNS.open("a") as f:
            f.write(json.dumps(rec) + "\n")


# -------------------------------------------------------------------- report
def _paired(df, a, b, key):
    """Paired differences a - b of ``key`` over seeds."""
    ra = df[(df.model == a[0]) & (df.optimizer == a[1])].set_index("seed")[key]
    rb = df[(df.model == b[0]) & (df.optimizer == b[1])].set_index("seed")[key]
    d = (ra - rb).dropna()
    return d


def _fmt_d(d, lower_better=False):
    if len(d) == 0:
        return "-"
    wins = int(((d < 0) if lower_better else (d > 0)).sum())
    return f"{d.mean():+.4f} ± {d.std(ddof=1) if len(d) > 1 else 0:.4f} ({wins}/{len(d)})"


def report(args):
    runs = [r for r in _done().values()]
    df = pd.DataFrame([r for r in runs if r["seed"] >= 0])
    dom = {r["dataset"]: r for r in runs if r["seed"] == -1}
    lines = ["# Multi-task benchmark: four hybrid-target data sets", "",
             f"Command: `python benchmarks/multitask.py --seeds {args.seeds} --epochs "
             f"{args.epochs}` (or as two processes, see the script).", "",
             f"Machine: {platform.machine()}, torch {torch.__version__}, 1 thread. "
             f"Random 80/20 split per seed (the same for every model: paired seeds), "
             f"{args.epochs} epochs, batch {args.batch_size}, lr {args.lr}, hidden (64,), "
             "towers (32,), embedding 8. Core task regressed as log1p, evaluated on its own "
             "scale; `pos` = rows with a positive core target. Mean ± std over seeds.", ""]
    if df.empty:
        return "\n".join(lines + ["No run yet."]) + "\n"
    claims, verdicts, adatask = [], [], []
    for name in DATASETS:
        d = df[df.dataset == name]
        if d.empty:
            continue
        binaries = [c[:-4] for c in d.columns if c.endswith("_AUC") and d[c].notna().any()]
        cols = [f"{b}_AUC" for b in binaries] + [
            "core_NRMSE", "core_NMAE", "core_NMAE_pos", "core_Gini", "core_Gini_pos",
            "core_Spearman", "cpu_s"]
        g = d.groupby(["model", "optimizer"], sort=False)[cols]
        mean, std = g.mean(), g.std()
        lines += [f"## {name} ({d.seed.nunique()} seeds)", "",
                  "| model | optimizer | " + " | ".join(c.replace("core_", "core ")
                                                         for c in cols) + " |",
                  "|---|---|" + "---|" * len(cols)]
        for idx in mean.index:
            cells = [f"{mean.loc[idx, c]:.4f} ± {np.nan_to_num(std.loc[idx, c]):.4f}"
                     if c != "cpu_s" else f"{mean.loc[idx, c]:.0f}" for c in cols]
            lines.append(f"| {idx[0]} | {idx[1]} | " + " | ".join(cells) + " |")
        lines.append("")
        # claim 1: HTLNet vs MMoE / PLE on the core task
        for other in ("MMoE", "PLE"):
            row = [f"{name}: HTLNet − {other} (Adam)"]
            for key, low in (("core_NMAE_pos", True), ("core_Gini_pos", False),
                             ("core_Gini", False), ("core_NRMSE", True)):
                row.append(_fmt_d(_paired(d, ("HTLNet", "Adam"), (other, "Adam"), key), low))
            claims.append(row)
            diff = _paired(d, ("HTLNet", "Adam"), (other, "Adam"), "core_NMAE_pos")
            holds = len(diff) > 0 and diff.mean() < 0 and (diff < 0).sum() >= 0.8 * len(diff)
            verdicts.append(f"{name} vs {other}: {'holds' if holds else 'does not hold'} "
                            f"({int((diff < 0).sum())}/{len(diff)} seeds better)")
        if name in dom:
            shares = dom[name]["shares"]["Adam"]
            tasks = dom[name]["tasks"]
            weakest = tasks[int(np.argmin(shares))]
            key = ("core_Gini" if weakest == "core" else f"{weakest}_AUC")
            lines.append(f"Task dominance under Adam (MMoE, seed 0, mean AU share per task "
                         f"{dict(zip(tasks, np.round(shares, 3).tolist()))}): the "
                         f"dominated task is **{weakest}**; under AdaTask-Adam the shares "
                         f"are {np.round(dom[name]['shares']['AdaTask-Adam'], 3).tolist()}.")
            lines.append("")
            lines.append(f"AdaTask-Adam − Adam on {key} (paired over seeds, wins):")
            lines.append("")
            raised = 0
            for model, _ in BASE_CONFIGS:
                diff = _paired(d, (model, "AdaTask-Adam"), (model, "Adam"), key)
                lines.append(f"- {model}: {_fmt_d(diff)}")
                raised += int(len(diff) > 0 and diff.mean() > 0
                              and (diff > 0).sum() >= 0.8 * len(diff))
            adatask.append(f"{name} ({weakest}, {key}): raised in at least 4 of 5 seeds "
                           f"for {raised} of {len(BASE_CONFIGS)} architectures")
            lines.append("")
        if name == "census":
            mm = mean.loc[("MMoE", "Adam")]
            lines.append(
                "MMoE on census next to PaddleRec's reproduction of the MMoE paper's setting "
                f"(its README; the paper's own table could not be read here): income AUC "
                f"{mm['income_AUC']:.4f} vs {MMOE_CENSUS_REFERENCE['income_AUC']}, never-"
                f"married AUC {mm['never_married_AUC']:.4f} vs "
                f"{MMOE_CENSUS_REFERENCE['never_married_AUC']}. The split differs (only "
                "UCI's test file is available: 80/20 of it here) and so does the training "
                "budget (400 epochs there).")
            lines.append("")
    lines += ["## Claim: HTLNet beats MMoE and PLE on the hybrid core task", "",
              "Paired differences (mean ± std over seeds; in brackets the seeds where "
              "HTLNet is better).", "",
              "| comparison | core NMAE pos | core Gini pos | core Gini | core NRMSE |",
              "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in claims]
    lines.append("")
    lines += ["## Verdicts", "",
              "A claim holds on a data set when the paired mean favours it and it wins "
              "in at least 4 of 5 seeds.", "",
              "- HTLNet beats MMoE / PLE on the core task (NMAE among positive targets): "
              + "; ".join(verdicts) + ".",
              "- AdaTask raises the metric of the task Adam lets be dominated: "
              + "; ".join(adatask) + ".", ""]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 seed, 1 epoch, 20%% of the rows (not written)")
    p.add_argument("--report", action="store_true", help="only rewrite the report")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    global RUNS
    if args.quick:
        args.seeds, args.epochs = 1, 1
        RUNS = Path("/tmp/skrec_multitask_quick.jsonl")
        RUNS.unlink(missing_ok=True)
    RESULTS.mkdir(exist_ok=True)
    if not args.report:
        missing = [n for n in args.datasets if not SHARED.exists()]
        if missing:
            raise SystemExit(f"Shared data not found at {SHARED}.")
        for name in args.datasets:
            run_dataset(name, args)
    text = report(args)
    if not args.quick:
        (RESULTS / "multitask.md").write_text(text)
        (RESULTS / "multitask.json").write_text(json.dumps(
            {"settings": {k: v for k, v in vars(args).items()},
             "command": "python " + " ".join(map(shlex.quote, sys.argv)),
             "runs": [r for r in _done().values()]}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
