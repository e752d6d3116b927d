"""Benchmark: reproduce TiCoSeRec on Amazon Beauty (SASRec vs CoSeRec vs TiCoSeRec).

The paper's protocol: leave-one-out (last item test, second-to-last
validation, the rest training), full ranking of all 12,101 items with the
user's seen items excluded, HIT@K and NDCG@K for K = 5, 10, 20, up to 350
epochs with early stopping on validation NDCG@20 (patience 150, as the
reference trainer) and the best validation epoch restored for the test.
Model and training follow the reference defaults (hidden 128, 2 blocks, 2
heads, batch 128, Adam 1e-3, weight decay 1e-6, cf_weight 0.1, 40 warm-up
epochs, seed 2022) and the reference README's non-default Beauty settings
(mask mode "maximum", substitute rate 0.2, crop rate 0.4, mask rate 0.7,
reorder rate 0.5, augmentation_warm_up_epochs 350); CoSeRec's random
operators get the same rates. Selection never looks at the test split.

The run is resumable: after every epoch each model's state (the pickled
estimator, its best weights so far and its learning curve) is written to
``--checkpoint-dir``; running the same command again continues every
unfinished model where it stopped. ``--time-budget`` ends a process cleanly
after that many seconds so that the run can be spread over several sittings.
Each invocation (finished or not) rewrites the report from all checkpoints:
test figures of the finished models next to the published ones, the state of
the unfinished ones, CPU seconds spent, and the validation curves of all
three models as a plot.

On two CPU cores, two models at a time in the background::

    nice -n 10 python benchmarks/reproduce_ticoserec.py --models ticoserec &
    nice -n 10 python benchmarks/reproduce_ticoserec.py --models sasrec coserec &

On a GPU: ``--device cuda --tag gpu``. ``--report`` only rewrites the report.
Figures go to ``benchmarks/results/reproduce_ticoserec_<tag>.{json,md,png}``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from skrec.model_selection import leave_last_out  # noqa: E402
from skrec.recommenders import CoSeRec, SASRec, TiCoSeRec  # noqa: E402
from skrec.sequence import from_ragged  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beauty"
RESULTS = HERE / "results"
MODELS = ("sasrec", "coserec", "ticoserec")
MONITOR = "valid_ndcg@20"

# Reference README checkpoint figures for Beauty (TiCoSeRec), full ranking.
PUBLISHED = {
    "ticoserec": {"HIT@5": 0.0504, "NDCG@5": 0.0343, "HIT@10": 0.0740,
                  "NDCG@10": 0.0418, "HIT@20": 0.1068, "NDCG@20": 0.0501},
}
README_RATES = {
    "augmenter__substitute__rate": 0.2,
    "augmenter__crop__rate": 0.4,
    "augmenter__mask__rate": 0.7,
    "augmenter__reorder__rate": 0.5,
}
KS = (5, 10, 20)
CURVE_KEYS = ("valid_ndcg@20", "valid_hit@20", "valid_ndcg@10", "train_loss",
              "rec_loss", "cl_loss", "dur")


def _cpu_seconds():
    return time.process_time()


class Resumable(Callback):
    """Per-epoch checkpoints, resume-safe early stopping and a time budget.

    Early stopping is decided from the history alone (the best ``monitor``
    epoch so far and ``patience``), so it continues correctly after a resume;
    the best epoch's weights are saved whenever it improves.
    """

    def __init__(self, directory, name, patience, time_budget=None):
        self.directory = str(directory)
        self.name = name
        self.patience = patience
        self.time_budget = time_budget

    def _path(self, suffix):
        return Path(self.directory) / f"{self.name}{suffix}"

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()
        self.cpu_start_ = _cpu_seconds()
        self.reason_ = None

    def on_epoch_end(self, net, **kwargs):
        hist = net.history
        cpu = _cpu_seconds() - self.cpu_start_ + getattr(net, "cpu_seconds_", 0.0)
        self.cpu_start_ = _cpu_seconds()
        net.cpu_seconds_ = cpu
        scores = np.array([h.get(MONITOR, -np.inf) for h in hist])
        best = int(np.argmax(scores))
        if best == len(hist) - 1:
            net.save_params(f_params=str(self._path("_best.pt")))
        curve = {k: [h.get(k) for h in hist] for k in CURVE_KEYS}
        state = {"epochs": len(hist), "best_epoch": best + 1,
                 "best_" + MONITOR: float(scores[best]), "cpu_seconds": cpu,
                 "curve": curve}
        if len(hist) - 1 - best >= self.patience:
            self.reason_ = "early stopping"
        elif self.time_budget and time.perf_counter() - self.start_ > self.time_budget:
            self.reason_ = "time budget (resumable)"
        state["stopped"] = self.reason_
        tmp = self._path(".pkl.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(net, f)
        os.replace(tmp, self._path(".pkl"))
        self._path("_state.json").write_text(json.dumps(state))
        if self.reason_:
            raise KeyboardInterrupt  # skorch ends the training loop cleanly


def load_data():
    """Beauty from ../shared/data/beauty, or the identical bundled copy."""
    from skrec.datasets import load_beauty
    from skrec.datasets._base import _read_beauty_text

    item_path = DATA / "Beauty_item.txt.gz"
    time_path = DATA / "Beauty_time.txt.gz"
    if item_path.exists() and time_path.exists():
        users, ragged = _read_beauty_text(item_path, time_path)
        return from_ragged(ragged, index=users), str(DATA)
    return load_beauty(), "skrec.datasets.load_beauty()"


def make_model(name, args):
    common = dict(
        hidden_size=args.hidden_size, inner_size=2 * args.hidden_size, n_layers=2,
        n_heads=2, max_seq_length=50, batch_size=args.batch_size,
        max_epochs=args.epochs, patience=None, monitor=MONITOR,
        device=args.device, random_state=args.seed, verbose=args.verbose,
    )
    if name == "sasrec":
        return SASRec(**common)
    cl = dict(common, model_warm_up_epochs=args.model_warm_up_epochs,
              augmentation_warm_up_epochs=350)
    if args.cl_representation:
        cl["cl_representation"] = args.cl_representation
    if name == "coserec":
        return CoSeRec(**cl).set_params(**README_RATES)
    return TiCoSeRec(**cl).set_params(augmenter__mask__mode="maximum", **README_RATES)


def run_model(name, split, args, ckpt):
    """Train (or resume) one model; return True when it has finished."""
    result = ckpt / f"{name}_result.json"
    if result.exists():
        print(f"{name}: finished earlier ({result})", flush=True)
        return True
    with open(ckpt / f"{name}_commands.txt", "a") as f:
        f.write(args.command + "\n")
    state_path = ckpt / f"{name}.pkl"
    if state_path.exists():
        with open(state_path, "rb") as f:
            model = pickle.load(f)
        done = len(model.history)
        print(f"{name}: resuming after epoch {done}", flush=True)
        model.set_params(callbacks__resumable__time_budget=args.time_budget)
        model.max_epochs = args.epochs - done
        finished = model.max_epochs <= 0
        if not finished:
            model.partial_fit(split.X_train, split.y_valid)
    else:
        model = make_model(name, args)
        model.set_params(callbacks=[("resumable", Resumable(
            ckpt, name, args.patience, args.time_budget))])
        model.fit(split.X_train, split.y_valid)
    callback = dict(model.callbacks_)["resumable"]
    if callback.reason_ and callback.reason_.startswith("time budget"):
        print(f"{name}: paused after epoch {len(model.history)}", flush=True)
        return False
    # Finished: early stopping or every epoch done. Test the best epoch.
    model.load_params(f_params=str(ckpt / f"{name}_best.pt"))
    metrics = {k.upper(): v for k, v in model.evaluate(split.X_test, split.y_test, ks=KS).items()}
    state = json.loads((ckpt / f"{name}_state.json").read_text())
    out = {
        "model": name, "epochs_run": len(model.history),
        "stopped_by": callback.reason_ or "max_epochs",
        "best_epoch": state["best_epoch"], "best_" + MONITOR: state["best_" + MONITOR],
        "cpu_seconds": state["cpu_seconds"],
        "seconds_per_epoch": float(np.mean(model.history[:, "dur"])),
        "test": metrics, "published": PUBLISHED.get(name),
        "params": {k: repr(v) for k, v in model.get_params(deep=False).items()
                   if k not in ("callbacks", "augmenter")},
    }
    result.write_text(json.dumps(out, indent=2))
    print(json.dumps(out["test"], indent=1), flush=True)
    return True


def plot(states, path, warm_up):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, st in states.items():
        values = st["curve"]["valid_ndcg@20"]
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.axhline(PUBLISHED["ticoserec"]["NDCG@20"], ls=":", c="grey",
               label="TiCoSeRec published (test)")
    ax.axvline(warm_up + 0.5, ls="--", c="lightgrey",
               label="contrastive loss starts (CoSeRec, TiCoSeRec)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation NDCG@20")
    ax.set_title("Amazon Beauty, full ranking")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def report(args, ckpt, source, n_users):
    states, results = {}, {}
    for name in MODELS:
        st = ckpt / f"{name}_state.json"
        if st.exists():
            states[name] = json.loads(st.read_text())
        res = ckpt / f"{name}_result.json"
        if res.exists():
            results[name] = json.loads(res.read_text())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    png = (plot(states, out.with_suffix(".png"), args.model_warm_up_epochs)
           if states else None)
    order = {m: r["test"]["NDCG@20"] for m, r in results.items()}
    complete = all(m in order for m in MODELS)
    holds = complete and order["ticoserec"] > order["coserec"] > order["sasrec"]
    tico = results.get("ticoserec", {}).get("test", {})
    cpu_total = sum(s["cpu_seconds"] for s in states.values())
    summary = {
        "command": args.command, "machine": args.machine, "device": args.device,
        "torch_threads": torch.get_num_threads(), "data": source,
        "n_users": n_users, "results": results,
        "progress": {m: {k: v for k, v in s.items() if k != "curve"}
                     for m, s in states.items()},
        "curves": {m: s["curve"] for m, s in states.items()},
        "cpu_seconds_total": cpu_total,
        "complete": complete,
        "ordering_ticoserec>coserec>sasrec": holds if complete else None,
        "targets_met": (bool(tico) and tico["NDCG@20"] >= 0.0501
                        and tico["HIT@20"] >= 0.1068),
    }
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2))
    commands = []
    for name in MODELS:
        path = ckpt / f"{name}_commands.txt"
        if path.exists():
            commands += [f"- {name}: `{c}`" for c in
                         dict.fromkeys(path.read_text().splitlines())]
    summary["commands"] = commands
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2))
    lines = [
        "# Reproducing TiCoSeRec on Amazon Beauty (full protocol)", "",
        "Commands (each model resumes from its checkpoints when run again):", "",
        *(commands or [f"- `{args.command}`"]), "",
        f"Machine: {args.machine}; device {args.device}; torch threads "
        f"{torch.get_num_threads()} per process. Data: {source} ({n_users} users). "
        f"Up to {args.epochs} epochs, early stopping on validation NDCG@20 with "
        f"patience {args.patience}, best validation epoch tested; hidden size "
        f"{args.hidden_size}, batch {args.batch_size}, "
        f"{args.model_warm_up_epochs} warm-up epochs.", "",
        "| model | status | epochs | best epoch (valid NDCG@20) | CPU h | "
        + " | ".join(f"HIT@{k} | NDCG@{k}" for k in KS) + " |",
        "|---|---|---|---|---|" + "---|" * (2 * len(KS)),
    ]
    for name in MODELS:
        if name not in states:
            lines.append(f"| {name} | not started |" + " |" * (3 + 2 * len(KS)))
            continue
        st = states[name]
        res = results.get(name)
        status = res["stopped_by"] if res else (st.get("stopped") or "running")
        if not res and status == "early stopping":
            status = "early stopping (test pending)"
        cells = []
        for k in KS:
            for m in (f"HIT@{k}", f"NDCG@{k}"):
                pub = (PUBLISHED.get(name) or {}).get(m)
                ours = f"{res['test'][m]:.4f}" if res else "-"
                cells.append(ours + (f" ({pub:.4f})" if pub else ""))
        lines.append(
            f"| {name} | {status} | {st['epochs']} | {st['best_epoch']} "
            f"({st['best_' + MONITOR]:.4f}) | {st['cpu_seconds'] / 3600:.2f} | "
            + " | ".join(cells) + " |")
    if "sasrec" in states and len(states) > 1:
        sas = np.array(states["sasrec"]["curve"]["valid_ndcg@20"], dtype=float)
        lines += [
            "",
            "Validation NDCG@20 so far, each model against SASRec over the same "
            "epochs (the test split is not looked at):", "",
            "| model | epochs compared | best (epoch) | SASRec best (epoch) | "
            "mean of the last 20, model vs SASRec |", "|---|---|---|---|---|",
        ]
        for name, st in states.items():
            if name == "sasrec":
                continue
            v = np.array(st["curve"]["valid_ndcg@20"], dtype=float)
            n = min(len(v), len(sas))
            v, w = v[:n], sas[:n]
            lines.append(
                f"| {name} | 1-{n} | {v.max():.4f} ({int(v.argmax()) + 1}) | "
                f"{w.max():.4f} ({int(w.argmax()) + 1}) | "
                f"{v[-20:].mean():.4f} vs {w[-20:].mean():.4f} |")
    lines += [
        "",
        "Published figures (reference README checkpoints, TiCoSeRec) in brackets.",
        f"CPU time so far, all models: {cpu_total / 3600:.2f} h.",
        "",
        "Order TiCoSeRec > CoSeRec > SASRec on test NDCG@20: "
        + ("yes" if holds else "no" if complete else "not known yet (run unfinished)")
        + ". Targets (TiCoSeRec NDCG@20 >= 0.0501 and HIT@20 >= 0.1068): "
        + ("met" if summary["targets_met"] else "not met" if tico else "not known yet")
        + ".",
        "",
    ]
    if png:
        lines += [f"![validation curves]({Path(png).name})", ""]
    if args.note:
        lines += [args.note, ""]
    out.with_suffix(".md").write_text("\n".join(lines))
    print(f"wrote {out.with_suffix('.md')}", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--epochs", type=int, default=350)
    p.add_argument("--patience", type=int, default=150)
    p.add_argument("--model-warm-up-epochs", type=int, default=40)
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--cl-representation", choices=["last", "mean", "flatten"],
                   default=None, help="default: the estimator's default")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--time-budget", type=float, default=None,
                   help="seconds per model in this process; then pause (resumable)")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--verbose", type=int, default=1)
    p.add_argument("--n-users", type=int, default=None,
                   help="first N users only (smoke tests; not the paper protocol)")
    p.add_argument("--tag", default="cpu_full")
    p.add_argument("--checkpoint-dir", default=None,
                   help="default: ~/.cache/skrec/reproduce_ticoserec_<tag>")
    p.add_argument("--report", action="store_true", help="only rewrite the report")
    p.add_argument("--note", default="", help="free text added to the report")
    p.add_argument("--out", default=None,
                   help="default: benchmarks/results/reproduce_ticoserec_<tag>")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        p.error("--device cuda but CUDA is not available")
    args.out = args.out or str(RESULTS / f"reproduce_ticoserec_{args.tag}")
    ckpt = Path(args.checkpoint_dir or Path.home() / ".cache" / "skrec"
                / f"reproduce_ticoserec_{args.tag}")
    ckpt.mkdir(parents=True, exist_ok=True)
    args.command = "python " + shlex.join(
        ["benchmarks/reproduce_ticoserec.py",
         *[a for a in (sys.argv[1:] if argv is None else argv) if a != "--report"]])
    args.machine = (f"{platform.machine()} {platform.processor() or ''}".strip()
                    + f", {os.cpu_count()} cores")
    X, source = load_data()
    if args.n_users:
        X = X.iloc[: args.n_users]
    split = leave_last_out(X)
    if not args.report:
        for name in args.models:
            print(f"\n=== {name} ===", flush=True)
            run_model(name, split, args, ckpt)
    report(args, ckpt, source, len(split.users))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
