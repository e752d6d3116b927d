"""The skorch base of skrec's sequential recommenders: fit, recommend, score.

Everything that does not depend on the encoder lives here: the item
vocabulary, batching, validation and early stopping, the next-item loss
family, prediction, ranking and scoring. A model (SASRec, GRU4Rec, BERT4Rec)
is a subclass that names its torch module and the parameters it passes to
it (``_module_params``).
"""

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
from skrec.recommenders._docs import fill_doc
from skrec.recommenders._evaluation import _target_ranks
from skrec.recommenders._modules import next_item_loss
from skrec.sequence import ItemVocabulary, Ragged, check_item_ids, check_sequence_frame
from skrec.utils._distributed import (
    AccelerateSupportMixin,
    accelerator_safe_criterion,
    backward,
    process_rank,
    process_rng,
    shard_normalizer,
    shared_random_state,
    unwrap_module,
)
from skrec.utils._random import check_generator, seeded_torch

__all__ = ["BaseSequentialRecommender"]


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


class _ProcessBatches:
    """This process's share of every global batch, built by the dataset."""

    def __init__(self, dataset, batches, rank, world):
        self.dataset, self.batches, self.rank, self.world = dataset, batches, rank, world

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for idx in self.batches:
            yield self.dataset[np.asarray(idx)[self.rank :: self.world]]


class _Encoded:
    """Internal-id training data handed to skorch's fit loop."""

    def __init__(self, train, valid=None):
        self.train = train  # Ragged
        self.valid = valid  # (Ragged, targets) or None

    def __len__(self):
        return self.train.n_sequences


class BaseSequentialRecommender(AccelerateSupportMixin, NeuralNet):
    """Base class of skrec's sequential recommenders (a skorch ``NeuralNet``).

    A subclass names its encoder (``module``, a torch module built as
    ``module(n_items=..., **{name: getattr(net, name) for name in
    _module_params})``) and adds the encoder's parameters; everything else
    -- the item vocabulary, training batches, the next-item loss family,
    validation, early stopping, prediction, ranking and scoring -- is shared.
    The encoder protocol is in :doc:`/user_guide/extending`.

    Do not use this class directly; use :class:`SASRec`, :class:`GRU4Rec`,
    :class:`BERT4Rec` or a subclass of your own.

    Parameters
    ----------
    %(shared)s
    """

    # Names of the estimator parameters handed to the module (subclasses).
    _module_params = ()
    # The class a saved model of this kind is loaded back as (persistence).
    _ranking_class = None

    _parameter_constraints = {
        "max_seq_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "loss": [StrOptions({"bce", "ce", "sampled_softmax"})],
        "rec_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "n_negatives": [Interval(numbers.Integral, 1, None, closed="left")],
        "negative_sampling": [StrOptions({"uniform", "popularity"})],
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
        max_seq_length=50,
        loss="bce",
        rec_weight=1.0,
        n_negatives=1,
        negative_sampling="uniform",
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
        self.max_seq_length = max_seq_length
        self.loss = loss
        self.rec_weight = rec_weight
        self.n_negatives = n_negatives
        self.negative_sampling = negative_sampling
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
        kwargs = {name: getattr(self, name) for name in self._module_params}
        kwargs["n_items"] = self.n_items_
        kwargs.update(self.get_params_for("module"))
        module = self.module(**kwargs)
        # The vocabulary travels with the weights (save_params/load_params).
        module.register_buffer("item_ids", torch.as_tensor(self.items_))
        self.module_ = module
        return self

    def initialize_criterion(self):
        super().initialize_criterion()
        self.criterion_ = accelerator_safe_criterion(self, self.criterion_)
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
        self._check_architecture()

    def _check_architecture(self):
        """Cross-parameter checks of the encoder's parameters (subclasses)."""

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
            self.rng_ = check_generator(shared_random_state(self, self.random_state))
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
        with seeded_torch(self._torch_seed(), self._device):
            if refit:
                self.initialize()
            NeuralNet.partial_fit(self, data, None, **fit_params)
        return self

    def partial_fit(self, X, y=None, classes=None, validation_data=None, **fit_params):
        """Continue training (initialising on the first call); see :meth:`fit`."""
        data = self._prepare(X, y, validation_data, refit=not self.initialized_)
        with seeded_torch(self._torch_seed(), self._device):
            NeuralNet.partial_fit(self, data, None, **fit_params)
        return self

    def get_dataset(self, X, y=None):
        if isinstance(X, SequenceDataset):
            return X
        return SequenceDataset(
            X.train, self.max_seq_length, examples=self.training_examples
        )

    def get_split_datasets(self, X, y=None, **fit_params):
        train, valid = self._split_datasets(X, **fit_params)
        self._set_negative_distribution(train.ragged)
        return train, valid

    def _split_datasets(self, X, **fit_params):
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

    def _set_negative_distribution(self, ragged):
        """Sampling distribution of the negatives, from the training items.

        ``item_counts_`` (internal ids ``1..n_items_`` at positions
        ``0..n_items_-1``) counts the training occurrences; with
        ``negative_sampling="popularity"`` an item is drawn with probability
        proportional to its count (items never seen in training: never), and
        ``log_q_`` holds the log-probabilities that the sampled-softmax
        correction subtracts.
        """
        items = ragged.items[ragged.items > 0]
        self.item_counts_ = np.bincount(items - 1, minlength=self.n_items_)[: self.n_items_]
        if self.negative_sampling == "popularity":
            q = self.item_counts_ / max(int(self.item_counts_.sum()), 1)
        else:
            q = np.full(self.n_items_, 1.0 / self.n_items_)
        self.negative_cdf_ = np.cumsum(q)
        with np.errstate(divide="ignore"):
            # Index 0 (padding) is never sampled; items of probability 0 are
            # never drawn as negatives (a positive of probability 0 gets no
            # correction rather than an infinite one).
            log_q = np.concatenate([[0.0], np.where(q > 0, np.log(q), 0.0)])
        self.log_q_ = torch.as_tensor(log_q, dtype=torch.float32)

    def get_iterator(self, dataset, training=False):
        if training:
            if self.batching == "length":
                batches = LengthBucketSampler(
                    dataset.input_lengths(), self.batch_size,
                    random_state=self._torch_seed(),
                )
            else:
                gen = torch.Generator().manual_seed(self._torch_seed())
                batches = BatchSampler(RandomSampler(dataset, generator=gen),
                                       self.batch_size, drop_last=False)
        else:
            # Rows of similar length together: narrow batches, same results.
            batches = BatchSampler(dataset.length_order().tolist(), self.eval_batch_size,
                                   drop_last=False)
        rank, world = process_rank(self)
        if getattr(self, "accelerator", None) is not None:
            # Under AccelerateMixin: every process draws the same global
            # batches (same seed) and trains on its share of each; evaluation
            # sees every row in every process. Not a DataLoader, so that the
            # accelerator does not shard it a second time.
            return _ProcessBatches(dataset, batches, rank if training else 0,
                                   world if training else 1)
        return DataLoader(dataset, batch_size=None, sampler=batches, collate_fn=_identity)

    def _encoder(self):
        """The encoder module (unwrapped from DistributedDataParallel)."""
        return unwrap_module(self.module_)

    def infer(self, x, last_only=False, **fit_params):
        """Hidden states of a batch ``{"input_ids": (batch, length)}``."""
        return self.module_(x["input_ids"].to(self._device), last_only=last_only)

    def _negatives(self, exclude, shape):
        """Negatives of shape ``shape`` (+ ``n_negatives``), never in ``exclude``.

        ``exclude`` is a (batch, m) tensor of each row's items.
        """
        shape = tuple(shape)
        if self.n_negatives > 1 or self.loss == "sampled_softmax":
            shape += (self.n_negatives,)
        cdf = getattr(self, "negative_cdf_", None)
        if self.negative_sampling == "uniform":
            cdf = None
        neg = sample_negatives(process_rng(self, "rng_"), self.n_items_, shape,
                               exclude.cpu().numpy(), cdf=cdf)
        return torch.from_numpy(neg).to(self._device)

    def _rec_loss(self, hidden, targets, exclude, normalizer):
        """The next-item loss chosen by ``loss`` (targets 0 are not scored)."""
        negatives = None
        if self.loss != "ce":
            negatives = self._negatives(exclude, targets.shape)
        log_q = None
        if self.loss == "sampled_softmax" and self.negative_sampling == "popularity":
            log_q = self.log_q_.to(self._device)
        rec = next_item_loss(self._encoder(), hidden, targets, negatives, kind=self.loss,
                             normalizer=normalizer, log_q=log_q)
        return self.rec_weight * rec

    def compute_losses(self, batch, hidden):
        """Loss terms of a training batch, ``{name: scalar tensor}``."""
        Xi, yi = batch
        targets = yi["targets"].to(self._device)
        exclude = torch.cat([Xi["input_ids"], yi["targets"][:, -1:]], dim=1)
        normalizer = self._loss_normalizer(yi, targets)
        return {"rec_loss": self._rec_loss(hidden, targets, exclude, normalizer)}

    def _loss_normalizer(self, yi, targets, share=1.0):
        """Divisor of the batch's summed next-item loss (``None``: the mean).

        With ``batching="length"``, the expected number of targets of the
        batch (``share`` of its expected positions); otherwise the number of
        targets. Under several processes, the global count divided by the
        number of processes (see ``skrec.utils._distributed``).
        """
        count = yi["expected_targets"] * share if self.batching == "length" else None
        if process_rank(self)[1] == 1:
            return count
        if count is None:
            count = int((targets > 0).sum())
        return max(shard_normalizer(self, count), 1e-12)

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
        backward(self, loss)
        if len(losses) > 1:
            for name, value in losses.items():
                self.history.record_batch(name, value.item())
        return {"loss": loss, "y_pred": hidden}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = batch
        with torch.no_grad():
            scores = self._encoder().item_scores(self.infer(Xi, last_only=True)[:, -1])
            targets = yi["targets"].to(self._device)
            known = targets > 0
            loss = (
                F.cross_entropy(scores[known], targets[known] - 1)
                if known.any()
                else scores.sum() * 0.0
            )
            ranks = _target_ranks(
                scores,
                targets,
                yi["seen_rows"].to(self._device),
                yi["seen_items"].to(self._device),
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
                scores = self._encoder().item_scores(self.infer(Xi, last_only=True)[:, -1])
                yield (
                    yi["index"].numpy(),
                    scores,
                    yi["targets"].to(self._device),
                    yi["seen_rows"].to(self._device),
                    yi["seen_items"].to(self._device),
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


fill_doc(BaseSequentialRecommender, "bce")
