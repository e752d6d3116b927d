"""Data-parallel training under skorch's AccelerateMixin: 2 CPU processes (gloo).

Two processes share every global batch (each trains on its half, gradients
averaged by DistributedDataParallel); the weights after training must equal
those of one process training on the whole batches, within float tolerance.
"""

import os
import socket

import numpy as np
import pytest
import torch

pytest.importorskip("accelerate")

from skorch.callbacks import Callback  # noqa: E402
from skorch.hf import AccelerateMixin  # noqa: E402

from skrec.augmentation import BaseSequenceAugmenter  # noqa: E402
from skrec.losses import ConRLoss, info_nce  # noqa: E402
from skrec.multitask import MultiTaskNet  # noqa: E402
from skrec.optim import AdaTaskAdam  # noqa: E402
from skrec.recommenders import BERT4Rec, CoSeRec, SASRec  # noqa: E402
from skrec.regression import FDS, ConRRegressor  # noqa: E402
from skrec.sequence import Ragged, make_sequence_frame  # noqa: E402
from skrec.utils._distributed import gather_rows  # noqa: E402

from .recommenders._synthetic import cyclic_frame  # noqa: E402

# One global batch of 32 rows: 16 per process. Cross-entropy (no sampled
# negatives) and no dropout, so that both runs draw nothing at random; plain
# SGD, so that float rounding is not magnified (Adam divides tiny gradients by
# their own size). Rows of different lengths: the loss of a process is
# normalised by the global number of targets.
SAS = dict(hidden_size=16, n_heads=2, inner_size=32, n_layers=1, max_seq_length=10,
           hidden_dropout=0.0, attn_dropout=0.0, loss="ce", batch_size=32, lr=0.1,
           optimizer=torch.optim.SGD, weight_decay=0.0, max_epochs=2,
           train_split=None, verbose=0, random_state=0)
MTL = dict(tasks=["binary", "regression"], hidden_units=(8,), tower_units=(4,),
           batch_size=32, lr=0.1, optimizer=torch.optim.SGD, max_epochs=2, verbose=0,
           random_state=0)
# Multi-task configurations whose steps go beyond one backward pass: each
# must train in two processes as in one (the same global batches).
MTL_VARIANTS = {
    "plain": {},
    "missing labels + uncertainty": {"loss_weighting": "uncertainty"},
    "pcgrad": {"loss_weighting": "pcgrad"},
    # 225 rows: process 1's share of the last batch (1 row) is empty
    "uneven + gradnorm": {"loss_weighting": "gradnorm"},
    "gradnorm": {"loss_weighting": "gradnorm"},
    "htl": {"gradient_adjustment": "htl"},
    "adatask": {"optimizer": AdaTaskAdam, "lr": 0.01},
}


class _MaskFirst(BaseSequenceAugmenter):
    """Deterministic view: the first item masked (rows of one item kept)."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _transform_ragged(self, ragged, rng):
        first = np.zeros(len(ragged.items), dtype=bool)
        long = ragged.lengths > 1
        first[ragged.offsets[:-1][long]] = True
        return Ragged(np.where(first, 0, ragged.items), ragged.timestamps,
                      ragged.offsets)


# Contrastive SASRec with deterministic views: two processes must train as
# one (InfoNCE over the gathered views of the whole global batch). Random
# batches: each process's mean is over its own number of targets.
COS = dict(SAS, augmenter=_MaskFirst(), cf_weight=0.5, model_warm_up_epochs=0,
           batching="random")


def _identity(x):
    return x


class _RowCounter(Callback):
    """Rows of the training batches this process saw (and, for sequences,
    which: the items of every row, per epoch)."""

    def on_train_begin(self, net, **kwargs):
        self.rows = 0
        self.epochs = []

    def on_epoch_begin(self, net, **kwargs):
        self.epochs.append([])

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            X = batch[0]
            self.rows += len(X["input_ids"] if isinstance(X, dict) else X)
            if isinstance(X, dict):
                self.epochs[-1] += [tuple(r[r > 0].tolist()) for r in X["input_ids"]]
            else:
                self.epochs[-1] += [tuple(r.tolist()) for r in X]


class AccSASRec(AccelerateMixin, SASRec):
    pass


class AccCoSeRec(AccelerateMixin, CoSeRec):
    pass


class AccBERT4Rec(AccelerateMixin, BERT4Rec):
    pass


class AccMultiTaskNet(AccelerateMixin, MultiTaskNet):
    pass


class AccConR(AccelerateMixin, ConRRegressor):
    pass


def _seq_data():
    return cyclic_frame(256, seed=0, min_len=3, max_len=8)


def _odd_data():
    return cyclic_frame(225, seed=1, min_len=3, max_len=8)


def _random_rows():
    """Rows of random items from 30: distinct rows (the items of a row say
    which row it is), and negatives often drawn again (they hit the row's
    items), so that processes use different amounts of randomness."""
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 31, n) for n in rng.integers(4, 9, 256)]
    return make_sequence_frame(seqs, [np.arange(len(s)) for s in seqs])


def _mtl_data(missing=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 4)).astype("float32")
    y = np.column_stack([(X[:, 0] > 0).astype(float), X[:, 1] * 2])
    if missing:  # a third of each task's labels missing, unevenly over rows
        y[rng.random(y.shape) < np.linspace(0.1, 0.6, 256)[:, None]] = np.nan
    return X, y


def _mtl_fit(cls, name, **kwargs):
    X, y = _mtl_data(missing=name.startswith("missing"))
    if name.startswith("uneven"):
        X, y = X[:225], y[:225]
    return cls(**{**MTL, **MTL_VARIANTS[name], **kwargs}).fit(X, y)


def _pairwise_gradients(net, X, W):
    """InfoNCE and ConR of X @ W (rows gathered); DDP's averaged gradient."""
    W = W.clone().requires_grad_(True)
    z = X @ W
    views = gather_rows(net, z.view(2, -1, 3).transpose(0, 1)).transpose(0, 1)
    loss = info_nce(views[0], views[1], 0.5)
    y = (X[:, 0] * 2).round()  # labels travel with their rows
    loss = loss + ConRLoss()(*gather_rows(net, z, y, z[:, 0]))
    loss.backward()
    grad = W.grad
    if getattr(net, "accelerator", None) is not None:
        torch.distributed.all_reduce(grad)  # what DDP does
        grad = grad / 2
    return loss.detach(), grad


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2",
                      RANK=str(rank), LOCAL_RANK=str(rank),
                      # gloo on the loopback device: no name resolution needed
                      GLOO_SOCKET_IFNAME="lo",
                      # one thread per process (accelerate would set 2)
                      OMP_NUM_THREADS="1")
    torch.set_num_threads(1)
    from types import SimpleNamespace

    from accelerate import Accelerator

    accelerator = Accelerator(cpu=True)
    out = {}
    # gather_rows on each process's half of 16 rows (two views of 8 rows)
    X = torch.from_numpy(np.random.default_rng(1).normal(size=(16, 4)).astype("float32"))
    W = torch.from_numpy(np.random.default_rng(2).normal(size=(4, 3)).astype("float32"))
    half = torch.cat([X[:8][rank::2], X[8:][rank::2]])
    out["pairwise"] = _pairwise_gradients(SimpleNamespace(accelerator=accelerator),
                                          half, W)
    counter = [("rows", _RowCounter())]
    X, y = _seq_data()
    sas = AccSASRec(accelerator=accelerator, callbacks=counter, **SAS).fit(X, y)
    cos = AccCoSeRec(accelerator=accelerator, **COS).fit(X, y)
    # views encoded in a second forward pass (flattened representation)
    flat = AccCoSeRec(accelerator=accelerator, cl_representation="flatten",
                      **COS).fit(X, y)
    out["flat"] = flat.module_.state_dict()
    # 225 rows: the last global batch holds one row, and process 1 trains on
    # none of it (its step still takes part in the collectives)
    odd = AccCoSeRec(accelerator=accelerator, **COS).fit(*_odd_data())
    out["odd"] = odd.module_.state_dict()
    bert = AccBERT4Rec(accelerator=accelerator, mask_prob=0.3,
                       **{**SAS, "loss": "bce"}).fit(X, y)
    # sampled negatives come from each process's own generator: the shared
    # one stays in step, so that a later call still splits the same batches
    bce = AccSASRec(accelerator=accelerator, callbacks=[("rows", _RowCounter())],
                    **{**SAS, "loss": "bce"}).fit(_random_rows())
    bce.partial_fit(_random_rows())
    # no random_state: process 0's seed is sent to the other process
    fresh = AccSASRec(accelerator=accelerator, callbacks=[("rows", _RowCounter())],
                      **{**SAS, "random_state": None}).fit(_random_rows())
    out["fresh_rows"] = dict(fresh.callbacks_)["rows"].epochs
    # dropout draws different amounts of torch randomness on shares of
    # different sizes; the batch order must not follow
    Xd, yd = _mtl_data()
    drop = AccMultiTaskNet(accelerator=accelerator, callbacks=[("rows", _RowCounter())],
                           **{**MTL, "dropout": 0.3, "max_epochs": 3,
                              "random_state": None}).fit(Xd[:225], yd[:225])
    out["dropout_rows"] = dict(drop.callbacks_)["rows"].epochs
    out["bce_rows"] = dict(bce.callbacks_)["rows"].epochs
    out["rows"] = {"sas": dict(sas.callbacks_)["rows"].rows}
    out["sas"] = sas.module_.state_dict()
    out["rec"] = sas.recommend(X.iloc[:20], k=3)
    out["cos"] = cos.module_.state_dict()
    out["cl_loss"] = cos.history[-1, "cl_loss"]
    out["bert"] = bert.module_.state_dict()
    for name in MTL_VARIANTS:
        mtl = _mtl_fit(AccMultiTaskNet, name, accelerator=accelerator,
                       callbacks=[("rows", _RowCounter())])
        out["rows"][name] = dict(mtl.callbacks_)["rows"].rows
        out[name] = {k: v.clone() for k, v in mtl.module_.state_dict().items()}
        strategy = mtl.loss_weighting_
        out[name + " weighting"] = None if strategy is None else strategy.weights()
    # ConRRegressor keeps skorch's DataLoader, which accelerate shards itself;
    # the ConR term, RankSim and FDS see the rows of both processes
    Xm, ym = _mtl_data()
    conr = AccConR(accelerator=accelerator, conr_weight=1.0, ranksim_weight=1.0,
                   augmentation=_identity, fds=FDS(bins=10, start_smooth=1),
                   max_epochs=3, batch_size=32, callbacks=[("rows", _RowCounter())],
                   verbose=0, random_state=0).fit(Xm, ym[:, 1])
    out["rows"]["conr"] = dict(conr.callbacks_)["rows"].rows
    out["conr"] = conr.module_.state_dict()
    out["conr_terms"] = (conr.history[-1, "batches", -1, "train_conr"],
                         conr.history[-1, "batches", -1, "train_ranksim"])
    out["fds"] = conr.fds_.running_mean_
    torch.save(out, os.path.join(out_dir, f"rank{rank}.pt"))


def _assert_same(got, want, what):
    for name, value in want.items():
        torch.testing.assert_close(got[name], value, atol=1e-6, rtol=1e-5,
                                   msg=f"{what}: {name}")


def test_two_processes_train_like_one_with_the_same_global_batch(tmp_path):
    torch.multiprocessing.start_processes(
        _worker, args=(_free_port(), str(tmp_path)), nprocs=2, start_method="spawn")
    got = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in (0, 1)]
    # each process trained on half of the rows: 256 rows x 2 epochs / 2 (3
    # epochs for ConRRegressor)
    for rank in (0, 1):
        assert got[rank]["rows"] == {"sas": 256, **dict.fromkeys(MTL_VARIANTS, 256),
                                     "uneven + gradnorm": 226 - 2 * rank, "conr": 384}
    # a pairwise loss over the gathered rows is the whole batch's, and the
    # averaged gradient is its gradient
    X = torch.from_numpy(np.random.default_rng(1).normal(size=(16, 4)).astype("float32"))
    W = torch.from_numpy(np.random.default_rng(2).normal(size=(4, 3)).astype("float32"))
    # each view's gathered rows are rank 0's then rank 1's: the same batch
    # reordered (ConR does not depend on the order of the rows)
    order = torch.cat([torch.arange(0, 8, 2), torch.arange(1, 8, 2),
                       torch.arange(8, 16, 2), torch.arange(9, 16, 2)])
    loss, grad = _pairwise_gradients(None, X[order], W)
    for rank in (0, 1):
        torch.testing.assert_close(got[rank]["pairwise"][0], loss)
        torch.testing.assert_close(got[rank]["pairwise"][1], grad)
    X, y = _seq_data()
    sas = SASRec(**SAS).fit(X, y)
    _assert_same(got[0]["sas"], sas.module_.state_dict(), "SASRec")
    np.testing.assert_array_equal(got[0]["rec"], sas.recommend(X.iloc[:20], k=3))
    cos = CoSeRec(**COS).fit(X, y)
    assert got[0]["cl_loss"] > 0
    _assert_same(got[0]["cos"], cos.module_.state_dict(), "CoSeRec")
    flat = CoSeRec(cl_representation="flatten", **COS).fit(X, y)
    _assert_same(got[0]["flat"], flat.module_.state_dict(), "CoSeRec, flatten")
    odd = CoSeRec(**COS).fit(*_odd_data())
    _assert_same(got[0]["odd"], odd.module_.state_dict(), "CoSeRec, uneven batches")
    for name in MTL_VARIANTS:
        mtl = _mtl_fit(MultiTaskNet, name)
        _assert_same(got[0][name], mtl.module_.state_dict(), f"MultiTaskNet {name}")
        if mtl.loss_weighting_ is not None and mtl.loss_weighting_.weights() is not None:
            np.testing.assert_allclose(got[0][name + " weighting"],
                                       mtl.loss_weighting_.weights(), rtol=1e-5)
    # random draws (BERT4Rec's masks, ConR's views) differ between the
    # processes, so those runs differ from one process; DDP keeps the
    # processes' weights identical
    for key in ("bert", "conr", "fds"):
        a, b = got[0][key], got[1][key]
        if isinstance(a, dict):
            _assert_same(b, a, key)
        else:
            torch.testing.assert_close(b, a)
    assert all(term > 0 for term in got[0]["conr_terms"])
    # with sampled negatives the processes still split the same batches in a
    # second call: every epoch, together, they see every training row once
    rows = sorted(tuple(r[:-1].tolist()) for r in _random_rows()["items"])
    assert len(set(rows)) == 256
    assert len(got[0]["bce_rows"]) == 2
    for a, b in zip(got[0]["bce_rows"], got[1]["bce_rows"]):
        assert sorted(a + b) == rows
    # the same without random_state, and for MultiTaskNet with dropout on
    # uneven shares
    assert len(got[0]["fresh_rows"]) == 2
    for a, b in zip(got[0]["fresh_rows"], got[1]["fresh_rows"]):
        assert sorted(a + b) == rows
    Xd = _mtl_data()[0][:225]
    mtl_rows = sorted(tuple(r) for r in Xd.tolist())
    assert len(got[0]["dropout_rows"]) == 3
    for a, b in zip(got[0]["dropout_rows"], got[1]["dropout_rows"]):
        assert sorted(a + b) == mtl_rows


def test_per_task_gradients_refuse_loss_scaling_they_cannot_see():
    from accelerate import Accelerator

    X, y = _mtl_data()
    net = AccMultiTaskNet(accelerator=Accelerator(cpu=True, gradient_accumulation_steps=2),
                          **{**MTL, "loss_weighting": "pcgrad"})
    with pytest.raises(NotImplementedError, match="gradient_accumulation_steps=1"):
        net.fit(X, y)
    # one backward pass: gradient accumulation is fine
    net.set_params(loss_weighting="uncertainty", max_epochs=1).fit(X, y)
    assert np.isfinite(net.history[-1, "train_loss"])


def test_tensors_follow_the_accelerator_when_device_is_none():
    from accelerate import Accelerator

    accelerator = Accelerator(cpu=True)
    # AccelerateMixin's default device=None: the accelerator places the module
    assert AccSASRec(accelerator=accelerator).device is None
    for cls in (AccSASRec, AccMultiTaskNet, AccConR):
        assert cls(accelerator=accelerator)._device == accelerator.device
    assert AccSASRec(accelerator=accelerator, device="cpu")._device == "cpu"
    assert SASRec(device="meta")._device == "meta"


def test_accelerated_classes_keep_the_skrec_training_step():
    # AccelerateMixin's generic step (infer + get_loss + backward) would drop
    # the views, masks and per-task gradients
    for acc, own in [(AccSASRec, SASRec), (AccCoSeRec, CoSeRec),
                     (AccBERT4Rec, BERT4Rec), (AccMultiTaskNet, MultiTaskNet),
                     (AccConR, ConRRegressor)]:
        assert acc.train_step_single.__wrapped__ is next(
            k.__dict__["train_step_single"] for k in own.__mro__
            if "train_step_single" in k.__dict__)
