"""Cooldown: lower the sampling temperature during training."""

import numbers

import numpy as np
from skorch.callbacks import Callback

__all__ = ["Cooldown"]


def _train_sampler(net, sampler, owner):
    """Sampler whose ``temperature`` ``owner`` controls (given or the net's)."""
    if sampler is None:
        sampler = net.get_params_for("iterator_train").get("sampler")
    if sampler is None or not hasattr(sampler, "temperature"):
        raise ValueError(
            f"{owner} changes the temperature of the training sampler, but the net "
            f"has {'no sampler' if sampler is None else repr(sampler)}. Pass "
            "iterator_train__sampler=skrec.sampling.TemperatureBatchSampler(y_train) "
            "to the net (with train_split=None, so that its labels match the "
            f"training rows), or give {owner}(sampler=...)."
        )
    return sampler


def _check_positive_temperature(value, name):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or np.isnan(value)
        or value <= 0
    ):
        raise ValueError(
            f"{name} must be a number > 0 (np.inf allowed), got {value!r}."
        )
    return float(value)


def _check_epoch(value, name, allow_none=True):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1 or None, got {value!r}.")
    return int(value)


class Cooldown(Callback):
    """Lower the training sampler's temperature over epochs ("Cooldown").

    Temperature sampling with a high temperature converges fast on rare classes
    but repeats their examples and overfits them; "Upsample or Upweight?"
    (Li et al., 2025) therefore starts training at a high temperature and lowers
    it later ("Cooldown"). This callback sets the ``temperature`` of the net's
    training sampler (a :class:`~skrec.sampling.TemperatureBatchSampler` given
    as ``iterator_train__sampler``) at the beginning of every epoch and records
    it in the history column ``"temperature"``.

    With ``e`` the 1-based epoch, ``s = switch_epoch`` and ``d = decay_epochs``:

    - ``schedule="step"``: ``T = start_temperature`` for ``e < s``, then
      ``end_temperature``;
    - ``schedule="linear"``: ``start_temperature`` for ``e < s``, then
      ``start + (end - start) * min(1, (e - s + 1) / d)``, reaching
      ``end_temperature`` at epoch ``s + d - 1`` (``d = 1`` is the step).

    The paper prescribes the shape — heavy upsampling first, then gradually
    less — but its constants could not be checked here, so the start and end
    temperatures, the switch epoch and the shape are parameters; the defaults
    (5 -> 1, hot for the first half, then a linear decay reaching 1 at the last
    epoch) follow the usual multilingual temperature of 5.

    Parameters
    ----------
    start_temperature : float, default=5.0
        Temperature before ``switch_epoch`` (``> 0``; ``np.inf`` is uniform
        over classes).
    end_temperature : float, default=1.0
        Final temperature (1 is the natural distribution).
    switch_epoch : int, default=None
        First epoch (1-based) whose temperature differs from
        ``start_temperature``. None: ``max_epochs // 2 + 1``.
    schedule : {"linear", "step"}, default="linear"
        Shape of the decay. The paper's abstract describes a gradual reduction
        (linear); the step is the simplest two-temperature variant.
    decay_epochs : int, default=None
        Length of the linear decay in epochs; None ends it at the last epoch
        (``max_epochs - switch_epoch + 1``). Ignored by ``"step"``.
    sampler : object, default=None
        The sampler to control; None uses the net's
        ``iterator_train__sampler``. Any object with a settable ``temperature``
        works.

    See Also
    --------
    skrec.sampling.TemperatureBatchSampler : The sampler it controls.
    skrec.callbacks.TwoPhaseTraining : Balanced first, natural fine-tuning after.

    References
    ----------
    .. [1] T. Li, H. Xu, W. Tan, K. Murray and D. Khashabi, "Upsample or
       Upweight? Balanced Training on Heavily Imbalanced Datasets", NAACL 2025
       (arXiv:2410.04579).

    Examples
    --------
    >>> from skrec.callbacks import Cooldown
    >>> cb = Cooldown(start_temperature=5.0, end_temperature=1.0, switch_epoch=3,
    ...               schedule="linear", decay_epochs=4)
    >>> [cb.temperature_at(e, max_epochs=8) for e in range(1, 9)]
    [5.0, 5.0, 4.0, 3.0, 2.0, 1.0, 1.0, 1.0]

    With skorch (``y`` the training labels):

    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> from skrec.sampling import TemperatureBatchSampler
    >>> X = np.random.default_rng(0).normal(size=(60, 3)).astype("float32")
    >>> y = (X[:, 0] > 1).astype("int64")
    >>> net = NeuralNetClassifier(
    ...     torch.nn.Linear(3, 2), criterion=torch.nn.CrossEntropyLoss,
    ...     max_epochs=4, train_split=None, verbose=0,
    ...     iterator_train__sampler=TemperatureBatchSampler(y, random_state=0),
    ...     callbacks=[Cooldown(switch_epoch=3)]).fit(X, y)
    >>> net.history[:, "temperature"]
    [5.0, 5.0, 3.0, 1.0]
    """

    def __init__(
        self,
        start_temperature=5.0,
        end_temperature=1.0,
        switch_epoch=None,
        schedule="linear",
        decay_epochs=None,
        sampler=None,
    ):
        self.start_temperature = start_temperature
        self.end_temperature = end_temperature
        self.switch_epoch = switch_epoch
        self.schedule = schedule
        self.decay_epochs = decay_epochs
        self.sampler = sampler

    def _validate(self):
        start = _check_positive_temperature(self.start_temperature, "start_temperature")
        end = _check_positive_temperature(self.end_temperature, "end_temperature")
        if self.schedule not in ("step", "linear"):
            raise ValueError(
                f"schedule must be 'step' or 'linear', got {self.schedule!r}."
            )
        if self.schedule == "linear" and (np.isinf(start) or np.isinf(end)):
            raise ValueError(
                "schedule='linear' needs finite temperatures; use a large finite "
                "start_temperature (e.g. 100) instead of np.inf."
            )
        switch = _check_epoch(self.switch_epoch, "switch_epoch")
        decay = _check_epoch(self.decay_epochs, "decay_epochs")
        return start, end, switch, decay

    def initialize(self):
        """Validate the parameters (called by the net's ``initialize``)."""
        self._validate()
        return self

    def temperature_at(self, epoch, max_epochs=None):
        """Temperature of 1-based ``epoch`` under this schedule.

        Parameters
        ----------
        epoch : int
            Epoch number, starting at 1 (skorch's ``history`` numbering).
        max_epochs : int, default=None
            Total number of epochs; needed when ``switch_epoch`` or (for the
            linear schedule) ``decay_epochs`` is None.

        Returns
        -------
        temperature : float
        """
        start, end, switch, decay = self._validate()
        epoch = _check_epoch(epoch, "epoch", allow_none=False)
        if switch is None or (self.schedule == "linear" and decay is None):
            max_epochs = _check_epoch(max_epochs, "max_epochs", allow_none=False)
        if switch is None:
            switch = max_epochs // 2 + 1
        if epoch < switch:
            return start
        if self.schedule == "step":
            return end
        if decay is None:
            decay = max(max_epochs - switch + 1, 1)
        fraction = min(1.0, (epoch - switch + 1) / decay)
        return float(start + (end - start) * fraction)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._validate()
        self.sampler_ = _train_sampler(net, self.sampler, type(self).__name__)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        temperature = self.temperature_at(len(net.history), net.max_epochs)
        self.sampler_.temperature = temperature
        net.history.record("temperature", temperature)
