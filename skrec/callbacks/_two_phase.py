"""Two-phase training: balanced first, then fine-tuning on the natural data."""

import numbers

from skorch.callbacks import Callback

from skrec.callbacks._cooldown import (
    _check_epoch,
    _check_positive_temperature,
    _train_sampler,
)

__all__ = ["TwoPhaseTraining"]


class TwoPhaseTraining(Callback):
    """Train on balanced batches, then fine-tune on the original distribution.

    Buda et al. (2018) found random oversampling to full balance the best single
    remedy for class imbalance in CNNs, and studied two-phase training: first
    train on a balanced resample, then fine-tune on the original data, either
    the whole network or only its output layer.

    As a skorch callback this works through the net's training sampler (a
    :class:`~skrec.sampling.TemperatureBatchSampler` given as
    ``iterator_train__sampler``): in phase 1 (epochs before ``switch_epoch``)
    its temperature is ``balanced_temperature`` (``np.inf``: every class drawn
    equally often, i.e. random oversampling to full balance in expectation); in
    phase 2 it is ``natural_temperature`` (1: the original class distribution)
    and, with ``fine_tune="output"``, every parameter outside the output layer
    is frozen. The history column ``"phase"`` records 1 or 2. The original
    ``requires_grad`` flags and learning rates are restored when training ends.

    Resampling offline gives the exact variant without a callback: fit the net
    on ``imblearn.over_sampling.RandomOverSampler().fit_resample(X, y)``, then
    continue with ``net.partial_fit(X, y)`` on the original data.

    Parameters
    ----------
    switch_epoch : int, default=None
        First epoch (1-based) of phase 2. None: ``max_epochs // 2 + 1``.
    fine_tune : {"all", "output"}, default="all"
        Fine-tune the whole network or only the output layer in phase 2.
    output_module : str, default=None
        Dotted name (as in ``net.module_.named_modules()``) of the output layer
        trained in phase 2 with ``fine_tune="output"``. None: the last
        submodule that owns parameters.
    fine_tune_lr : float, default=None
        Learning rate of phase 2; None keeps the optimizer's.
    balanced_temperature : float, default=np.inf
        Sampler temperature of phase 1.
    natural_temperature : float, default=1.0
        Sampler temperature of phase 2.
    sampler : object, default=None
        The sampler to control; None uses the net's ``iterator_train__sampler``.

    See Also
    --------
    skrec.callbacks.Cooldown : Gradually lower the temperature instead.
    skrec.calibration.PriorCorrectionClassifier : Buda et al.'s thresholding.

    References
    ----------
    .. [1] M. Buda, A. Maki and M. A. Mazurowski, "A systematic study of the
       class imbalance problem in convolutional neural networks", Neural
       Networks 106, 2018 (arXiv:1710.05381).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> from skrec.callbacks import TwoPhaseTraining
    >>> from skrec.sampling import TemperatureBatchSampler
    >>> X = np.random.default_rng(0).normal(size=(60, 3)).astype("float32")
    >>> y = (X[:, 0] > 1).astype("int64")
    >>> module = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(),
    ...                              torch.nn.Linear(8, 2))
    >>> net = NeuralNetClassifier(
    ...     module, criterion=torch.nn.CrossEntropyLoss, max_epochs=4,
    ...     train_split=None, verbose=0,
    ...     iterator_train__sampler=TemperatureBatchSampler(y, random_state=0),
    ...     callbacks=[TwoPhaseTraining(switch_epoch=3, fine_tune="output")])
    >>> net = net.fit(X, y)
    >>> net.history[:, "phase"], net.history[:, "temperature"]
    ([1, 1, 2, 2], [inf, inf, 1.0, 1.0])
    """

    def __init__(
        self,
        switch_epoch=None,
        fine_tune="all",
        output_module=None,
        fine_tune_lr=None,
        balanced_temperature=float("inf"),
        natural_temperature=1.0,
        sampler=None,
    ):
        self.switch_epoch = switch_epoch
        self.fine_tune = fine_tune
        self.output_module = output_module
        self.fine_tune_lr = fine_tune_lr
        self.balanced_temperature = balanced_temperature
        self.natural_temperature = natural_temperature
        self.sampler = sampler

    def _validate(self):
        _check_epoch(self.switch_epoch, "switch_epoch")
        if self.fine_tune not in ("all", "output"):
            raise ValueError(
                f"fine_tune must be 'all' or 'output', got {self.fine_tune!r}."
            )
        if self.output_module is not None and not isinstance(self.output_module, str):
            raise TypeError(
                f"output_module must be a module name (str) or None, got "
                f"{self.output_module!r}."
            )
        if self.fine_tune_lr is not None and (
            isinstance(self.fine_tune_lr, bool)
            or not isinstance(self.fine_tune_lr, numbers.Real)
            or not self.fine_tune_lr > 0
        ):
            raise ValueError(
                f"fine_tune_lr must be a number > 0 or None, got {self.fine_tune_lr!r}."
            )
        _check_positive_temperature(self.balanced_temperature, "balanced_temperature")
        _check_positive_temperature(self.natural_temperature, "natural_temperature")

    def initialize(self):
        """Validate the parameters (called by the net's ``initialize``)."""
        self._validate()
        return self

    def _output_prefix(self, module):
        if self.output_module is not None:
            names = dict(module.named_modules())
            if self.output_module not in names:
                raise ValueError(
                    f"output_module={self.output_module!r} is not a submodule of "
                    f"the net's module; choose one of {sorted(n for n in names if n)}."
                )
            return self.output_module
        owners = [
            name
            for name, sub in module.named_modules()
            if any(True for _ in sub.parameters(recurse=False))
        ]
        if not owners:
            raise ValueError("The net's module has no parameters to fine-tune.")
        return owners[-1]

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._validate()
        self.sampler_ = _train_sampler(net, self.sampler, type(self).__name__)
        module = net.module_
        self._requires_grad = {
            name: p.requires_grad for name, p in module.named_parameters()
        }
        self._lrs = [group["lr"] for group in net.optimizer_.param_groups]
        self.output_prefix_ = (
            self._output_prefix(module) if self.fine_tune == "output" else None
        )

    def _switch(self, net):
        if self.switch_epoch is not None:
            return self.switch_epoch
        return net.max_epochs // 2 + 1

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        phase = 1 if len(net.history) < self._switch(net) else 2
        if phase == 1:
            self.sampler_.temperature = self.balanced_temperature
        else:
            self.sampler_.temperature = self.natural_temperature
            if self.fine_tune == "output":
                prefix = self.output_prefix_
                for name, p in net.module_.named_parameters():
                    inside = prefix == "" or name.startswith(prefix + ".")
                    p.requires_grad_(inside and self._requires_grad[name])
            if self.fine_tune_lr is not None:
                for group in net.optimizer_.param_groups:
                    group["lr"] = self.fine_tune_lr
        net.history.record("phase", phase)
        net.history.record("temperature", float(self.sampler_.temperature))

    def on_train_end(self, net, X=None, y=None, **kwargs):
        for name, p in net.module_.named_parameters():
            if name in self._requires_grad:
                p.requires_grad_(self._requires_grad[name])
        for group, lr in zip(net.optimizer_.param_groups, self._lrs):
            group["lr"] = lr
