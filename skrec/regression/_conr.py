"""ConRRegressor: a skorch regressor trained with the ConR regulariser."""

import inspect
import numbers
import warnings
from collections.abc import Mapping

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)
from skorch import NeuralNetRegressor
from skorch.callbacks import PassthroughScoring
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch import nn

from skrec.losses._conr import ConRLoss, _check_conr_params
from skrec.losses._imbalanced_regression import RankSimLoss
from skrec.metrics._regression import _check_target
from skrec.utils._distributed import (
    AccelerateSupportMixin,
    accelerator_safe_criterion,
    all_reduce_sum,
    backward,
    gather_rows,
    shared_random_state,
    unwrap_module,
)
from skrec.utils._random import seeded_torch, torch_seed

__all__ = ["ConRMLP", "ConRRegressor", "FeatureDropout", "GaussianNoise"]


class GaussianNoise(BaseEstimator):
    """Tabular augmentation: add Gaussian noise to every feature.

    Meant for standardised features (put a ``StandardScaler`` first), where
    ``scale`` is a fraction of a feature's standard deviation. Random draws
    come from torch's global generator, which :class:`ConRRegressor` seeds
    from its ``random_state``.

    Parameters
    ----------
    scale : float, default=0.1
        Standard deviation of the noise.

    Examples
    --------
    >>> import torch
    >>> from skrec.regression import GaussianNoise
    >>> _ = torch.manual_seed(0)
    >>> GaussianNoise(scale=0.0)(torch.ones(2, 3)).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    def __init__(self, scale=0.1):
        self.scale = scale

    def __call__(self, X):
        """Return a noisy copy of the float tensor ``X``."""
        if not isinstance(self.scale, numbers.Real) or not 0 <= self.scale < np.inf:
            raise ValueError(f"scale must be a non-negative number; got {self.scale!r}.")
        return X + self.scale * torch.randn_like(X)


class FeatureDropout(BaseEstimator):
    """Tabular augmentation: set each feature to 0 with probability ``p``.

    With standardised features 0 is the feature mean, so a dropped feature
    is replaced by its average (no rescaling, unlike neural dropout).

    Parameters
    ----------
    p : float, default=0.1
        Probability of dropping each entry, in ``[0, 1)``.

    Examples
    --------
    >>> import torch
    >>> from skrec.regression import FeatureDropout
    >>> FeatureDropout(p=0.0)(torch.ones(1, 3)).tolist()
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, p=0.1):
        self.p = p

    def __call__(self, X):
        """Return a copy of the float tensor ``X`` with entries dropped."""
        if not isinstance(self.p, numbers.Real) or not 0 <= self.p < 1:
            raise ValueError(f"p must be in [0, 1); got {self.p!r}.")
        keep = torch.rand_like(X) >= self.p
        return X * keep


class ConRMLP(nn.Module):
    """Default encoder + head for tabular data: an MLP returning (features, prediction).

    Parameters
    ----------
    n_features : int
        Number of input features (filled in by :class:`ConRRegressor`).
    hidden_units : tuple of int, default=(64, 64)
        Widths of the encoder's hidden layers; the last one is the feature
        dimension seen by ConR.
    dropout : float, default=0.0
        Dropout after every hidden layer.

    Examples
    --------
    >>> import torch
    >>> from skrec.regression import ConRMLP
    >>> features, prediction = ConRMLP(n_features=3, hidden_units=(8, 4))(torch.zeros(5, 3))
    >>> tuple(features.shape), tuple(prediction.shape)
    ((5, 4), (5, 1))
    """

    def __init__(self, n_features, hidden_units=(64, 64), dropout=0.0):
        super().__init__()
        hidden_units = tuple(int(h) for h in hidden_units)
        if not hidden_units or min(hidden_units) < 1:
            raise ValueError(
                f"hidden_units must be a non-empty tuple of positive ints; got {hidden_units!r}."
            )
        layers = []
        width = int(n_features)
        for h in hidden_units:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        self.encoder = nn.Sequential(*layers)
        self.head = nn.Linear(width, 1)

    def forward(self, X):
        """Return ``(features, prediction)`` for a batch ``X``."""
        features = self.encoder(X)
        return features, self.head(features)


def _split_output(output):
    """``(features, prediction)`` from a module output, or a clear error."""
    if isinstance(output, (tuple, list)) and len(output) == 2:
        return output[0], output[1]
    raise TypeError(
        "ConRRegressor's module must return a pair (features, prediction); got "
        f"{type(output).__name__}. Wrap your network so that forward returns both "
        "the encoder output and the regression output."
    )


class ConRRegressor(AccelerateSupportMixin, NeuralNetRegressor):
    """Neural regressor trained with the ConR contrastive regulariser.

    A skorch :class:`~skorch.regressor.NeuralNetRegressor` whose module returns
    ``(features, prediction)``. Every training batch makes three passes: the
    un-augmented batch feeds the regression loss (``criterion``), and two
    augmented views (``augmentation``) feed :class:`~skrec.losses.ConRLoss`
    on their features, labels, detached predictions and sample weights. The
    loss is ``regression + conr_weight * ConR`` (Keramati et al., 2024).

    For tabular data the default module is :class:`ConRMLP` and the default
    augmentation is :class:`GaussianNoise` -- our adaptation of the paper's
    image augmentations; standardise the features first (a ``Pipeline``
    with a ``StandardScaler``). Any module returning ``(features, prediction)``
    and any callable mapping a float batch tensor to one of the same shape
    work too.

    ``sample_weight`` passed to :meth:`fit` (e.g. from
    :func:`~skrec.regression.lds_weights`) weights the regression loss
    (``mean(w * loss_i)``) and is ConR's anchor weight ``omega``.

    Parameters
    ----------
    module : torch module class or instance, default=ConRMLP
        Network returning ``(features, prediction)``. For a class accepting
        ``n_features`` that argument is filled in from ``X``; set other
        arguments with ``module__<name>`` (e.g. ``module__hidden_units``).
    conr_weight : float, default=4.0
        Weight ``beta`` of the ConR term; 0 gives plain regression (identical
        to a ``NeuralNetRegressor`` under the same seed).
    temperature : float, default=0.07
        ConR temperature ``tau``.
    similarity_threshold : float, default=1.0
        ConR window ``w`` in TARGET units: labels (and predictions) closer than
        this are similar. Set it on the scale of your target.
    pushing_weight : float, default=0.01
        ConR pushing coefficient ``e``.
    pushing_kernel : {"exp", "linear"}, default="exp"
        Form of the pushing weight (see :class:`~skrec.losses.ConRLoss`).
    augmentation : callable, default=None
        Makes one augmented view of a float tensor batch; None means
        ``GaussianNoise(scale=0.1)``. See :class:`GaussianNoise`,
        :class:`FeatureDropout`.
    ranksim_weight : float, default=0.0
        Weight of the RankSim regulariser (:class:`~skrec.losses.RankSimLoss`,
        Gong et al., 2022) on the features of the un-augmented batch; 0 turns
        it off. It combines with ConR or replaces it (``conr_weight=0``).
    ranksim_lambda : float, default=2.0
        RankSim's interpolation strength.
    fds : FDS or None, default=None
        Feature distribution smoothing (:class:`~skrec.regression.FDS`, Yang
        et al., 2021): training features are calibrated to per-target-bin
        statistics smoothed across bins before the module's ``head``; the
        statistics are updated at the end of every epoch. Needs a module with
        a ``head`` (as :class:`ConRMLP`).
    random_state : int, RandomState instance or None, default=None
        Seeds torch (weights, shuffling, augmentations) inside a forked RNG
        state during ``fit``, so results are bit-identical for a fixed seed
        and torch's global generator is left untouched.
    criterion : torch loss class, default=torch.nn.MSELoss
        Regression loss; with ``sample_weight`` it must accept ``reduction``.
        :class:`~skrec.losses.BalancedMSELoss` gives Balanced MSE (BMC, Ren et
        al., 2022), its noise scale learned with the network
        (``criterion__init_noise_sigma`` sets its start).
    optimizer : torch optimizer class, default=torch.optim.AdamW
        Optimiser (``optimizer__*`` sets its other arguments).
    lr : float, default=3e-3
        Learning rate.
    max_epochs : int, default=100
        Number of epochs of each ``fit``.
    batch_size : int, default=64
        Samples per batch (ConR compares the ``2 * batch_size`` views of a
        batch). The defaults (lr 3e-3, 100 epochs of batches of 64) learn
        scikit-learn's check regressions as ``MLPRegressor``'s defaults do;
        the former ones (1e-3, 50 epochs of 256) did not.
    train_split : callable or None, default=None
        skorch's internal validation split; None (the default) trains on all
        data, which is what an outer cross-validation wants.
    verbose : int, default=1
        Print skorch's epoch table (with the mean ConR loss per epoch).
    **kwargs
        Any other :class:`~skorch.net.NeuralNet` argument (``callbacks``,
        ``device``, ``module__*``, ``optimizer__*``, ...).

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in ``fit``.
    module_, criterion_, conr_criterion_, optimizer_, history_
        skorch's fitted components; ``conr_criterion_`` is the ConR loss.

    See Also
    --------
    skrec.losses.ConRLoss : the regulariser on its own.
    skrec.regression.lds_weights : LDS sample weights.
    skrec.metrics.shot_region_scores : evaluation by shot region.

    References
    ----------
    .. [1] M. Keramati, L. Meng, R. D. Evans, "ConR: Contrastive Regularizer
       for Deep Imbalanced Regression", ICLR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skrec.regression import ConRRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = 3 * X[:, 0] + rng.normal(scale=0.1, size=200)
    >>> reg = ConRRegressor(max_epochs=5, module__hidden_units=(16,),
    ...                     similarity_threshold=0.5, random_state=0, verbose=0)
    >>> model = make_pipeline(StandardScaler(), reg).fit(X, y)
    >>> model.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        module=ConRMLP,
        *,
        conr_weight=4.0,
        temperature=0.07,
        similarity_threshold=1.0,
        pushing_weight=0.01,
        pushing_kernel="exp",
        augmentation=None,
        ranksim_weight=0.0,
        ranksim_lambda=2.0,
        fds=None,
        random_state=None,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.AdamW,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        train_split=None,
        verbose=1,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            **kwargs,
        )
        self.conr_weight = conr_weight
        self.temperature = temperature
        self.similarity_threshold = similarity_threshold
        self.pushing_weight = pushing_weight
        self.pushing_kernel = pushing_kernel
        self.augmentation = augmentation
        self.ranksim_weight = ranksim_weight
        self.ranksim_lambda = ranksim_lambda
        self.fds = fds
        self.random_state = random_state

    # ------------------------------------------------------------------ skorch hooks
    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        pos = [name for name, _ in callbacks].index("print_log")
        callbacks.insert(pos, ("train_conr", PassthroughScoring(name="train_conr", on_train=True)))
        return callbacks

    def initialize_module(self):
        """Build the module, filling in ``n_features`` from the training data."""
        kwargs = self.get_params_for("module")
        module = self.module
        if isinstance(module, type) and "n_features" not in kwargs:
            if "n_features" in inspect.signature(module).parameters:
                if not hasattr(self, "n_features_in_"):
                    raise ValueError(
                        "Call fit (or set module__n_features) before initialize: the "
                        "default module needs the number of input features."
                    )
                kwargs["n_features"] = self.n_features_in_
        self.module_ = self.initialized_instance(module, kwargs)
        return self

    def initialize_criterion(self):
        """Build the regression criterion and the ConR loss ``conr_criterion_``."""
        super().initialize_criterion()
        self.criterion_ = accelerator_safe_criterion(self, self.criterion_)
        self.conr_criterion_ = accelerator_safe_criterion(self, ConRLoss(
            temperature=self.temperature,
            similarity_threshold=self.similarity_threshold,
            pushing_weight=self.pushing_weight,
            pushing_kernel=self.pushing_kernel,
        ))
        return self

    def infer(self, x, **fit_params):
        """Forward one batch; the sample weights travelling with ``x`` are dropped."""
        if isinstance(x, Mapping):
            x = x["X"]
        x = to_tensor(x, device=self._device)
        return self.module_(x, **fit_params)

    def _regression_loss(self, prediction, y_true, weight):
        y_true = to_tensor(y_true, device=self._device)
        if weight is None:
            return self.criterion_(prediction, y_true)
        crit = self.criterion_
        if not hasattr(crit, "reduction"):
            raise TypeError(
                "sample_weight needs a criterion with a `reduction` attribute "
                "(any torch.nn loss); got " + type(crit).__name__ + "."
            )
        old = crit.reduction
        crit.reduction = "none"
        try:
            per_sample = crit(prediction, y_true)
        finally:
            crit.reduction = old
        per_sample = per_sample.reshape(per_sample.shape[0], -1).mean(1)
        weight = to_tensor(weight, device=self._device).reshape(-1).to(per_sample.dtype)
        return (per_sample * weight).mean()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Regression loss (sample-weighted when ``X`` carries weights)."""
        if isinstance(y_pred, (tuple, list)):
            y_pred = _split_output(y_pred)[1]
        weight = X.get("sample_weight") if isinstance(X, Mapping) else None
        return self._regression_loss(y_pred, y_true, weight)

    def _augment(self, x):
        augmentation = self.augmentation if self.augmentation is not None else GaussianNoise()
        view = augmentation(x)
        if not torch.is_tensor(view) or view.shape != x.shape:
            raise ValueError(
                "augmentation must return a tensor of the input's shape "
                f"{tuple(x.shape)}; got {getattr(view, 'shape', type(view))}."
            )
        return view

    def train_step_single(self, batch, **fit_params):
        """Regression loss on the batch plus ``conr_weight`` x ConR on two views."""
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        weight = None
        if isinstance(Xi, Mapping):
            weight = Xi.get("sample_weight")
            Xi = Xi["X"]
        x = to_tensor(Xi, device=self._device)
        y_true = to_tensor(yi, device=self._device)
        features, prediction = _split_output(self.module_(x, **fit_params))
        fds = getattr(self, "fds_", None)
        if fds is not None:
            fds.accumulate(features, y_true)
            if fds.active:
                features = fds.smooth(features, y_true)
                prediction = unwrap_module(self.module_).head(features)
        loss = self._regression_loss(prediction, y_true, weight)
        # The pairwise terms see the rows of every process (data-parallel
        # training), as one process would see the whole global batch.
        if self.ranksim_weight > 0:
            ranksim = RankSimLoss(self.ranksim_lambda)(
                *gather_rows(self, features, y_true))
            loss = loss + self.ranksim_weight * ranksim
            self.history.record_batch("train_ranksim", ranksim.item())
        conr_value = 0.0
        if self.conr_weight > 0:
            views = torch.cat([self._augment(x), self._augment(x)])
            view_features, view_pred = _split_output(self.module_(views, **fit_params))
            y2 = torch.cat([y_true, y_true]).reshape(-1)
            w2 = None
            if weight is not None:
                w = to_tensor(weight, device=self._device).reshape(-1)
                w2 = torch.cat([w, w])
            conr = self.conr_criterion_(
                *gather_rows(self, view_features, y2, view_pred.reshape(-1), w2))
            loss = loss + self.conr_weight * conr
            conr_value = conr.item()
        backward(self, loss)
        self.history.record_batch("train_conr", conr_value)
        return {"loss": loss, "y_pred": prediction}

    def evaluation_step(self, batch, training=False):
        """Return the prediction only (the module also returns features)."""
        return _split_output(super().evaluation_step(batch, training=training))[1]

    # ------------------------------------------------------------------ sklearn API
    def _validate_conr_params(self):
        _check_conr_params(
            self.temperature, self.similarity_threshold, self.pushing_weight, self.pushing_kernel
        )
        if (
            not isinstance(self.conr_weight, numbers.Real)
            or isinstance(self.conr_weight, bool)
            or not 0 <= self.conr_weight < np.inf
        ):
            raise ValueError(
                f"conr_weight must be a non-negative finite number; got {self.conr_weight!r}."
            )
        for name in ("ranksim_weight", "ranksim_lambda"):
            value = getattr(self, name)
            if (
                not isinstance(value, numbers.Real)
                or isinstance(value, bool)
                or not 0 <= value < np.inf
                or (name == "ranksim_lambda" and value == 0)
            ):
                raise ValueError(
                    f"{name} must be a {'positive' if name == 'ranksim_lambda' else 'non-negative'} "
                    f"finite number; got {value!r}."
                )
        if self.augmentation is not None and not callable(self.augmentation):
            raise TypeError(
                "augmentation must be a callable mapping a batch tensor to a view "
                f"(e.g. GaussianNoise()); got {self.augmentation!r}."
            )

    def _prepare_data(self, X, y, sample_weight, reset):
        """Validate ``X, y, sample_weight``; return skorch-ready float32 data."""
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; it is "
                "raveled. Pass y.ravel() to silence this warning.",
                DataConversionWarning,
                stacklevel=3,
            )
        y = _check_target(y, "y")
        check_consistent_length(X, y)
        weight = None
        if sample_weight is not None:
            weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            if not np.all(np.isfinite(weight)):
                raise ValueError("sample_weight contains NaN or infinite values.")
            if np.all(weight == 1.0):
                weight = None  # identical to unweighted training
        X32 = np.ascontiguousarray(X, dtype=np.float32)
        y32 = y.astype(np.float32).reshape(-1, 1)
        if weight is None:
            return X32, y32
        return {"X": X32, "sample_weight": weight.astype(np.float32)}, y32

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the network on tabular ``X`` and a 1-D continuous target ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features (standardise them first).
        y : array-like of shape (n_samples,)
            Continuous target without NaN/inf.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (e.g. LDS weights) for the regression loss
            and ConR's anchors.
        **fit_params : dict
            Passed to the module's ``forward`` (skorch's convention).

        Returns
        -------
        self : ConRRegressor
        """
        self._validate_conr_params()
        warm = self.warm_start and self.initialized_
        data, y32 = self._prepare_data(X, y, sample_weight, reset=not warm)
        seed = torch_seed(shared_random_state(self, self.random_state))
        with seeded_torch(seed, self._device):
            if not warm:
                self.initialize()
                self._start_fds(y32)
            NeuralNetRegressor.partial_fit(self, data, y32, _routing_method="fit", **fit_params)
        return self

    def _start_fds(self, y):
        """Clone ``fds`` into ``fds_`` with the training targets' bins."""
        if self.fds is None:
            self.fds_ = None
            return
        from sklearn.base import clone

        from skrec.regression._fds import FDS

        if not isinstance(self.fds, FDS):
            raise TypeError(f"fds must be None or an FDS instance; got {self.fds!r}.")
        head = getattr(unwrap_module(self.module_), "head", None)
        if not callable(head):
            raise TypeError(
                "fds needs a module with a `head` mapping features to the prediction "
                f"(as ConRMLP); {type(unwrap_module(self.module_)).__name__} has none."
            )
        with torch.no_grad():
            features, _ = _split_output(self.module_(
                torch.zeros(1, self.n_features_in_, device=self._device)))
        self.fds_ = clone(self.fds).start(np.asarray(y), features.shape[-1], self._device)

    def on_epoch_end(self, net, **kwargs):
        """Fold the epoch's features into the FDS statistics (when ``fds``)."""
        super().on_epoch_end(net, **kwargs)
        if getattr(self, "fds_", None) is not None:
            # every process folds the statistics of all the epoch's rows
            self.fds_.epoch_end(reduce=lambda t: all_reduce_sum(self, t))

    def partial_fit(self, X, y=None, classes=None, sample_weight=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initialising.

        Same arguments as :meth:`fit`; the first call initialises the
        network (seeded by ``random_state``).

        Returns
        -------
        self : ConRRegressor
        """
        self._validate_conr_params()
        first = not self.initialized_
        data, y32 = self._prepare_data(X, y, sample_weight, reset=first)
        seed = torch_seed(shared_random_state(self, self.random_state)) if first else None
        with seeded_torch(seed, self._device):
            NeuralNetRegressor.partial_fit(self, data, y32, **fit_params)
        return self

    @property
    def predict_proba(self):
        """Not available: a regressor has no probabilities (use :meth:`predict`)."""
        raise AttributeError("ConRRegressor has no predict_proba; use predict.")

    def predict(self, X):
        """Predict the target of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        X32 = np.ascontiguousarray(X, dtype=np.float32)
        return self.forward(X32).detach().cpu().numpy().reshape(-1)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the predictions on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` against ``y``.
        """
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags
