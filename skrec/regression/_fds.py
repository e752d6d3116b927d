"""Feature distribution smoothing (FDS) for deep imbalanced regression."""

import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

from skrec.regression._lds import _kernel_window

__all__ = ["FDS"]


class FDS(BaseEstimator):
    """Feature distribution smoothing (Yang et al., 2021), an opt-in layer.

    Features of samples with close targets should have close statistics; with
    few samples per target the per-target statistics are noisy. FDS keeps,
    per target bin, a running mean and variance of every feature dimension
    (updated at the end of each epoch from that epoch's features, with
    ``momentum``), smooths them across neighbouring bins with a symmetric
    kernel (the LDS windows, normalised to sum 1, reflect padding), and during
    training re-calibrates each feature from its bin's statistics to the
    smoothed ones: ``z' = (z - mu_b) sqrt(clip(s~_b / s_b)) + mu~_b`` (the
    variance ratio clipped to ``clip``), using the statistics of the previous
    epoch. Nothing changes at prediction time. Written from the paper and
    checked against its authors' code (YyzHarry/imbalanced-regression,
    ``fds.py``).

    Pass it as ``ConRRegressor(fds=FDS())``: the net clones it into ``fds_``
    at the start of every fit, smooths the encoder's features before the head
    (the module needs a ``head``, as :class:`ConRMLP` has) and updates the
    statistics from its ``on_epoch_end`` callback.

    Parameters
    ----------
    bins : int, default=50
        Equal-width bins over the training targets' range.
    kernel : {"gaussian", "triang", "laplace"}, default="gaussian"
    kernel_size : int, default=5
        Odd window length in bins.
    sigma : float, default=2.0
    momentum : float in [0, 1), default=0.9
        Weight of the previous running statistics.
    start_smooth : int, default=1
        First epoch (0-based) whose features are calibrated; the statistics
        of the epochs before it are only collected.
    clip : tuple of float, default=(0.1, 10.0)
        Bounds of the variance ratio.

    Attributes
    ----------
    edges_ : tuple of float
        ``(low, width)`` of the bins.
    running_mean_, running_var_ : torch.Tensor of shape (bins, dim)
    smoothed_mean_, smoothed_var_ : torch.Tensor of shape (bins, dim)
        The statistics after the last finished epoch.
    epoch_ : int
        Finished epochs.

    References
    ----------
    .. [1] Y. Yang, K. Zha, Y.-C. Chen, H. Wang and D. Katabi, "Delving into
       Deep Imbalanced Regression", ICML 2021.
    """

    _parameter_constraints = {
        "bins": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel": [StrOptions({"gaussian", "triang", "laplace"})],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
        "momentum": [Interval(numbers.Real, 0, 1, closed="left")],
        "start_smooth": [Interval(numbers.Integral, 0, None, closed="left")],
        "clip": ["array-like"],
    }

    def __init__(self, bins=50, kernel="gaussian", kernel_size=5, sigma=2.0,
                 momentum=0.9, start_smooth=1, clip=(0.1, 10.0)):
        self.bins = bins
        self.kernel = kernel
        self.kernel_size = kernel_size
        self.sigma = sigma
        self.momentum = momentum
        self.start_smooth = start_smooth
        self.clip = clip

    def start(self, y_train, dim, device="cpu"):
        """Reset the statistics for targets ``y_train`` and features of ``dim``."""
        self._validate_params()
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd; got {self.kernel_size!r}.")
        try:
            lo, hi = (float(c) for c in self.clip)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"clip must be a pair (low, high); got {self.clip!r}.") from exc
        if not 0 < lo <= hi:
            raise ValueError(f"clip must satisfy 0 < low <= high; got {self.clip!r}.")
        y = np.asarray(y_train, dtype=np.float64).ravel()
        lo, hi = float(y.min()), float(y.max())
        self.edges_ = (lo, (hi - lo) / self.bins if hi > lo else 1.0)
        window = _kernel_window(self.kernel, self.kernel_size, self.sigma)
        self._window = torch.as_tensor(window / window.sum(), dtype=torch.float32,
                                       device=device)
        zeros = torch.zeros(self.bins, dim, device=device)
        self.running_mean_, self.running_var_ = zeros.clone(), torch.ones_like(zeros)
        self.smoothed_mean_, self.smoothed_var_ = zeros.clone(), torch.ones_like(zeros)
        self._reset_sums(dim, device)
        self.epoch_ = 0
        return self

    def _reset_sums(self, dim, device):
        self._sum = torch.zeros(self.bins, dim, device=device)
        self._sq = torch.zeros(self.bins, dim, device=device)
        self._count = torch.zeros(self.bins, device=device)

    def bin_of(self, y):
        """Bin of every target (clipped to the training range)."""
        lo, width = self.edges_
        idx = torch.floor((y.reshape(-1).to(torch.float64) - lo) / width).long()
        return idx.clamp(0, self.bins - 1)

    @property
    def active(self):
        """Whether training features are calibrated in the current epoch."""
        return self.epoch_ >= max(self.start_smooth, 1)

    def accumulate(self, features, y):
        """Add a batch's (detached) features to the epoch's per-bin sums."""
        b = self.bin_of(y)
        f = features.detach().reshape(len(b), -1).to(self._sum.dtype)
        self._sum.index_add_(0, b, f)
        self._sq.index_add_(0, b, f * f)
        self._count.index_add_(0, b, torch.ones_like(b, dtype=self._count.dtype))

    def smooth(self, features, y):
        """Calibrate features of targets ``y`` to the smoothed statistics."""
        if not self.active:
            return features
        b = self.bin_of(y)
        m1, v1 = self.running_mean_[b], self.running_var_[b]
        m2, v2 = self.smoothed_mean_[b], self.smoothed_var_[b]
        lo, hi = self.clip
        valid = v1 > 0
        ratio = torch.where(valid, v2 / torch.where(valid, v1, torch.ones_like(v1)),
                            torch.ones_like(v1)).clamp(lo, hi)
        out = (features - m1) * ratio.sqrt() + m2
        return torch.where(valid, out, features)

    def epoch_end(self, reduce=None):
        """Fold the epoch's statistics into the running ones, then smooth them.

        Parameters
        ----------
        reduce : callable or None, default=None
            Applied to each of the epoch's per-bin sums (features, squares,
            counts) before they are folded in; in data-parallel training, the
            sum over the processes.
        """
        if reduce is not None:
            self._sum, self._sq, self._count = (
                reduce(self._sum), reduce(self._sq), reduce(self._count))
        seen = self._count > 0
        count = self._count.clamp_min(1)[:, None]
        mean = self._sum / count
        # Unbiased variance, as torch.var in the reference (1 sample: 0).
        var = (self._sq - count * mean * mean) / (count - 1).clamp_min(1)
        var = var.clamp_min(0)
        if self.epoch_ == 0:
            new_mean, new_var = mean, torch.where(seen[:, None], var, self.running_var_)
        else:
            new_mean = self.momentum * self.running_mean_ + (1 - self.momentum) * mean
            new_var = self.momentum * self.running_var_ + (1 - self.momentum) * var
        self.running_mean_ = torch.where(seen[:, None], new_mean, self.running_mean_)
        self.running_var_ = torch.where(seen[:, None], new_var, self.running_var_)
        self.smoothed_mean_ = self._convolve(self.running_mean_)
        self.smoothed_var_ = self._convolve(self.running_var_)
        self._reset_sums(self._sum.shape[1], self._sum.device)
        self.epoch_ += 1

    def _convolve(self, stats):
        """Smooth (bins, dim) statistics across bins, reflect padding."""
        half = (len(self._window) - 1) // 2
        x = stats.T[:, None, :]  # (dim, 1, bins)
        if half:
            mode = "reflect" if stats.shape[0] > half else "replicate"
            x = torch.nn.functional.pad(x, (half, half), mode=mode)
        out = torch.nn.functional.conv1d(x, self._window.flip(0)[None, None, :])
        return out[:, 0, :].T
