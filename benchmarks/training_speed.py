"""Benchmark: seconds per training epoch of SASRec/TiCoSeRec on Amazon Beauty.

Two paths, measured in the same run on one torch thread (hidden 128, batch
128, the bundled Beauty data, leave-last-out training sequences):

* **new** - skrec's defaults: length-aware batches
  (:class:`~skrec.recommenders.LengthBucketSampler`) and an encoder that
  computes only the active positions of a batch;
* **padded random** - the path skrec had before: uniformly random batches
  (``batching="random"``) and an encoder that computes every padded position
  (``module__skip_padding=False``).

Both run the same model code otherwise (fused Adam, the next-item loss over
real positions), so the ratio is what batching and padding cost. Phases: the
next-item phase (SASRec) and the contrastive phase (TiCoSeRec with the
contrastive loss from the first epoch, views drawn by the default augmenter).

``--curves`` also trains SASRec for 10 epochs on both paths with several
seeds and records validation NDCG@20 after every epoch, so that one can check
that the fast path learns like the padded one (the spread between seeds is
the yardstick).

Run the timing alone on an idle machine (never next to another job)::

    python benchmarks/training_speed.py
    python benchmarks/training_speed.py --curves --skip-timing   # may share

Figures go to ``benchmarks/results/training_speed.{json,md}``; each part
updates its own entries.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skrec.datasets import load_beauty  # noqa: E402
from skrec.model_selection import leave_last_out  # noqa: E402
from skrec.recommenders import SASRec, TiCoSeRec  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PATHS = {
    "new": dict(batching="length"),
    "padded random": dict(batching="random", module__skip_padding=False),
}
COMMON = dict(hidden_size=128, inner_size=256, batch_size=128, verbose=0)


def _model(phase, path, seed, **kw):
    params = dict(COMMON, **PATHS[path], random_state=seed, **kw)
    if phase == "next-item":
        return SASRec(**params)
    return TiCoSeRec(model_warm_up_epochs=0, **params)


def time_epochs(split, phase, path, epochs, seed=0):
    """Seconds of each training epoch (no validation)."""
    model = _model(phase, path, seed, max_epochs=epochs, train_split=None,
                   patience=None)
    model.fit(split.X_train, split.y_valid)
    return [float(d) for d in model.history[:, "dur"]]


def curve(split, path, epochs, seed):
    """Validation NDCG@20 after each of ``epochs`` SASRec epochs."""
    model = _model("next-item", path, seed, max_epochs=epochs, patience=None,
                   monitor="valid_ndcg@20")
    model.fit(split.X_train, split.y_valid)
    return [float(v) for v in model.history[:, "valid_ndcg@20"]]


def levers(repeats=30):
    """Milliseconds of two alternatives the fast path could have used.

    Attention of one block (forward + backward, 2 heads of 64, dropout 0.2)
    written out as skrec does vs torch's ``scaled_dot_product_attention``
    with the same additive mask, at a length-aware and a padded batch shape;
    and one Adam step over SASRec's Beauty-sized parameters, per-tensor loop
    vs ``fused=True`` (skrec's choice).
    """
    import math

    from torch.nn import functional as F

    from skrec.recommenders import SASRecModule

    def manual(q, k, v, bias):
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias, -1)
        probs = probs * (torch.rand_like(probs) >= 0.2) / 0.8
        return probs @ v

    def sdpa(q, k, v, bias):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=0.2)

    def clock(fn):
        for _ in range(3):
            fn()
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        return (time.perf_counter() - t0) / repeats * 1e3

    out = {}
    for n, b in ((8, 384), (50, 128)):
        q, k, v = (torch.randn(b, 2, n, 64, requires_grad=True) for _ in range(3))
        bias = torch.zeros(b, 1, n, n).masked_fill(torch.ones(n, n).triu(1).bool(), -1e4)
        for name, f in (("manual attention", manual), ("sdpa", sdpa)):
            out[f"{name}, width {n} x {b} rows"] = clock(
                lambda f=f, q=q, k=k, v=v, bias=bias: f(q, k, v, bias).sum().backward())
    module = SASRecModule(n_items=12101)
    for p_ in module.parameters():
        p_.grad = torch.randn_like(p_)
    for name, kw in (("Adam per-tensor loop", dict(foreach=False)),
                     ("Adam fused", dict(fused=True))):
        opt = torch.optim.Adam(module.parameters(), **kw)
        out[name] = clock(opt.step)
    return out


def markdown(report):
    lines = ["# Training speed: length-aware batches vs padded random batches", ""]
    t = report.get("timing")
    if t:
        lines += [
            f"Command: `{t['command']}`", "",
            f"Machine: {report['machine']}; torch {torch.__version__}, "
            f"{t['threads']} thread; Beauty ({t['n_sequences']} training "
            "sequences), hidden 128, batch 128. Seconds per training epoch "
            "(validation excluded), mean over the timed epochs "
            f"({t['epochs']} per cell; all epochs in the JSON).", "",
            "| phase | padded random s/epoch | new s/epoch | ratio |",
            "|---|---|---|---|",
        ]
        for phase, row in t["phases"].items():
            lines.append(
                f"| {phase} | {row['padded random']:.1f} | {row['new']:.1f} | "
                f"**{row['ratio']:.1f}x** |"
            )
        lines += [
            "",
            f"Tokens computed per real token: padded random {t['pad_random']:.2f}, "
            f"length-aware {t['pad_length']:.2f} (next-item inputs).",
            "",
        ]
    lv = report.get("levers")
    if lv:
        lines += [
            "## Other levers (milliseconds, one thread)", "",
            "Command: `python benchmarks/training_speed.py --levers --skip-timing` "
            "(nothing else running).", "",
            "| what | ms |", "|---|---|",
            *[f"| {k} | {v:.2f} |" for k, v in lv.items()],
            "",
            "Adopted: fused Adam. Not adopted: `scaled_dot_product_attention` "
            "(with an additive mask and dropout it is not faster than the "
            "written-out attention at both shapes on the CPU, and attention "
            "products are under a tenth of a training step there), and "
            "`torch.compile` (every "
            "batch has another width and number of active tokens, so it would "
            "recompile or pad back to fixed shapes; not measured).",
            "",
        ]
    c = report.get("curves")
    if c:
        lines += [
            "## Validation NDCG@20 per epoch (SASRec, first "
            f"{c['epochs']} epochs)", "",
            f"Command: `{c['command']}`", "",
            "| epoch | " + " | ".join(
                f"{p} seed {s}" for p in c["paths"] for s in c["seeds"]) + " |",
            "|---|" + "---|" * (len(c["paths"]) * len(c["seeds"])),
        ]
        for e in range(c["epochs"]):
            lines.append(f"| {e + 1} | " + " | ".join(
                f"{c['ndcg20'][p][str(s)][e]:.4f}" for p in c["paths"] for s in c["seeds"]
            ) + " |")
        lines += [
            "",
            f"Largest gap between the two paths' seed means over the epochs: "
            f"{c['max_path_gap']:.4f}; largest gap between two seeds of one "
            f"path: {c['max_seed_gap']:.4f}. Within seed noise: "
            f"**{'yes' if c['within_noise'] else 'no'}** (path gap <= seed gap).",
            "",
        ]
    return "\n".join(lines)


def padding_ratios(split):
    from skrec.recommenders import LengthBucketSampler

    model = SASRec(max_epochs=0, train_split=None, verbose=0)
    data = model._prepare(split.X_train, split.y_valid, None, refit=True)
    lengths = model.get_dataset(data).input_lengths()
    out = {}
    for name, pool in (("pad_random", 1), ("pad_length", 50)):
        batches = list(LengthBucketSampler(lengths, 128, pool_size=pool, random_state=0))
        computed = sum(int(lengths[b].max()) * len(b) for b in batches)
        out[name] = computed / float(lengths.sum())
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=2, help="timed epochs per cell")
    p.add_argument("--skip-timing", action="store_true")
    p.add_argument("--curves", action="store_true")
    p.add_argument("--levers", action="store_true",
                   help="also time SDPA vs written-out attention and fused Adam")
    p.add_argument("--curve-epochs", type=int, default=10)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--out", default=str(RESULTS / "training_speed"))
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    split = leave_last_out(load_beauty())
    out = Path(args.out)
    report = {}
    if out.with_suffix(".json").exists():
        report = json.loads(out.with_suffix(".json").read_text())
    report["machine"] = (f"{platform.machine()} {platform.processor() or ''}".strip()
                         + f", {os.cpu_count()} cores")
    command = "python benchmarks/training_speed.py " + " ".join(argv or os.sys.argv[1:])
    if not args.skip_timing:
        phases = {}
        for phase in ("next-item", "contrastive"):
            row = {}
            for path in ("padded random", "new"):
                t0 = time.perf_counter()
                durs = time_epochs(split, phase, path, args.epochs)
                row[path] = float(np.mean(durs))
                row[path + " epochs"] = durs
                print(f"{phase:12s} {path:14s} {row[path]:7.2f} s/epoch "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
            row["ratio"] = row["padded random"] / row["new"]
            phases[phase] = row
        report["timing"] = dict(
            command=command.strip(), threads=torch.get_num_threads(),
            epochs=args.epochs, n_sequences=len(split.users), phases=phases,
            **padding_ratios(split),
        )
    if args.levers:
        report["levers"] = levers()
    if args.curves:
        ndcg = {}
        for path in PATHS:
            ndcg[path] = {}
            for seed in args.seeds:
                ndcg[path][str(seed)] = curve(split, path, args.curve_epochs, seed)
                print(path, seed, np.round(ndcg[path][str(seed)], 4), flush=True)
        arr = {p: np.array([ndcg[p][str(s)] for s in args.seeds]) for p in PATHS}
        path_gap = float(np.max(np.abs(arr["new"].mean(0) - arr["padded random"].mean(0))))
        seed_gap = float(max(np.max(a.max(0) - a.min(0)) for a in arr.values()))
        report["curves"] = dict(
            command=command.strip(), epochs=args.curve_epochs, seeds=args.seeds,
            paths=list(PATHS), ndcg20=ndcg, max_path_gap=path_gap,
            max_seed_gap=seed_gap, within_noise=path_gap <= seed_gap,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
