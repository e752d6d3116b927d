"""Data-parallel TiCoSeRec on Amazon Beauty: two processes against one.

Does data-parallel training (skorch's ``AccelerateMixin``, two CPU processes,
gloo) reach the quality of one process on real data? TiCoSeRec is trained on
Beauty for the same number of epochs with the same global batch (256 rows:
one process, or two processes of 128 rows each) and the same seed, then
tested with the protocol of ``benchmarks/recommenders.py``: leave-one-out,
full ranking of all items, seen items excluded, HIT and NDCG at 10 and 20.

In two processes every global batch holds the same rows as in one, the
next-item loss is the global batch's mean and the contrastive loss is the
InfoNCE over the views of the whole global batch (``gather_rows``); what
differs are the random draws inside a step (negatives, augmented views,
dropout), which come from each process's own generator. The two runs are
therefore two draws of the same training, and their figures should differ
by about as much as seeds of one process do; the script also trains one
process with two more seeds to show that spread.

Resumable: each finished run's figures go to ``--checkpoint`` at once::

    nice -n 10 python benchmarks/data_parallel.py             # about 30 minutes
    python benchmarks/data_parallel.py --epochs 3             # a quick look

Writes ``benchmarks/results/data_parallel.{json,md}``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from skrec.datasets import load_beauty  # noqa: E402
from skrec.metrics import ranking_scores  # noqa: E402
from skrec.model_selection import leave_last_out  # noqa: E402
from skrec.recommenders import TiCoSeRec  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PARAMS = dict(hidden_size=64, inner_size=128, n_layers=2, n_heads=2, max_seq_length=50,
              lr=1e-3, batch_size=256, train_split=None, model_warm_up_epochs=5,
              cf_weight=0.1, verbose=0)
SEEDS = (2022, 7, 11)
COLUMNS = ("hit@10", "ndcg@10", "hit@20", "ndcg@20")


def _scores(model, split):
    ranks = model.rank(split.X_test, split.y_test)
    out = ranking_scores(ranks, ks=(10, 20), metrics=("hit", "ndcg"))
    return {k: float(out[k]) for k in COLUMNS}


def _one_process(epochs, seed):
    torch.set_num_threads(1)
    split = leave_last_out(load_beauty())
    start = time.perf_counter()
    model = TiCoSeRec(**PARAMS, max_epochs=epochs, random_state=seed)
    model.fit(split.X_train, split.y_valid)
    return {"seconds": time.perf_counter() - start, "metrics": _scores(model, split)}


def _worker(rank, epochs, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2",
                      RANK=str(rank), LOCAL_RANK=str(rank), GLOO_SOCKET_IFNAME="lo",
                      OMP_NUM_THREADS="1")
    torch.set_num_threads(1)
    from accelerate import Accelerator
    from skorch.hf import AccelerateMixin

    class DistributedTiCoSeRec(AccelerateMixin, TiCoSeRec):
        pass

    split = leave_last_out(load_beauty())
    start = time.perf_counter()
    model = DistributedTiCoSeRec(accelerator=Accelerator(cpu=True), **PARAMS,
                                 max_epochs=epochs, random_state=SEEDS[0])
    model.fit(split.X_train, split.y_valid)
    seconds = time.perf_counter() - start
    if rank == 0:
        Path(out).write_text(json.dumps({"seconds": seconds,
                                         "metrics": _scores(model, split)}))


def _two_processes(epochs):
    import tempfile

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rank0.json")
        torch.multiprocessing.start_processes(_worker, args=(epochs, port, out),
                                              nprocs=2, start_method="spawn")
        return json.loads(Path(out).read_text())


def _single(seed):
    return lambda epochs: _one_process(epochs, seed)


RUNS = {f"1 process, seed {SEEDS[0]}": _single(SEEDS[0]),
        f"2 processes, seed {SEEDS[0]}": _two_processes}
RUNS.update({f"1 process, seed {seed}": _single(seed) for seed in SEEDS[1:]})


def report(results, epochs, command):
    lines = ["# Data-parallel TiCoSeRec on Amazon Beauty", "",
             f"Command: `{command}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores; torch "
             f"{torch.__version__}, 1 thread per process. TiCoSeRec (width 64, two "
             f"layers), {epochs} epochs, global batch 256, Adam 1e-3, contrastive from "
             "epoch 6; leave-one-out test on 22,363 users, full ranking, seen items "
             "excluded.", "",
             "| run | wall s | " + " | ".join(COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for name, r in results.items():
        lines.append(f"| {name} | {r['seconds']:.0f} | "
                     + " | ".join(f"{r['metrics'][c]:.4f}" for c in COLUMNS) + " |")
    if all(n in results for n in RUNS):
        ddp = results[f"2 processes, seed {SEEDS[0]}"]
        single = [results[f"1 process, seed {seed}"] for seed in SEEDS]
        ndcg = [r["metrics"]["ndcg@10"] for r in single]
        two = ddp["metrics"]["ndcg@10"]
        holds = two >= min(ndcg) - 0.001
        lines += [
            "", f"Two processes against one: NDCG@10 {two:.4f} against {ndcg[0]:.4f} "
            f"for one process with the same seed ({two - ndcg[0]:+.4f}); one process "
            f"over {len(SEEDS)} seeds spans {min(ndcg):.4f} to {max(ndcg):.4f}.",
            "", "Claim: data-parallel training reaches the quality of one process (NDCG@10 "
            "at least the lowest single-process seed's, less 0.001): "
            + ("holds." if holds else "does not hold.")
            + (" The two-process run is above every single-process seed; with "
               f"{len(SEEDS)} seeds that may still be chance, so it is not a claim that "
               "two processes train better." if two > max(ndcg) else ""),
            "", f"Wall time: two processes of one thread {ddp['seconds']:.0f} s against "
            f"one process of one thread {single[0]['seconds']:.0f} s (the two processes "
            "use both cores; `benchmarks/results/scale.md` compares them with one "
            "process of two threads)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--checkpoint", default=str(RESULTS / "data_parallel_checkpoint.json"))
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    ckpt = Path(args.checkpoint)
    results = json.loads(ckpt.read_text()) if ckpt.exists() else {}
    if results.get("epochs") != args.epochs:
        results = {"epochs": args.epochs, "runs": {}}
    for name, run in RUNS.items():
        if name in results["runs"]:
            print(f"{name}: done (checkpoint)", flush=True)
            continue
        print(f"{name}: training {args.epochs} epochs ...", flush=True)
        results["runs"][name] = run(args.epochs)
        m = results["runs"][name]["metrics"]
        print(f"{name}: NDCG@10 {m['ndcg@10']:.4f} HIT@10 {m['hit@10']:.4f} "
              f"({results['runs'][name]['seconds']:.0f} s)", flush=True)
        if not args.no_write:
            ckpt.parent.mkdir(exist_ok=True)
            ckpt.write_text(json.dumps(results, indent=1))
    command = "python " + " ".join(map(shlex.quote, sys.argv))
    text = report(results["runs"], args.epochs, command)
    print(text)
    if not args.no_write:
        (RESULTS / "data_parallel.md").write_text(text)
        (RESULTS / "data_parallel.json").write_text(json.dumps(
            dict(results, command=command), indent=1))


if __name__ == "__main__":
    main()
