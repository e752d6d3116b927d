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

from skrec.multitask import MultiTaskNet  # noqa: E402
from skrec.recommenders import CoSeRec, SASRec  # noqa: E402
from skrec.regression import ConRRegressor  # noqa: E402

from .recommenders._synthetic import cyclic_frame  # noqa: E402

# One global batch of 32 rows: 16 per process. Cross-entropy (no sampled
# negatives) and no dropout, so that both runs draw nothing at random; plain
# SGD, so that float rounding is not magnified (Adam divides tiny gradients by
# their own size).
SAS = dict(hidden_size=16, n_heads=2, inner_size=32, n_layers=1, max_seq_length=10,
           hidden_dropout=0.0, attn_dropout=0.0, loss="ce", batch_size=32, lr=0.1,
           optimizer=torch.optim.SGD, weight_decay=0.0, max_epochs=2,
           train_split=None, verbose=0, random_state=0)
MTL = dict(tasks=["binary", "regression"], hidden_units=(8,), tower_units=(4,),
           batch_size=32, lr=0.1, optimizer=torch.optim.SGD, max_epochs=2, verbose=0,
           random_state=0)


class _RowCounter(Callback):
    """Rows of the training batches this process saw."""

    def on_train_begin(self, net, **kwargs):
        self.rows = 0

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            X = batch[0]
            self.rows += len(X["input_ids"] if isinstance(X, dict) else X)


class AccSASRec(AccelerateMixin, SASRec):
    pass


class AccMultiTaskNet(AccelerateMixin, MultiTaskNet):
    pass


class AccConR(AccelerateMixin, ConRRegressor):
    pass


def _mtl_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 4)).astype("float32")
    y = np.column_stack([(X[:, 0] > 0).astype(float), X[:, 1] * 2])
    return X, y


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
    from accelerate import Accelerator

    accelerator = Accelerator(cpu=True)
    X, y = cyclic_frame(256, seed=0, min_len=6, max_len=6)
    sas = AccSASRec(accelerator=accelerator, callbacks=[("rows", _RowCounter())],
                    **SAS).fit(X, y)
    Xm, ym = _mtl_data()
    mtl = AccMultiTaskNet(accelerator=accelerator, callbacks=[("rows", _RowCounter())],
                          **MTL).fit(Xm, ym)
    # ConRRegressor keeps skorch's DataLoader, which accelerate shards itself
    conr = AccConR(accelerator=accelerator, conr_weight=0.0, max_epochs=2, batch_size=32,
                   callbacks=[("rows", _RowCounter())], verbose=0,
                   random_state=0).fit(Xm, ym[:, 1])
    rows = {"sas": dict(sas.callbacks_)["rows"].rows,
            "mtl": dict(mtl.callbacks_)["rows"].rows,
            "conr": dict(conr.callbacks_)["rows"].rows}
    torch.save(rows, os.path.join(out_dir, f"rows{rank}.pt"))
    if rank == 0:
        torch.save({"sas": sas.module_.state_dict(), "mtl": mtl.module_.state_dict(),
                    "rec": sas.recommend(X.iloc[:20], k=3)},
                   os.path.join(out_dir, "weights.pt"))


def test_two_processes_train_like_one_with_the_same_global_batch(tmp_path):
    torch.multiprocessing.start_processes(
        _worker, args=(_free_port(), str(tmp_path)), nprocs=2, start_method="spawn")
    got = torch.load(tmp_path / "weights.pt", weights_only=False)
    # each process trained on half of the rows: 256 rows x 2 epochs / 2
    for rank in (0, 1):
        rows = torch.load(tmp_path / f"rows{rank}.pt")
        assert rows == {"sas": 256, "mtl": 256, "conr": 256}
    X, y = cyclic_frame(256, seed=0, min_len=6, max_len=6)
    sas = SASRec(**SAS).fit(X, y)
    for name, value in sas.module_.state_dict().items():
        torch.testing.assert_close(got["sas"][name], value, atol=1e-6, rtol=1e-5,
                                   msg=f"SASRec {name}")
    np.testing.assert_array_equal(got["rec"], sas.recommend(X.iloc[:20], k=3))
    Xm, ym = _mtl_data()
    mtl = MultiTaskNet(**MTL).fit(Xm, ym)
    for name, value in mtl.module_.state_dict().items():
        torch.testing.assert_close(got["mtl"][name], value, atol=1e-6, rtol=1e-5,
                                   msg=f"MultiTaskNet {name}")


def test_configurations_with_their_own_backward_are_refused():
    from accelerate import Accelerator

    class AccCoSeRec(AccelerateMixin, CoSeRec):
        pass

    X, y = cyclic_frame(40, seed=0)
    with pytest.raises(NotImplementedError, match="own training step"):
        AccCoSeRec(accelerator=Accelerator(cpu=True), **SAS).fit(X, y)
    from skrec.optim import AdaTaskAdam

    Xm, ym = _mtl_data()
    with pytest.raises(NotImplementedError, match="AdaTask"):
        AccMultiTaskNet(accelerator=Accelerator(cpu=True),
                        **{**MTL, "optimizer": AdaTaskAdam}).fit(Xm, ym)
    with pytest.raises(NotImplementedError, match="ConR term"):
        AccConR(accelerator=Accelerator(cpu=True), verbose=0).fit(Xm, ym[:, 1])
