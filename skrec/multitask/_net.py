"""MultiTaskNet: a skorch estimator for hybrid (binary / multiclass / continuous) targets."""

import numbers

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierTags, RegressorTags
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)
from skorch import NeuralNet
from skorch.dataset import Dataset, unpack_data
from skorch.utils import to_tensor
from torch import nn

from skrec.multitask._batches import _ArrayBatches
from skrec.multitask._features import (
    encode_categorical_codes,
    resolve_categorical_features,
)
from skrec.multitask._gradients import htl_adjust_gradients
from skrec.multitask._loss import MultiTaskLoss
from skrec.multitask._modules import ESMM, PLE, HTLNet, MMoE, SharedBottom
from skrec.multitask._scoring import _DEFAULT_METRIC, _decode, _metric
from skrec.multitask._tasks import (
    as_target_frame,
    encode_targets,
    fit_encode_targets,
    parse_tasks,
)
from skrec.multitask._weighting import check_loss_weighting
from skrec.optim import _AdaTaskBase
from skrec.utils._distributed import (
    AccelerateSupportMixin,
    accelerator_safe_criterion,
    all_reduce_sum,
    average_gradients,
    backward,
    process_rank,
    refuse_per_task_gradients,
    shared_random_state,
    sync_context,
    unwrap_module,
    unwrap_optimizer,
)
from skrec.utils._random import check_generator, seeded_torch, torch_seed

__all__ = ["MultiTaskNet", "ARCHITECTURES"]

ARCHITECTURES = {
    "shared_bottom": SharedBottom,
    "mmoe": MMoE,
    "ple": PLE,
    "htlnet": HTLNet,
    "esmm": ESMM,
}

def _declared_kinds(tasks):
    """Kinds declared by the ``tasks`` parameter, or None when inferred."""
    if tasks is None:
        return None
    if isinstance(tasks, str):
        return [tasks]
    if isinstance(tasks, dict):
        return list(tasks.values())
    try:
        items = list(tasks)
    except TypeError:
        return None
    kinds = []
    for t in items:
        if isinstance(t, str):
            kinds.append(t)
        elif isinstance(t, tuple | list) and len(t) == 2:
            kinds.append(t[1])
        else:
            return None
    return kinds


def _architecture_params(net, cls):
    """The net's parameters that the architecture ``cls`` takes.

    Looked up along ``cls``'s MRO, so a subclass of a built-in architecture
    receives its parent's parameters (and ``module__*`` for its own).
    """
    hidden, tower = tuple(net.hidden_units), tuple(net.tower_units)
    table = {
        SharedBottom: lambda: dict(bottom_units=hidden, tower_units=tower,
                                   dropout=net.dropout),
        MMoE: lambda: dict(n_experts=net.n_experts, expert_units=hidden,
                           tower_units=tower, dropout=net.dropout),
        PLE: lambda: dict(n_levels=net.n_levels, n_shared_experts=net.n_shared_experts,
                          n_task_experts=net.n_task_experts, expert_units=hidden,
                          tower_units=tower, dropout=net.dropout),
        HTLNet: lambda: dict(tower_units=hidden + tower,
                             label_embedding_dim=net.label_embedding_dim,
                             tau=net.gumbel_tau, dropout=net.dropout),
        ESMM: lambda: dict(tower_units=hidden + tower, dropout=net.dropout),
    }
    for base in cls.__mro__:
        if base in table:
            return table[base]()
    return {}


def _has_classification_task(net):
    """predict_proba exists unless every task is (or is declared) a regression task."""
    if hasattr(net, "tasks_"):
        return any(t.kind != "regression" for t in net.tasks_)
    kinds = _declared_kinds(net.tasks)
    return kinds is None or any(k != "regression" for k in kinds)


class MultiTaskNet(AccelerateSupportMixin, NeuralNet):
    """Multi-task network for tabular X and several (hybrid) targets.

    One estimator fits every target of ``y`` (one column per task): binary
    and multiclass classification with cross-entropy, regression with the
    squared error (on standardised targets), through a shared-bottom, MMoE,
    PLE or HTLNet architecture, optionally with HTLNet's gradient adjustment
    and the AdaTask optimizers of :mod:`skrec.optim`. It is a skorch
    ``NeuralNet``: every skorch option (callbacks, ``optimizer__*``,
    ``module__*``, ``iterator_train__*``) is available.

    Parameters
    ----------
    tasks : None, str, list of str, list of (name, kind) or dict, default=None
        The targets, in dependence order (earlier tasks feed later ones in
        HTLNet; the last is the core task of the gradient adjustment). A kind
        is ``"binary"``, ``"multiclass"`` or ``"regression"``. A list of kinds
        maps onto the columns of ``y`` in order; ``(name, kind)`` pairs (or a
        dict) select DataFrame columns by name. A single kind applies to every
        column. ``None`` infers each kind from its column.
    architecture : {"shared_bottom", "mmoe", "ple", "htlnet", "esmm"} or class, \
            default="shared_bottom"
        The network. A class is built with ``n_features``, ``task_dims``,
        ``task_kinds``, ``categorical_features``, ``cardinalities``,
        ``embedding_dim`` and any ``module__*`` parameters, and should offer
        ``shared_parameters()`` (needed by AdaTask and the gradient
        adjustment).
    task_weights : None, sequence of float or dict, default=None
        Loss weight of each task (dict: by task name); ``None`` weighs all 1.
    categorical_features : None, sequence of int or str, or bool mask, default=None
        Integer-coded categorical columns of X, embedded (codes unseen in fit
        map to a shared "unknown" row). Other columns are numeric.
    embedding_dim : int, default=8
        Size of each input field's embedding.
    hidden_units : tuple of int, default=(64,)
        Shared bottom (``shared_bottom``), expert (``mmoe``, ``ple``) or first
        tower layers (``htlnet``, the first one is the task representation;
        ``esmm``).
    tower_units : tuple of int, default=(32,)
        Layers of each task tower after the above.
    n_experts : int, default=4
        Experts of MMoE.
    n_levels : int, default=2
        Extraction levels of PLE.
    n_shared_experts : int, default=1
        Shared experts per PLE level.
    n_task_experts : int, default=1
        Task experts per PLE level and task.
    label_embedding_dim : int, default=8
        Label embedding size (HTLNet).
    gumbel_tau : float, default=1.0
        Gumbel-softmax temperature (HTLNet).
    dropout : float, default=0.0
        Dropout after hidden layers.
    gradient_adjustment : {None, "htl"}, default=None
        ``"htl"`` adjusts the other tasks' gradients on shared parameters
        toward the last (core) task's, see
        :func:`~skrec.multitask.htl_adjust_gradients`.
    loss_weighting : None, str or strategy, default=None
        How the task losses are weighed during training, beside the fixed
        ``task_weights``: ``"uncertainty"``
        (:class:`~skrec.multitask.UncertaintyWeighting`), ``"dwa"``
        (:class:`~skrec.multitask.DynamicWeightAverage`), ``"gradnorm"``
        (:class:`~skrec.multitask.GradNorm`), ``"pcgrad"``
        (:class:`~skrec.multitask.PCGrad`), ``"metabalance"``
        (:class:`~skrec.multitask.MetaBalance`), or one of those objects with
        its own parameters (tune it in ``GridSearchCV`` as one parameter,
        e.g. ``{"loss_weighting": [None, "uncertainty", GradNorm(alpha=0.5)]}``).
        ``None`` keeps the fixed weights. Gradient surgery (PCGrad,
        MetaBalance) cannot be combined with ``gradient_adjustment="htl"``.
    adjust_alpha : float, default=1.0
        Share of a conflicting component removed.
    adjust_gamma : float, default=0.1
        Strength of the magnitude adjustment.
    adjust_clip : float, default=10.0
        Clip bound of the norm ratio.
    adjust_norm : {"global", "tensor"}, default="global"
        Norms over all shared tensors or per tensor.
    standardize_targets : bool, default=True
        Train regression tasks on standardised targets (predictions are
        returned on the original scale).
    scoring : None, str, callable or dict, default=None
        Metric of :meth:`score` per task (dict by task name, or one metric for
        all); see :func:`make_task_scorer` for the names.
    random_state : int, RandomState or None, default=None
        Seeds weights, shuffling and Gumbel noise (torch's global generator is
        restored afterwards); an int gives bit-identical fits.
    criterion : class, default=MultiTaskLoss
        Built with ``task_kinds`` and ``task_dims``; must return one loss per task.
    optimizer : class, default=torch.optim.Adam
        Torch optimizer; the AdaTask optimizers of :mod:`skrec.optim` get the
        shared parameters in a group of their own and per-task gradients.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=10
        Number of epochs.
    batch_size : int, default=128
        Mini-batch size.
    train_split : callable or None, default=None
        skorch's internal validation split; ``None`` (the default) trains on
        everything, as an outer cross-validation expects.
    callbacks : list or None, default=None
        skorch callbacks, e.g. :class:`skrec.callbacks.TaskDominance`.
    verbose : int, default=1
        1 prints skorch's epoch table (the default of every torch estimator
        of skrec, as in skorch); 0 trains silently.
    device : str, default="cpu"
        Torch device.
    **kwargs
        Other skorch parameters (``module__*``, ``optimizer__*``, ...).

    Attributes
    ----------
    tasks_ : list of Task
        The fitted tasks (name, kind, classes, target scaling).
    task_names_ : list of str
        Task names in order.
    task_weights_ : torch.Tensor
        Current loss weights (callbacks may change them during fit).
    loss_weighting_ : strategy or None
        The fitted ``loss_weighting`` strategy (its learned weights); the
        history records its weights per epoch as ``task_weighting``.
    classes_ : ndarray
        Labels, when the only task is a classification task.
    categorical_features_ : ndarray of int
        Positions of the embedded columns.
    cardinalities_ : list of int
        Embedding table sizes (codes seen in fit plus one "unknown" row).
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when X was a DataFrame with string columns.
    module_, criterion_, optimizer_, history_
        skorch's fitted components.

    See Also
    --------
    skrec.optim.AdaTaskAdam : task-aware Adam for the shared parameters.
    skrec.callbacks.TaskDominance : records which task dominates shared layers.

    Notes
    -----
    Missing labels: a NaN (or ``None``/``pd.NA``) in a task's column leaves
    that row out of the task's loss, weighting and metrics (the other tasks
    still learn from it); a batch without any label of a task skips that
    task for the step. Predictions are made for every row and task.

    ``predict`` returns one column per task (labels for classification, values
    for regression), a DataFrame indexed like X when X is a DataFrame and y
    had two dimensions, and a 1-D array when y was 1-D. ``predict_proba``
    returns the probabilities of the classification tasks: an array when there
    is one, a list of arrays (in task order) otherwise. ``score`` is the mean
    of per-task scores (ROC AUC for binary, accuracy for multiclass, R^2 for
    regression tasks by default).

    References
    ----------
    .. [1] X. Tang, Y. Qiao, F. Lyu, D. Liu and X. He, "Touch the Core: Exploring
       Task Dependence Among Hybrid Targets for Recommendation", RecSys 2024,
       arXiv:2403.17442.
    .. [2] E. Yang et al., "AdaTask: A Task-Aware Adaptive Learning Rate Approach
       to Multi-Task Learning", AAAI 2023, arXiv:2211.15055.

    Examples
    --------
    >>> import numpy as np
    >>> from skrec.multitask import MultiTaskNet
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3)).astype("float32")
    >>> click = (X[:, 0] > 0).astype(int)
    >>> amount = click * (2 + X[:, 1])
    >>> y = np.column_stack([click, amount])
    >>> net = MultiTaskNet(tasks=["binary", "regression"], architecture="mmoe",
    ...                    max_epochs=5, lr=0.01, random_state=0, verbose=0)
    >>> net.fit(X, y).predict(X[:2]).shape
    (2, 2)
    >>> net.task_names_
    ['task0', 'task1']
    """

    def __init__(
        self,
        tasks=None,
        architecture="shared_bottom",
        task_weights=None,
        categorical_features=None,
        embedding_dim=8,
        hidden_units=(64,),
        tower_units=(32,),
        n_experts=4,
        n_levels=2,
        n_shared_experts=1,
        n_task_experts=1,
        label_embedding_dim=8,
        gumbel_tau=1.0,
        dropout=0.0,
        gradient_adjustment=None,
        loss_weighting=None,
        adjust_alpha=1.0,
        adjust_gamma=0.1,
        adjust_clip=10.0,
        adjust_norm="global",
        standardize_targets=True,
        scoring=None,
        random_state=None,
        criterion=MultiTaskLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=10,
        batch_size=128,
        train_split=None,
        callbacks=None,
        verbose=1,
        device="cpu",
        **kwargs,
    ):
        kwargs.pop("module", None)
        super().__init__(
            module=None,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.tasks = tasks
        self.architecture = architecture
        self.task_weights = task_weights
        self.categorical_features = categorical_features
        self.embedding_dim = embedding_dim
        self.hidden_units = hidden_units
        self.tower_units = tower_units
        self.n_experts = n_experts
        self.n_levels = n_levels
        self.n_shared_experts = n_shared_experts
        self.n_task_experts = n_task_experts
        self.label_embedding_dim = label_embedding_dim
        self.gumbel_tau = gumbel_tau
        self.dropout = dropout
        self.gradient_adjustment = gradient_adjustment
        self.loss_weighting = loss_weighting
        self.adjust_alpha = adjust_alpha
        self.adjust_gamma = adjust_gamma
        self.adjust_clip = adjust_clip
        self.adjust_norm = adjust_norm
        self.standardize_targets = standardize_targets
        self.scoring = scoring
        self.random_state = random_state

    # ------------------------------------------------------------------ #
    # parameters and tags
    # ------------------------------------------------------------------ #
    @property
    def module(self):
        """The module class selected by ``architecture``."""
        arch = self.architecture
        if isinstance(arch, str):
            if arch not in ARCHITECTURES:
                raise ValueError(
                    f"Unknown architecture {arch!r}; use one of {sorted(ARCHITECTURES)} "
                    "or a torch module class."
                )
            return ARCHITECTURES[arch]
        if isinstance(arch, type) and issubclass(arch, nn.Module):
            return arch
        raise TypeError(
            f"architecture must be one of {sorted(ARCHITECTURES)} or a torch.nn.Module "
            f"subclass, got {arch!r}."
        )

    @module.setter
    def module(self, value):
        if value is not None:
            raise ValueError(
                "MultiTaskNet builds its module from `architecture`; set that instead."
            )

    def _get_param_names(self):
        return [k for k in super()._get_param_names() if not k.startswith("_")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        kinds = _declared_kinds(self.tasks)
        if kinds and all(k == "regression" for k in kinds):
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags(poor_score=True)
        elif (
            kinds
            and all(k in ("binary", "multiclass") for k in kinds)
            and (isinstance(self.tasks, str) or len(kinds) == 1)
        ):
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags(
                poor_score=True, multi_class=kinds[0] == "multiclass", multi_label=False
            )
        return tags

    def _check_params(self, n_tasks):
        for name in ("embedding_dim", "n_experts", "n_levels", "label_embedding_dim"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}.")
        for name in ("n_shared_experts", "n_task_experts"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or v < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {v!r}.")
        if self.n_shared_experts + self.n_task_experts < 1:
            raise ValueError("PLE needs at least one expert per level.")
        for name in ("hidden_units", "tower_units"):
            v = getattr(self, name)
            try:
                ok = all(isinstance(u, numbers.Integral) and u >= 1 for u in v)
            except TypeError:
                ok = False
            if not ok:
                raise ValueError(
                    f"{name} must be a tuple of positive integers, got {v!r}."
                )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout!r}.")
        if self.gumbel_tau <= 0:
            raise ValueError(f"gumbel_tau must be positive, got {self.gumbel_tau!r}.")
        if self.gradient_adjustment not in (None, "htl"):
            raise ValueError(
                f"gradient_adjustment must be None or 'htl', got {self.gradient_adjustment!r}."
            )
        if self.gradient_adjustment == "htl":
            htl_adjust_gradients(
                [],
                alpha=self.adjust_alpha,
                gamma=self.adjust_gamma,
                clip=self.adjust_clip,
                norm=self.adjust_norm,
            )
            if self.adjust_norm not in ("global", "tensor"):
                raise ValueError(
                    f"adjust_norm must be 'global' or 'tensor', got {self.adjust_norm!r}."
                )
        strategy = check_loss_weighting(self.loss_weighting)
        if (
            strategy is not None
            and strategy.rewrites_gradients
            and self.gradient_adjustment == "htl"
        ):
            raise ValueError(
                f"loss_weighting={type(strategy).__name__}() and "
                "gradient_adjustment='htl' both rewrite the shared gradients; "
                "choose one."
            )
        self.module  # noqa: B018  (validates architecture)
        return strategy

    def _resolve_weights(self):
        names = [t.name for t in self.tasks_]
        w = self.task_weights
        if w is None:
            vals = [1.0] * len(names)
        elif isinstance(w, dict):
            unknown = set(w) - set(names)
            if unknown:
                raise ValueError(
                    f"task_weights names unknown task(s) {sorted(unknown)}; tasks: {names}."
                )
            vals = [float(w.get(n, 1.0)) for n in names]
        else:
            vals = [float(v) for v in np.ravel(w)]
            if len(vals) != len(names):
                raise ValueError(
                    f"task_weights has {len(vals)} entries for {len(names)} tasks."
                )
        if not all(np.isfinite(v) and v >= 0 for v in vals):
            raise ValueError(
                f"task_weights must be finite and non-negative, got {vals}."
            )
        return torch.tensor(vals, dtype=torch.float32, device=self._device)

    # ------------------------------------------------------------------ #
    # data
    # ------------------------------------------------------------------ #
    def _validate_X(self, X, reset):
        try:
            Xt = validate_data(
                self, X, reset=reset, dtype=np.float32, ensure_min_samples=1
            )
        except ValueError as exc:
            if "could not convert" in str(exc) or "Unable to convert" in str(exc):
                raise ValueError(
                    "X must be numeric. Encode text/categorical columns first, e.g. with a "
                    "ColumnTransformer (OrdinalEncoder for the columns listed in "
                    "`categorical_features`, OneHotEncoder otherwise)."
                ) from exc
            raise
        if reset:
            self._resolve_categorical(Xt)
        return self._encode_categoricals(Xt, fit=reset)

    def _resolve_categorical(self, Xt):
        self.categorical_features_ = resolve_categorical_features(
            self.categorical_features, Xt.shape[1], getattr(self, "feature_names_in_", None)
        )

    def _encode_categoricals(self, Xt, fit):
        Xt, cardinalities = encode_categorical_codes(
            Xt, self.categorical_features_, None if fit else getattr(self, "cardinalities_", None)
        )
        if fit and self.categorical_features_.size:
            self.cardinalities_ = cardinalities
        return Xt

    # ------------------------------------------------------------------ #
    # skorch hooks
    # ------------------------------------------------------------------ #
    def initialize_module(self):
        cls = self.module
        params = dict(
            n_features=self.n_features_in_,
            task_dims=[t.dim for t in self.tasks_],
            task_kinds=[t.kind for t in self.tasks_],
            categorical_features=[int(i) for i in self.categorical_features_],
            cardinalities=list(self.cardinalities_)
            if self.categorical_features_.size
            else [],
            embedding_dim=self.embedding_dim,
        )
        params.update(_architecture_params(self, cls))
        params.update(self.get_params_for("module"))
        self.module_ = cls(**params)
        return self

    def initialize_criterion(self):
        kwargs = dict(
            task_kinds=[t.kind for t in self.tasks_],
            task_dims=[t.dim for t in self.tasks_],
        )
        kwargs.update(self.get_params_for("criterion"))
        self.criterion_ = accelerator_safe_criterion(self, self.criterion(**kwargs))
        return self

    def infer(self, x, **fit_params):
        # skorch moves x to ``device``; under an accelerator with
        # device=None, to the accelerator's device
        return super().infer(to_tensor(x, device=self._device), **fit_params)

    def _shared_params(self):
        getter = getattr(unwrap_module(self.module_), "shared_parameters", None)
        if getter is None:
            raise TypeError(
                f"{type(self.module_).__name__} has no shared_parameters() method, needed by "
                "AdaTask optimizers and gradient_adjustment."
            )
        return [p for p in getter() if p.requires_grad]

    def _weighting_params(self):
        strategy = getattr(self, "loss_weighting_", None)
        return [] if strategy is None else list(strategy.parameters())

    def get_all_learnable_params(self):
        yield from super().get_all_learnable_params()
        for i, p in enumerate(self._weighting_params()):
            yield f"loss_weighting_.{i}", p

    def initialize_optimizer(self, triggered_directly=None):
        if isinstance(self.optimizer, type) and issubclass(
            self.optimizer, _AdaTaskBase
        ):
            shared = self._shared_params()
            ids = {id(p) for p in shared}
            rest = [
                p
                for p in self.module_.parameters()
                if p.requires_grad and id(p) not in ids
            ] + self._weighting_params()
            _, kwargs = self.get_params_for_optimizer(
                "optimizer", self.get_all_learnable_params()
            )
            kwargs.setdefault("n_tasks", len(self.tasks_))
            groups = [{"params": shared, "shared": True}]
            if rest:
                groups.append({"params": rest, "shared": False})
            self.optimizer_ = self.optimizer(groups, **kwargs)
            return self
        return super().initialize_optimizer()

    def get_iterator(self, dataset, training=False):
        """Batches of the training / prediction data.

        Plain arrays are sliced in whole batches (shuffled for training unless
        ``iterator_train__shuffle=False``); anything else goes through
        skorch's ``DataLoader`` path.
        """
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        iterator = self.iterator_train if training else self.iterator_valid
        plain = (
            iterator is torch.utils.data.DataLoader
            and type(dataset) is Dataset
            and isinstance(getattr(dataset, "X", None), np.ndarray)
            and (dataset.y is None or isinstance(dataset.y, np.ndarray))
            and set(kwargs) <= {"shuffle", "batch_size"}
        )
        if not plain:
            kwargs.setdefault("batch_size", self.batch_size)
            if kwargs["batch_size"] == -1:
                kwargs["batch_size"] = len(dataset)
            if training and iterator is torch.utils.data.DataLoader:
                kwargs.setdefault("shuffle", True)
            return iterator(dataset, **kwargs)
        rank, world = process_rank(self) if training else (0, 1)
        # The batch order of every epoch comes from its own generator, seeded
        # once from torch's (seeded by random_state): it does not depend on
        # how much randomness dropout drew, which differs between processes
        # whose shares of a batch differ in size.
        shuffle = kwargs.get("shuffle", training)
        generator = None
        if shuffle:
            generator = torch.Generator().manual_seed(int(torch.randint(2**62, (1,))))
        return _ArrayBatches(
            dataset.X,
            dataset.y,
            kwargs.get("batch_size", self.batch_size),
            shuffle=shuffle,
            rank=rank,
            world=world,
            generator=generator,
        )

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self._device)
        return (self.task_weights_ * self.criterion_(y_pred, y_true)).sum()

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        strategy = getattr(self, "loss_weighting_", None)
        adatask = isinstance(unwrap_optimizer(self.optimizer_), _AdaTaskBase)
        adjust = self.gradient_adjustment == "htl" and len(self.tasks_) > 1
        surgery = strategy is not None and strategy.needs_task_gradients
        per_task = adatask or adjust or surgery
        # Per-task gradients are averaged over the processes here, not by DDP.
        with sync_context(self, sync=not per_task):
            y_pred = self.infer(Xi, **fit_params)
            y_true = to_tensor(yi, device=self._device)
            counts = (~torch.isnan(y_true)).sum(0)
            losses, values, counts = self._global_task_losses(
                self.criterion_(y_pred, y_true), counts)
            present = counts > 0
            self._record_task_losses(values, counts)
            weighted = self.task_weights_ * losses
            if strategy is not None:
                weighted = strategy.combine(weighted, present)
            loss = weighted.sum()
            if not per_task:
                backward(self, loss)
                average_gradients(self, [p.grad for p in self._weighting_params()])
                return {"loss": loss, "y_pred": y_pred}
            self._task_gradient_step(loss, weighted, values, present, strategy,
                                     adatask, adjust, surgery)
        return {"loss": loss, "y_pred": y_pred}

    def _global_task_losses(self, losses, counts):
        """Per-task losses to differentiate, their values, and label counts.

        Alone: the batch's per-task means, their values and the counts of
        labelled rows. Under several processes: each process's means are
        rescaled (labelled rows here x processes / labelled rows everywhere)
        so that averaging the processes' gradients gives the gradient of the
        global batch's means; values and counts are the global batch's.
        """
        counts = counts.to(losses.dtype)
        world = process_rank(self)[1]
        if world == 1:
            return losses, losses.detach(), counts
        k = len(counts)
        total = all_reduce_sum(self, torch.cat([losses.detach() * counts, counts]))
        everywhere = total[k:].clamp_min(1)
        return losses * (counts * world / everywhere), total[:k] / everywhere, total[k:]

    def _task_gradient_step(self, loss, weighted, values, present, strategy,
                            adatask, adjust, surgery):
        """One gradient per task on the shared parameters (AdaTask, HTL, surgery)."""
        shared = self._shared_params()
        ids = {id(p) for p in shared}
        specific = [
            p for p in self.module_.parameters() if p.requires_grad and id(p) not in ids
        ] + self._weighting_params()
        per_task = []
        for k in range(len(self.tasks_)):
            grads = torch.autograd.grad(
                weighted[k], shared, retain_graph=True, allow_unused=True
            )
            per_task.append(
                [torch.zeros_like(p) if g is None else g for p, g in zip(shared, grads)]
            )
        stacked = [torch.stack(gs) for gs in zip(*per_task)]
        average_gradients(self, stacked)
        if adjust:
            stacked = htl_adjust_gradients(
                stacked,
                core=-1,
                alpha=self.adjust_alpha,
                gamma=self.adjust_gamma,
                clip=self.adjust_clip,
                norm=self.adjust_norm,
            )
        if surgery:
            stacked = strategy.adjust(stacked, values, present)
        if specific:
            backward(self, loss, inputs=specific)
            average_gradients(self, [p.grad for p in specific])
        for p, g in zip(shared, stacked):
            p.grad = g.sum(0)
        if adatask:
            unwrap_optimizer(self.optimizer_).set_task_gradients(shared, stacked)

    def _record_task_losses(self, losses, counts):
        """Sum each task's loss over the epoch, weighted by its labelled rows."""
        sums = getattr(self, "_epoch_loss_sums", None)
        if sums is None or sums[0].shape != losses.shape:
            sums = (torch.zeros_like(losses), torch.zeros_like(losses))
        self._epoch_loss_sums = (sums[0] + losses * counts, sums[1] + counts)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        self._epoch_loss_sums = None

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)
        sums = getattr(self, "_epoch_loss_sums", None)
        strategy = getattr(self, "loss_weighting_", None)
        if sums is None:
            return
        means = (sums[0] / sums[1].clamp_min(1)).cpu().numpy()
        means[sums[1].cpu().numpy() == 0] = np.nan
        if strategy is not None:
            strategy.epoch_end(means)
            w = strategy.weights()
            if w is not None:
                self.history.record("task_weighting", [float(v) for v in w])
        self._epoch_loss_sums = None

    # ------------------------------------------------------------------ #
    # public API
    # ------------------------------------------------------------------ #
    def fit(self, X, y=None, **fit_params):
        """Fit the network on X and the targets y (one column per task).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric features (integer codes in ``categorical_features``).
        y : array-like or DataFrame of shape (n_samples, n_tasks) or (n_samples,)
            The targets.
        **fit_params : dict
            Passed on to skorch's ``fit``.

        Returns
        -------
        self : MultiTaskNet
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        Xt = self._validate_X(X, reset=True)
        yf, ndim, _ = as_target_frame(y)
        check_consistent_length(Xt, yf)
        tasks = parse_tasks(self.tasks, yf)
        Yt = fit_encode_targets(tasks, yf, standardize=self.standardize_targets)
        strategy = self._check_params(len(tasks))
        adatask = isinstance(self.optimizer, type) and issubclass(self.optimizer, _AdaTaskBase)
        if adatask or self.gradient_adjustment == "htl" or (
            strategy is not None and strategy.needs_task_gradients
        ):
            refuse_per_task_gradients(self)
        self.tasks_ = tasks
        previous = getattr(self, "loss_weighting_", None)
        if self.warm_start and getattr(self, "initialized_", False) and (
            previous is not None and type(previous) is type(strategy)
        ):
            # warm start: keep the learned weights (and the tensors the
            # existing optimizer updates)
            strategy = previous
        elif strategy is not None:
            strategy.start([t.kind for t in tasks], self._device,
                           check_generator(shared_random_state(self, self.random_state)))
        self.loss_weighting_ = strategy
        self.task_names_ = [t.name for t in tasks]
        self.y_ndim_ = ndim
        self.task_weights_ = self._resolve_weights()
        if len(tasks) == 1 and tasks[0].kind != "regression":
            self.classes_ = tasks[0].classes
        elif hasattr(self, "classes_"):
            del self.classes_
        return self._fit_encoded(super().fit, Xt, Yt, **fit_params)

    def _fit_encoded(self, method, Xt, Yt, **fit_params):
        self._encoded_call = True
        try:
            seed = torch_seed(shared_random_state(self, self.random_state))
            with seeded_torch(seed, self._device):
                return method(Xt, Yt, **fit_params)
        finally:
            del self._encoded_call

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Continue training for ``max_epochs`` more epochs (after :meth:`fit`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_tasks)
        classes : None
            Unused, for API compatibility.
        **fit_params : dict
            Passed on to skorch.

        Returns
        -------
        self : MultiTaskNet
        """
        if not getattr(self, "initialized_", False) or not hasattr(self, "tasks_"):
            return self.fit(X, y, **fit_params)
        if getattr(self, "_encoded_call", False):
            # called by skorch's fit with already validated and encoded data
            return super().partial_fit(X, y, **fit_params)
        Xt = self._validate_X(X, reset=False)
        yf, _, _ = as_target_frame(y)
        Yt = np.column_stack(
            [
                (encode_targets([t], yf)[:, 0] - t.mean) / t.scale
                if t.kind == "regression"
                else encode_targets([t], yf)[:, 0]
                for t in self._resolve_score_tasks(yf)
            ]
        ).astype(np.float32)
        return self._fit_encoded(super().partial_fit, Xt, Yt, **fit_params)

    def _raw(self, X):
        check_is_fitted(self, "tasks_")
        Xt = self._validate_X(X, reset=False)
        with torch.no_grad():
            out = self.forward(Xt, training=False)
        return out.detach().cpu().numpy()

    def _slices(self):
        start = 0
        for t in self.tasks_:
            yield t, slice(start, start + t.dim)
            start += t.dim

    def predict(self, X):
        """Predict every task: labels for classification, values for regression.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_tasks), (n_samples,) or DataFrame
            A DataFrame (columns = task names, X's index) when X is a DataFrame
            and y was 2-D in fit; 1-D when y was 1-D.
        """
        out = self._raw(X)
        cols = [_decode(t, out[:, sl], "label") for t, sl in self._slices()]
        if self.y_ndim_ == 1:
            return cols[0]
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(dict(zip(self.task_names_, cols)), index=X.index)
        if all(np.asarray(c).dtype.kind in "biuf" for c in cols):
            return np.column_stack(cols)
        res = np.empty((out.shape[0], len(cols)), dtype=object)
        for j, c in enumerate(cols):
            res[:, j] = c
        return res

    @available_if(_has_classification_task)
    def predict_proba(self, X):
        """Class probabilities of the classification tasks.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or list of such arrays
            One array when there is a single classification task, else a list
            in task order (columns follow each task's ``classes``).
        """
        out = self._raw(X)
        probas = [
            _decode(t, out[:, sl], "proba")
            for t, sl in self._slices()
            if t.kind != "regression"
        ]
        if not probas:
            raise AttributeError(
                "predict_proba needs at least one classification task."
            )
        return probas[0] if len(probas) == 1 else probas

    def _resolve_score_tasks(self, yf):
        """Map the fitted tasks onto the columns of a new target frame."""
        cols = list(yf.columns)
        named = not all(isinstance(c, int | np.integer) for c in cols)
        tasks = []
        if named and all(str(t.column) in map(str, cols) for t in self.tasks_):
            lookup = {str(c): c for c in cols}
            for t in self.tasks_:
                t2 = type(t)(**{**t.__dict__, "column": lookup[str(t.column)]})
                tasks.append(t2)
            return tasks
        if len(cols) != len(self.tasks_):
            raise ValueError(
                f"y has {len(cols)} column(s) but the net was fitted on {len(self.tasks_)} task(s) "
                f"({self.task_names_})."
            )
        for t, c in zip(self.tasks_, cols):
            tasks.append(type(t)(**{**t.__dict__, "column": c}))
        return tasks

    def task_scores(self, X, y, scoring=None):
        """Score every task separately.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or DataFrame of shape (n_samples, n_tasks)
        scoring : None, str, callable or dict, default=None
            Overrides the ``scoring`` parameter (see :func:`make_task_scorer`).

        Returns
        -------
        dict
            Task name -> score (greater is better), on the rows that have the
            task's label (a task without any label in ``y`` is left out).
        """
        scoring = self.scoring if scoring is None else scoring
        yf, _, _ = as_target_frame(y)
        tasks = self._resolve_score_tasks(yf)
        out = self._raw(X)
        check_consistent_length(out, yf)
        scores = {}
        start = 0
        for t in tasks:
            sl = slice(start, start + t.dim)
            start += t.dim
            if isinstance(scoring, dict):
                if t.name not in scoring:
                    continue  # a dict scores only the tasks it names
                metric = scoring[t.name]
            else:
                metric = scoring
            if metric is None:
                metric = _DEFAULT_METRIC[t.kind]
            vals = yf[t.column]
            labelled = ~vals.isna().to_numpy()
            if not labelled.any():
                continue  # no label of this task: nothing to score
            y_true = vals.to_numpy()[labelled]
            if t.kind == "regression":
                y_true = y_true.astype(np.float64)
            scores[t.name] = float(_metric(metric, t, y_true, out[labelled][:, sl]))
        if isinstance(scoring, dict):
            unknown = set(scoring) - set(self.task_names_)
            if unknown:
                raise ValueError(
                    f"scoring names unknown task(s) {sorted(unknown)}; tasks: {self.task_names_}."
                )
        return scores

    def score(self, X, y, sample_weight=None):
        """Mean of the per-task scores (see :meth:`task_scores`).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or DataFrame of shape (n_samples, n_tasks)
        sample_weight : None
            Not supported; must be None.

        Returns
        -------
        score : float
        """
        if sample_weight is not None:
            raise ValueError("MultiTaskNet.score does not support sample_weight.")
        scores = self.task_scores(X, y)
        if not scores:
            raise ValueError("y holds no label of any scored task; nothing to score.")
        return float(np.mean(list(scores.values())))
