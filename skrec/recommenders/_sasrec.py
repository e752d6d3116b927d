"""The skorch net over sequence frames: SASRec, fit, recommend and score."""

import numbers
import re
import warnings

import numpy as np
import torch
from sklearn.utils import Tags, TargetTags
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from skorch import NeuralNet
from skorch.exceptions import NotInitializedError
from torch.nn import functional as F
from torch.utils.data import BatchSampler, DataLoader, RandomSampler

from skrec.metrics import ranking_scores
from skrec.recommenders._batching import LengthBucketSampler
from skrec.recommenders._callbacks import RankingScoring, _EarlyStoppingOnValidation
from skrec.recommenders._data import (
    LastItemSplit,
    SequenceDataset,
    sample_negatives,
)
from skrec.recommenders._evaluation import _target_ranks
from skrec.recommenders._modules import SASRecModule, next_item_loss
from skrec.sequence import ItemVocabulary, Ragged, check_item_ids, check_sequence_frame
from skrec.utils._random import check_generator, seeded_torch

__all__ = ["SASRec"]


def _apply_shortcuts(kwargs, shortcuts, prefix="optimizer"):
    """Fill ``kwargs`` from top-level shortcut parameters, never silently.

    A ``<prefix>__<name>`` given as well as a different shortcut value used to
    win silently; it still wins, with a ``FutureWarning`` (an error in skrec
    0.4): set the shortcut instead.
    """
    for name, value in shortcuts.items():
        if name in kwargs and kwargs[name] != value:
            warnings.warn(
                f"{prefix}__{name}={kwargs[name]!r} overrides {name}={value!r}; set "
                f"{name} (the documented shortcut) instead. Conflicting values will "
                "raise an error in skrec 0.4.",
                FutureWarning,
                stacklevel=3,
            )
        kwargs.setdefault(name, value)


class _MetricsDict(dict):
    """Metrics under skrec's names; the former "HIT@k" keys warn and still work."""

    def __missing__(self, key):
        if isinstance(key, str) and key.lower() in self and key != key.lower():
            warnings.warn(
                f"evaluate() now returns lower-case metric names ({key.lower()!r}, "
                f"as the history and skrec.metrics); {key!r} will stop working in "
                "skrec 0.4.",
                FutureWarning,
                stacklevel=2,
            )
            return self[key.lower()]
        raise KeyError(key)


def _identity(batch):
    return batch


class _Encoded:
    """Internal-id training data handed to skorch's fit loop."""

    def __init__(self, train, valid=None):
        self.train = train  # Ragged
        self.valid = valid  # (Ragged, targets) or None

    def __len__(self):
        return self.train.n_sequences


class SASRec(NeuralNet):
    """SASRec next-item recommender on sequence frames (a skorch ``NeuralNet``).

    A causal transformer encodes each user's most recent ``max_seq_length``
    items; the score of an item is the dot product of the last hidden state
    with the item's embedding. The estimator learns its own item vocabulary
    (``items_``) in ``fit`` so that every output is in the caller's item ids.

    Training: each row's sequence (``X``'s items, followed by ``y`` when given)
    is one example whose every position predicts the next item, which is the
    same as training on every prefix in one pass (``training_examples=
    "sequences"``, what the SASRec, CoSeRec and TiCoSeRec reference code does);
    ``"prefixes"`` makes each prefix a separate example instead. The default
    next-item loss is SASRec's binary cross-entropy with one sampled negative
    per position (never an item of the same sequence); ``loss="ce"`` uses the
    softmax over all items.

    Batching: by default (``batching="length"``) a batch holds sequences of
    similar length (:class:`~skrec.recommenders.LengthBucketSampler`), so
    that batches are only as wide as their rows and almost no time goes to
    padding; the next-item loss is then normalised by the expected number of
    positions of a batch, so that every position of the data weighs the same
    as under random batches. ``batching="random"`` restores plain random
    batches (loss averaged over each batch's positions). On Amazon Beauty,
    one CPU thread, the length-aware path with the padding-free encoder
    trains an epoch 5.6x faster than padded random batches (5.7x with the
    contrastive loss) with the same validation curve
    (``benchmarks/results/training_speed.md``).

    Validation and early stopping: with ``train_split="leave_last_out"`` each
    row's last item is held out and predicted from the items before it; the
    ``monitor`` metric of that full ranking (seen items excluded) drives
    early stopping with ``patience`` epochs, and the best epoch's weights are
    restored at the end. ``fit(X, y, validation_data=(X_valid, y_valid))``
    uses a given validation set instead; ``train_split=None`` trains on all
    of ``X`` for ``max_epochs`` epochs (use it when an outer cross-validation
    owns the split).

    Parameters
    ----------
    hidden_size : int, default=128
        Width of the item/position embeddings and of the transformer.
    n_layers : int, default=2
        Number of transformer blocks.
    n_heads : int, default=2
        Attention heads; must divide ``hidden_size``.
    inner_size : int, default=256
        Width of the feed-forward layer of each block.
    hidden_dropout : float, default=0.5
        Dropout on embeddings and block outputs.
    attn_dropout : float, default=0.2
        Dropout on attention probabilities.
    max_seq_length : int, default=50
        Number of most recent items the model reads (left-padded with 0).
    layer_norm_eps : float, default=1e-12
    initializer_range : float, default=0.02
        Standard deviation of the normal weight initialisation.
    loss : {"bce", "ce"}, default="bce"
        Next-item loss: binary cross-entropy against one sampled negative, or
        full softmax cross-entropy.
    rec_weight : float, default=1.0
        Weight of the next-item loss.
    n_negatives : int, default=1
        Negatives sampled per position for ``loss="bce"`` (uniformly, never an
        item of the same sequence); 1 is SASRec's loss.
    training_examples : {"sequences", "prefixes"}, default="sequences"
        One training example per sequence (every position trained) or per
        prefix.
    batching : {"length", "random"}, default="length"
        ``"length"``: training batches of sequences of similar length drawn
        from shuffled pools of 50 batches (fast; see above). ``"random"``:
        uniformly random batches padded to their longest row.
    lr : float, default=1e-3
        Adam learning rate.
    betas : tuple of float, default=(0.9, 0.999)
        Adam coefficients.
    weight_decay : float, default=1e-6
        Adam weight decay.
    batch_size : int, default=128
        Training batch size.
    eval_batch_size : int, default=256
        Batch size of validation, prediction and scoring (small batches keep
        the ``(batch, n_items)`` score matrix in reused memory: on the CPU,
        256 ranks Beauty's 12,101 items twice as fast as 1024).
    max_epochs : int, default=350
    patience : int or None, default=150
        Stop after this many epochs without a better ``monitor``;
        ``None`` disables early stopping.
    monitor : str, default="valid_ndcg@10"
        Validation metric that early stopping follows, ``"valid_ndcg@K"`` or
        ``"valid_hit@K"`` (the TiCoSeRec reference follows
        ``"valid_ndcg@20"``). The history records HIT and NDCG at 5, 10 and
        20, and at ``K``.
    train_split : "leave_last_out", None or callable, default="leave_last_out"
        Internal validation split (see above); ``"leave_last_out"`` is
        :class:`~skrec.recommenders.LastItemSplit`. A callable gets the
        training :class:`~skrec.recommenders.SequenceDataset` and returns
        ``(train, valid)`` datasets, like skorch's ``train_split``.
    handle_unknown : {"warn", "ignore", "error"}, default="warn"
        Items absent from ``items_`` at prediction time are treated as
        padding (the position is kept, the item is ignored by attention), with
        a warning for ``"warn"``; ``"error"`` raises a ``ValueError``.
    max_item_id : int or None, default=None
        Highest item id of the catalogue: :meth:`decision_function` and
        :meth:`predict_proba` return ``max_item_id + 1`` columns (column ``j``
        for item id ``j``). ``None`` means the highest id seen in ``fit``. Set
        it when validation targets may hold ids absent from the training rows,
        e.g. with :func:`skrec.metrics.make_ranking_scorer` in a grid search.
    random_state : int, RandomState, numpy Generator or None, default=None
        Seeds weight initialisation, dropout, shuffling, negatives and
        augmentation; an int gives bit-identical results on the same machine
        (a RandomState or Generator is drawn from, so refits continue its
        stream, as in scikit-learn).
    callbacks, warm_start, verbose, device
        As in :class:`skorch.NeuralNet`.
    **kwargs
        Other :class:`skorch.NeuralNet` arguments (``module__*``,
        ``optimizer__*``, ``callbacks__*``, ...).

    Attributes
    ----------
    items_ : ndarray of shape (n_items,)
        Caller item ids known to the model, sorted. Column ``j`` of
        :meth:`decision_function` and :meth:`predict_proba` scores item id
        ``j`` (ids absent from ``items_`` score ``-inf``).
    n_items_ : int
    module_ : SASRecModule
    history_ : skorch History

    See Also
    --------
    CoSeRec, TiCoSeRec

    References
    ----------
    .. [1] Kang and McAuley, "Self-Attentive Sequential Recommendation",
       ICDM 2018.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import SASRec
    >>> X = make_sequence_frame([[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]] * 10)
    >>> model = SASRec(hidden_size=16, n_heads=1, inner_size=16, max_seq_length=5,
    ...                max_epochs=2, train_split=None, verbose=0, random_state=0)
    >>> model = model.fit(X)
    >>> model.recommend(X.iloc[:2], k=3).shape
    (2, 3)
    """

    _parameter_constraints = {
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_layers": [Interval(numbers.Integral, 0, None, closed="left")],
        "n_heads": [Interval(numbers.Integral, 1, None, closed="left")],
        "inner_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "attn_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "max_seq_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "layer_norm_eps": [Interval(numbers.Real, 0, None, closed="neither")],
        "initializer_range": [Interval(numbers.Real, 0, None, closed="left")],
        "loss": [StrOptions({"bce", "ce"})],
        "rec_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "n_negatives": [Interval(numbers.Integral, 1, None, closed="left")],
        "training_examples": [StrOptions({"sequences", "prefixes"})],
        "batching": [StrOptions({"length", "random"})],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "eval_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "patience": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "monitor": [str],
        "train_split": [StrOptions({"leave_last_out"}), callable, None],
        "handle_unknown": [StrOptions({"warn", "ignore", "error"})],
        "max_item_id": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        *,
        hidden_size=128,
        n_layers=2,
        n_heads=2,
        inner_size=256,
        hidden_dropout=0.5,
        attn_dropout=0.2,
        max_seq_length=50,
        layer_norm_eps=1e-12,
        initializer_range=0.02,
        loss="bce",
        rec_weight=1.0,
        n_negatives=1,
        training_examples="sequences",
        batching="length",
        lr=1e-3,
        betas=(0.9, 0.999),
        weight_decay=1e-6,
        batch_size=128,
        eval_batch_size=256,
        max_epochs=350,
        patience=150,
        monitor="valid_ndcg@10",
        train_split="leave_last_out",
        handle_unknown="warn",
        max_item_id=None,
        random_state=None,
        callbacks=None,
        warm_start=False,
        verbose=1,
        device="cpu",
        **kwargs,
    ):
        kwargs.setdefault("module", SASRecModule)
        kwargs.setdefault("criterion", torch.nn.Identity)
        kwargs.setdefault("optimizer", torch.optim.Adam)
        super().__init__(
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.inner_size = inner_size
        self.hidden_dropout = hidden_dropout
        self.attn_dropout = attn_dropout
        self.max_seq_length = max_seq_length
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.loss = loss
        self.rec_weight = rec_weight
        self.n_negatives = n_negatives
        self.training_examples = training_examples
        self.batching = batching
        self.betas = betas
        self.weight_decay = weight_decay
        self.eval_batch_size = eval_batch_size
        self.patience = patience
        self.monitor = monitor
        self.handle_unknown = handle_unknown
        self.max_item_id = max_item_id
        self.random_state = random_state

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = Tags(estimator_type=None, target_tags=TargetTags(required=False))
        # Input is a sequence frame (one row per user, list-valued cells).
        tags.input_tags.two_d_array = False
        tags.non_deterministic = self.random_state is None
        return tags

    # --------------------------------------------------------- initialisation
    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        k = int(self.monitor.rsplit("@", 1)[1])
        ks = (k,) + tuple(c for c in (5, 10, 20) if c != k)
        callbacks.insert(-1, ("valid_ranking", RankingScoring(k=ks)))
        if self.patience is not None:
            callbacks.insert(
                -1,
                (
                    "early_stopping",
                    _EarlyStoppingOnValidation(
                        monitor=self.monitor,
                        lower_is_better=False,
                        patience=self.patience,
                        load_best=True,
                    ),
                ),
            )
        return callbacks

    def initialize_module(self):
        if not hasattr(self, "items_"):
            raise NotInitializedError(
                f"{type(self).__name__} learns its item vocabulary in fit: call "
                "fit(X) first, or load_params(f_params=...) on an unfitted "
                "instance (it restores the vocabulary from the file)."
            )
        kwargs = dict(
            n_items=self.n_items_,
            hidden_size=self.hidden_size,
            n_layers=self.n_layers,
            n_heads=self.n_heads,
            inner_size=self.inner_size,
            hidden_dropout=self.hidden_dropout,
            attn_dropout=self.attn_dropout,
            max_seq_length=self.max_seq_length,
            layer_norm_eps=self.layer_norm_eps,
            initializer_range=self.initializer_range,
        )
        kwargs.update(self.get_params_for("module"))
        module = self.module(**kwargs)
        # The vocabulary travels with the weights (save_params/load_params).
        module.register_buffer("item_ids", torch.as_tensor(self.items_))
        self.module_ = module
        return self

    def initialize_optimizer(self, triggered_directly=None):
        args, kwargs = self.get_params_for_optimizer(
            "optimizer", self.get_all_learnable_params()
        )
        if self.optimizer is torch.optim.Adam:
            _apply_shortcuts(kwargs, {"betas": tuple(self.betas)})
            # One fused kernel for all parameters instead of ~10 small ops per
            # tensor: the optimizer step was a sixth of a CPU training step.
            if "foreach" not in kwargs:
                kwargs.setdefault("fused", True)
        _apply_shortcuts(kwargs, {"weight_decay": self.weight_decay})
        self.optimizer_ = self.optimizer(*args, **kwargs)
        return self

    # ------------------------------------------------------------ validation
    def _validate_hyperparameters(self):
        names = self._parameter_constraints
        validate_parameter_constraints(
            names, {k: getattr(self, k) for k in names}, caller_name=type(self).__name__
        )
        if not re.fullmatch(r"valid_(hit|ndcg)@[1-9][0-9]*", self.monitor):
            raise ValueError(
                f"monitor must be 'valid_ndcg@K' or 'valid_hit@K' with a positive "
                f"integer K (e.g. 'valid_ndcg@20'), got {self.monitor!r}."
            )
        if self.hidden_size % self.n_heads:
            raise ValueError(
                f"hidden_size={self.hidden_size} must be a multiple of "
                f"n_heads={self.n_heads}."
            )

    def _check_y(self, y, n_rows):
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n_rows:
            raise ValueError(
                f"y must be a 1-D array with one next item per row of X "
                f"({n_rows} rows), got shape {y.shape}."
            )
        return check_item_ids(y, "y", min_id=1)

    def _encode(self, ragged, where):
        internal, unknown = ItemVocabulary(self.items_).encode(ragged.items)
        if unknown.any():
            n_unknown = int(unknown.sum())
            msg = (
                f"{n_unknown} item occurrence(s) in {where} are not in the "
                f"vocabulary learned in fit ({self.n_items_} items), for example "
                f"item {int(ragged.items[unknown][0])}."
            )
            if self.handle_unknown == "error":
                raise ValueError(
                    msg + " Set handle_unknown='warn' or 'ignore' to treat them "
                    "as padding, or refit on data that contains them."
                )
            if self.handle_unknown == "warn":
                warnings.warn(msg + " They are treated as padding.", UserWarning,
                              stacklevel=3)
        return Ragged(internal, ragged.timestamps, ragged.offsets)

    def _prepare(self, X, y, validation_data, refit):
        self._validate_hyperparameters()
        ragged = check_sequence_frame(X)
        if y is not None:
            ragged = ragged.append(self._check_y(y, len(X)))
        if refit:
            self.items_ = np.unique(ragged.items)
            self.n_items_ = len(self.items_)
            self.rng_ = check_generator(self.random_state)
        if not (ragged.lengths >= 2).any():
            raise ValueError(
                "No training pair: every sequence has fewer than 2 items. "
                "Pass sequences of length >= 2, or y (the next item of each row)."
            )
        train = self._encode(ragged, "X")
        valid = None
        if validation_data is not None:
            if not (isinstance(validation_data, tuple) and len(validation_data) == 2):
                raise TypeError(
                    "validation_data must be a tuple (X_valid, y_valid) of a "
                    "sequence frame and its next items."
                )
            Xv, yv = validation_data
            rv = check_sequence_frame(Xv)
            yv = self._check_y(yv, len(Xv))
            targets, _ = ItemVocabulary(self.items_).encode(yv)
            valid = (self._encode(rv, "validation_data"), targets)
        return _Encoded(train, valid)

    def _torch_seed(self):
        return int(self.rng_.integers(2**63 - 1))

    # -------------------------------------------------------------- fitting
    def fit(self, X, y=None, validation_data=None, **fit_params):
        """Fit on a sequence frame.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame (columns ``items`` and ``timestamps``).
        y : array-like of shape (n_rows,), default=None
            Next item of each row; the training sequence is then ``X``'s items
            followed by ``y`` (stamped with the row's last timestamp).
        validation_data : tuple (X_valid, y_valid), default=None
            Validation rows and their next items; replaces ``train_split``.
        **fit_params
            Passed to skorch.

        Returns
        -------
        self
        """
        refit = not (self.warm_start and self.initialized_)
        data = self._prepare(X, y, validation_data, refit=refit)
        with seeded_torch(self._torch_seed(), self.device):
            if refit:
                self.initialize()
            NeuralNet.partial_fit(self, data, None, **fit_params)
        return self

    def partial_fit(self, X, y=None, classes=None, validation_data=None, **fit_params):
        """Continue training (initialising on the first call); see :meth:`fit`."""
        data = self._prepare(X, y, validation_data, refit=not self.initialized_)
        with seeded_torch(self._torch_seed(), self.device):
            NeuralNet.partial_fit(self, data, None, **fit_params)
        return self

    def get_dataset(self, X, y=None):
        if isinstance(X, SequenceDataset):
            return X
        return SequenceDataset(
            X.train, self.max_seq_length, examples=self.training_examples
        )

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = self.get_dataset(X)
        if len(dataset) == 0:
            raise ValueError("No training pair: every sequence has fewer than 2 items.")
        if getattr(X, "valid", None) is not None:
            ragged, targets = X.valid
            return dataset, SequenceDataset(ragged, self.max_seq_length, targets=targets)
        if self.train_split is None:
            return dataset, None
        split = LastItemSplit() if self.train_split == "leave_last_out" else self.train_split
        train, valid = split(dataset, **fit_params)
        if len(train) == 0:
            raise ValueError(
                "No training pair left after holding out each row's last item for "
                "validation: use longer sequences or train_split=None."
            )
        return train, valid

    def get_iterator(self, dataset, training=False):
        if training:
            if self.batching == "length":
                batches = LengthBucketSampler(
                    dataset.input_lengths(), self.batch_size,
                    random_state=self._torch_seed(),
                )
                return DataLoader(dataset, batch_size=None, sampler=batches,
                                  collate_fn=_identity)
            gen = torch.Generator().manual_seed(self._torch_seed())
            sampler = RandomSampler(dataset, generator=gen)
            batch_size = self.batch_size
        else:
            # Rows of similar length together: narrow batches, same results.
            sampler = dataset.length_order().tolist()
            batch_size = self.eval_batch_size
        return DataLoader(
            dataset,
            batch_size=None,
            sampler=BatchSampler(sampler, batch_size, drop_last=False),
            collate_fn=_identity,
        )

    def infer(self, x, last_only=False, **fit_params):
        """Hidden states of a batch ``{"input_ids": (batch, length)}``."""
        return self.module_(x["input_ids"].to(self.device), last_only=last_only)

    def _negatives(self, input_ids, targets):
        exclude = torch.cat([input_ids, targets[:, -1:]], dim=1).cpu().numpy()
        shape = tuple(targets.shape)
        if self.n_negatives > 1:
            shape += (self.n_negatives,)
        neg = sample_negatives(self.rng_, self.n_items_, shape, exclude)
        return torch.from_numpy(neg).to(self.device)

    def compute_losses(self, batch, hidden):
        """Loss terms of a training batch, ``{name: scalar tensor}``."""
        Xi, yi = batch
        targets = yi["targets"].to(self.device)
        negatives = None
        if self.loss == "bce":
            negatives = self._negatives(Xi["input_ids"], yi["targets"])
        normalizer = yi["expected_targets"] if self.batching == "length" else None
        rec = next_item_loss(self.module_, hidden, targets, negatives, kind=self.loss,
                             normalizer=normalizer)
        return {"rec_loss": self.rec_weight * rec}

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Total training loss (``y_pred`` are hidden states of batch ``X``)."""
        losses = self.compute_losses((X, y_true), y_pred)
        return sum(losses.values())

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = batch
        hidden = self.infer(Xi)
        losses = self.compute_losses(batch, hidden)
        loss = sum(losses.values())
        loss.backward()
        if len(losses) > 1:
            for name, value in losses.items():
                self.history.record_batch(name, value.item())
        return {"loss": loss, "y_pred": hidden}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = batch
        with torch.no_grad():
            scores = self.module_.item_scores(self.infer(Xi, last_only=True)[:, -1])
            targets = yi["targets"].to(self.device)
            known = targets > 0
            loss = (
                F.cross_entropy(scores[known], targets[known] - 1)
                if known.any()
                else scores.sum() * 0.0
            )
            ranks = _target_ranks(
                scores,
                targets,
                yi["seen_rows"].to(self.device),
                yi["seen_items"].to(self.device),
            )
        return {"loss": loss, "y_pred": ranks}

    # ------------------------------------------------------------ prediction
    def _check_fitted(self):
        if not getattr(self, "initialized_", False) or not hasattr(self, "items_"):
            raise NotInitializedError(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                "'fit' with a sequence frame before using it."
            )

    def _eval_batches(self, X, targets=None):
        """Yield (rows, scores, targets, seen_rows, seen_items) per batch.

        Batches come in order of sequence length; ``rows`` are their
        positions in ``X``.
        """
        self._check_fitted()
        ragged = self._encode(check_sequence_frame(X), "X")
        if targets is None:
            targets = np.zeros(ragged.n_sequences, dtype=np.int64)
        dataset = SequenceDataset(ragged, self.max_seq_length, targets=targets)
        self._set_training(False)
        with torch.inference_mode():
            for Xi, yi in self.get_iterator(dataset, training=False):
                scores = self.module_.item_scores(self.infer(Xi, last_only=True)[:, -1])
                yield (
                    yi["index"].numpy(),
                    scores,
                    yi["targets"].to(self.device),
                    yi["seen_rows"].to(self.device),
                    yi["seen_items"].to(self.device),
                )

    def _n_columns(self):
        highest = int(self.items_.max())
        if self.max_item_id is None:
            return highest + 1
        if self.max_item_id < highest:
            raise ValueError(
                f"max_item_id={self.max_item_id} is below the highest item id seen "
                f"in fit ({highest}); raise it or leave it None."
            )
        return int(self.max_item_id) + 1

    def _full_columns(self, X, fill, transform=None):
        """Scores of all rows in X's order, in columns indexed by item id."""
        batches = self._eval_batches(X)
        out = np.full((len(X), self._n_columns()), fill, dtype=np.float32)
        for rows, scores, *_ in batches:
            if transform is not None:
                scores = transform(scores)
            out[np.ix_(rows, self.items_)] = scores.cpu().numpy()
        return out

    def decision_function(self, X):
        """Score of every item as the next item of every row (higher is better).

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.

        Returns
        -------
        scores : ndarray of shape (n_rows, n_columns), dtype float32
            ``n_columns`` is ``max_item_id + 1`` (by default the highest id
            seen in fit, plus one). Column ``j`` scores item id
            ``j`` (skrec's convention, shared with
            :func:`skrec.metrics.make_ranking_scorer`); column 0 (padding) and
            ids not in ``items_`` are ``-inf``. Seen items are not excluded.
        """
        return self._full_columns(X, -np.inf)

    def predict_proba(self, X):
        """Softmax of :meth:`decision_function` over the known items.

        Returns
        -------
        proba : ndarray of shape (n_rows, n_columns)
            ``n_columns`` as in :meth:`decision_function`. Column ``j`` is the probability
            that item id ``j`` comes next
            (0 for column 0 and for ids not in ``items_``).
        """
        return self._full_columns(
            X, 0.0, transform=lambda s: torch.softmax(s, dim=1)
        )

    def recommend(self, X, k=10, exclude_seen=True):
        """Top-``k`` next items of every row, best first.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        k : int, default=10
            Number of items; at most ``n_items_``.
        exclude_seen : bool, default=True
            Never recommend an item already in the row (when fewer than ``k``
            unseen items exist, seen ones fill the last slots).

        Returns
        -------
        items : ndarray of shape (n_rows, k)
            Caller item ids.
        """
        self._check_fitted()
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}.")
        if k > self.n_items_:
            raise ValueError(
                f"k={k} exceeds the catalogue of {self.n_items_} items learned in fit."
            )
        out = np.zeros((len(X), k), dtype=np.int64)
        for rows, scores, _, seen_rows, seen_items in self._eval_batches(X):
            if exclude_seen:
                keep = seen_items > 0
                scores[seen_rows[keep], seen_items[keep] - 1] = float("-inf")
            out[rows] = torch.topk(scores, k, dim=1).indices.cpu().numpy()
        return self.items_[out]

    def predict(self, X, exclude_seen=True):
        """Most likely next item of every row (caller ids).

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        exclude_seen : bool, default=True
            Skip items already in the row, as in the evaluation protocol.

        Returns
        -------
        items : ndarray of shape (n_rows,)
        """
        return self.recommend(X, k=1, exclude_seen=exclude_seen)[:, 0]

    def rank(self, X, y):
        """Full-ranking rank (1 = best) of each row's next item ``y``.

        Seen items are excluded from the ranking; a next item that is unknown
        to the model or already in the row is a miss (rank ``inf``).

        Returns
        -------
        ranks : ndarray of shape (n_rows,), dtype float64
        """
        self._check_fitted()
        y = self._check_y(y, len(X))
        targets, _ = ItemVocabulary(self.items_).encode(y)
        ranks = np.empty(len(X), dtype=np.float64)
        for rows, s, t, r, i in self._eval_batches(X, targets):
            ranks[rows] = _target_ranks(s, t, r, i).cpu().numpy()
        return ranks

    def score(self, X, y):
        """NDCG@10 of the next items ``y`` under full ranking (seen excluded).

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        y : array-like of shape (n_rows,)
            Next item of every row.

        Returns
        -------
        ndcg : float
        """
        return ranking_scores(self.rank(X, y), ks=10, metrics=("ndcg",))["ndcg@10"]

    def evaluate(self, X, y, ks=(5, 10, 20)):
        """HIT@k and NDCG@k of the next items ``y`` for every ``k`` in ``ks``.

        Full ranking, the user's seen items excluded, computed by
        :func:`skrec.metrics.ranking_scores`.

        Returns
        -------
        metrics : dict
            ``{"hit@5": ..., "ndcg@5": ..., ...}``, the names of the history
            (``valid_hit@5``, ...) and of :mod:`skrec.metrics`. The former
            upper-case keys (``"HIT@5"``) still work and warn
            (``FutureWarning``; removed in skrec 0.4).
        """
        return _MetricsDict(ranking_scores(self.rank(X, y), ks=ks))

    # ------------------------------------------------------------ persistence
    def load_params(self, f_params=None, *args, **kwargs):
        """Load parameters saved with ``save_params``.

        On an unfitted instance the item vocabulary is restored from
        ``f_params`` first, so ``SASRec(**same_params).load_params(f_params=f)``
        gives a ready-to-use model. Other arguments as in
        :meth:`skorch.NeuralNet.load_params`.

        Returns
        -------
        self
        """
        if f_params is not None and not getattr(self, "initialized_", False):
            if hasattr(f_params, "seek"):
                pos = f_params.tell()
                state = torch.load(f_params, map_location="cpu", weights_only=True)
                f_params.seek(pos)
            else:
                state = torch.load(f_params, map_location="cpu", weights_only=True)
            if "item_ids" not in state:
                raise ValueError(
                    "f_params holds no item vocabulary ('item_ids'); it was not "
                    "saved from a skrec recommender."
                )
            self.items_ = state["item_ids"].numpy().astype(np.int64)
            self.n_items_ = len(self.items_)
            if not hasattr(self, "rng_"):
                self.rng_ = check_generator(self.random_state)
            self.initialize()
        super().load_params(f_params, *args, **kwargs)
        return self
