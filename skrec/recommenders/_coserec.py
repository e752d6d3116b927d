"""Contrastive training: CoSeRec and TiCoSeRec."""

import itertools
import numbers
import warnings
from time import perf_counter

import numpy as np
import torch
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from skorch.callbacks import Callback
from torch.nn import functional as F

from skrec.losses import info_nce
from skrec.recommenders._modules import sequence_representation
from skrec.recommenders._sasrec import SASRec
from skrec.sequence import to_padded
from skrec.utils._distributed import backward, gather_rows, process_rng
from skrec.utils._random import check_generator

__all__ = ["ContrastiveMixin", "CoSeRec", "TiCoSeRec", "CL4SRec"]


class _EpochSummary(Callback):
    """Average per-batch loss terms and the augmentation share per epoch."""

    def on_epoch_end(self, net, **kwargs):
        batches = [b for b in net.history[-1]["batches"] if "train_loss" in b]
        if not batches:
            return
        for name in ("rec_loss", "cl_loss"):
            pairs = [(b[name], b["train_batch_size"]) for b in batches if name in b]
            if pairs:
                values, sizes = zip(*pairs)
                # Weighted by batch size, as skorch's train_loss.
                net.history.record(name, float(np.average(values, weights=sizes)))
        step = sum(b.get("step_seconds", 0.0) for b in batches)
        aug = sum(b.get("aug_seconds", 0.0) for b in batches)
        if step > 0:
            net.history.record("aug_share", aug / step)


def _similarity_operators(augmenter):
    """Fitted operators of ``augmenter`` that hold an item similarity."""
    ops = [op for _, op in getattr(augmenter, "operators_", [])] or [augmenter]
    return [op for op in ops if hasattr(op, "similarity_")]


class ContrastiveMixin:
    """The contrastive objective of CoSeRec for any causal sequential model.

    Mixed in before a :class:`BaseSequentialRecommender` subclass, it adds
    the augmenter and the InfoNCE loss between augmented views to that
    model's next-item training: ``CoSeRec`` is ``ContrastiveMixin`` over
    :class:`SASRec`, and a contrastive GRU4Rec is one line::

        class ContrastiveGRU4Rec(ContrastiveMixin, GRU4Rec):
            pass

    Its parameters and behaviour are documented in :class:`CoSeRec`. The
    encoder must be causal (its last position must not see the next item);
    :class:`BERT4Rec`, trained on the cloze task, is refused.
    """

    _contrastive_constraints = {
        "augmenter": "no_validation",
        "cf_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_views": [Interval(numbers.Integral, 2, None, closed="left")],
        "cl_representation": [StrOptions({"last", "mean", "flatten"})],
        "model_warm_up_epochs": [
            Interval(numbers.Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "augmentation_warm_up_epochs": [
            Interval(numbers.Integral, 0, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        *,
        augmenter=None,
        cf_weight=0.1,
        temperature=1.0,
        n_views=2,
        cl_representation="mean",
        model_warm_up_epochs="auto",
        augmentation_warm_up_epochs=80,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.augmenter = augmenter
        self.cf_weight = cf_weight
        self.temperature = temperature
        self.n_views = n_views
        self.cl_representation = cl_representation
        self.model_warm_up_epochs = model_warm_up_epochs
        self.augmentation_warm_up_epochs = augmentation_warm_up_epochs

    # ------------------------------------------------------------ parameters
    def _validate_hyperparameters(self):
        validate_parameter_constraints(
            self._contrastive_constraints,
            {k: getattr(self, k) for k in self._contrastive_constraints},
            caller_name=type(self).__name__,
        )
        if not getattr(self, "_supports_contrastive", True):
            raise TypeError(
                f"{type(self).__name__}: the contrastive objective needs a causal "
                "next-item encoder; this model trains another task."
            )
        super()._validate_hyperparameters()

    @staticmethod
    def _default_augmenter():
        from skrec.augmentation import (
            LengthAwareAugmenter,
            RandomCrop,
            RandomInsert,
            RandomMask,
            RandomReorder,
            RandomSubstitute,
        )

        return LengthAwareAugmenter(
            operators=[
                ("crop", RandomCrop()),
                ("mask", RandomMask()),
                ("reorder", RandomReorder()),
                ("substitute", RandomSubstitute()),
                ("insert", RandomInsert()),
            ],
            var_rank_not_aug_ratio=0.0,
        )

    def set_params(self, **params):
        """Set parameters, including nested ``augmenter__*`` ones.

        Returns
        -------
        self
        """
        nested = {k: params.pop(k) for k in list(params) if k.startswith("augmenter__")}
        if "augmenter" in params:
            self.augmenter = params.pop("augmenter")
        if nested:
            if self.augmenter is None:
                self.augmenter = self._default_augmenter()
            self.augmenter.set_params(**{k[len("augmenter__"):]: v for k, v in nested.items()})
        if params:
            super().set_params(**params)
        return self

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        callbacks.insert(-1, ("augmentation_summary", _EpochSummary()))
        return callbacks

    # --------------------------------------------------------------- fitting
    def _warm_up_epochs(self):
        """Epochs trained with the next-item loss only (``"auto"`` resolved)."""
        if self.model_warm_up_epochs == "auto":
            return min(40, self.max_epochs // 5)
        return self.model_warm_up_epochs

    def _warn_if_never_contrastive(self):
        if self.cf_weight > 0 and 0 < self.max_epochs <= self._warm_up_epochs():
            warnings.warn(
                f"{type(self).__name__} will not augment: max_epochs="
                f"{self.max_epochs} <= model_warm_up_epochs="
                f"{self.model_warm_up_epochs}, so the contrastive loss never "
                f"starts and the fit is a plain {self._ranking_class.__name__}. "
                "Lower model_warm_up_epochs "
                "(or leave it 'auto'), or raise max_epochs.",
                UserWarning,
                stacklevel=4,
            )

    def _prepare(self, X, y, validation_data, refit):
        data = super()._prepare(X, y, validation_data, refit)
        if refit:  # a fresh fit (not a warm start): warn before training
            self._warn_if_never_contrastive()
        return data

    def _augmenter_template(self):
        augmenter = self._default_augmenter() if self.augmenter is None else self.augmenter
        masks = {
            name: value for name, value in augmenter.get_params(deep=True).items()
            if (name == "mask_value" or name.endswith("__mask_value")) and value != 0
        }
        if masks:
            raise ValueError(
                f"Inside {type(self).__name__} the augmenter must mask with the padding "
                f"id 0, got {masks}. Views are drawn in the recommender's internal item "
                "ids, where any other value is a real item; set mask_value=0."
            )
        return augmenter

    def get_split_datasets(self, X, y=None, **fit_params):
        train, valid = super().get_split_datasets(X, y, **fit_params)
        augmenter = self._augmenter_template()
        self.augmenter_ = clone(augmenter).fit_ragged(train.ragged, check_input=False)
        own_seed = getattr(augmenter, "random_state", None)
        self.augment_rng_ = self.rng_ if own_seed is None else check_generator(own_seed)
        self.similarity_switched_ = False
        self._train_ragged_ = train.ragged
        return train, valid

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        epoch = len(self.history)
        switch_at = self.augmentation_warm_up_epochs
        if (
            switch_at is not None
            and epoch > switch_at
            and not getattr(self, "similarity_switched_", True)
        ):
            self._switch_similarity()

    def _switch_similarity(self):
        from skrec.augmentation import ItemSimilarity

        ops = _similarity_operators(self.augmenter_)
        if ops:
            n_neighbors = max(getattr(op.similarity_, "n_neighbors", 20) for op in ops)
            hybrid = ItemSimilarity(
                method="hybrid",
                n_neighbors=n_neighbors,
                random_state=int(self.rng_.integers(2**31 - 1)),
            ).fit_ragged(self._train_ragged_, check_input=False)
            # A new augmenter whose similarity operators hold the fitted
            # hybrid model (frozen: refitting the augmenter keeps it as is).
            frozen = FrozenEstimator(hybrid)
            paths = [
                name for name in self.augmenter_.get_params(deep=True)
                if name == "similarity" or name.endswith("__similarity")
            ]
            augmenter = clone(self._augmenter_template())
            augmenter.set_params(**{name: frozen for name in paths})
            self.augmenter_ = augmenter.fit_ragged(self._train_ragged_, check_input=False)
        self.similarity_switched_ = True

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        # The training sequences are only needed while training.
        self._train_ragged_ = None

    def _contrastive_active(self):
        return self.cf_weight > 0 and len(self.history) > self._warm_up_epochs()

    def augmented_views(self, sequences, width=None):
        """Draw ``n_views`` augmented views of a batch of sequences.

        Parameters
        ----------
        sequences : Ragged
            The batch's input sequences (internal ids).
        width : int or None, default=None
            Width of the padded views; ``None`` is the longest view's length
            (at most ``max_seq_length``).

        Returns
        -------
        views : LongTensor of shape (n_views * batch, width)
            Left-padded views, view after view (most recent items kept).
        """
        views = [
            self.augmenter_.augment(sequences, process_rng(self, "augment_rng_"),
                                    check_input=False)
            for _ in range(self.n_views)
        ]
        if width is None:
            # Narrower inputs give the same result, faster.
            width = max(1, min(self.max_seq_length,
                               max(int(v.lengths.max(initial=0)) for v in views)))
        return torch.from_numpy(np.concatenate([to_padded(v, width) for v in views]))

    def contrastive_loss(self, z):
        """InfoNCE of the views' representations ``z``, (n_views * batch, dim).

        Under several processes, the other rows of the whole global batch are
        the negatives (the views of every process are gathered).
        """
        z = z.view(self.n_views, -1, z.shape[-1])
        z = gather_rows(self, z.transpose(0, 1)).transpose(0, 1)
        pairs = list(itertools.combinations(range(self.n_views), 2))
        return sum(info_nce(z[i], z[j], self.temperature) for i, j in pairs) / len(pairs)

    def _encode_with_views(self, Xi, views):
        """Hidden states of the batch and of its views.

        The batch and the views go through the encoder in one pass (left-padded
        to a common width; padding is skipped), except for the flattened
        representation, whose views are encoded at ``max_seq_length`` with
        every padding position computed, as in the reference code.
        """
        inputs = Xi["input_ids"]
        if self.cl_representation == "flatten":
            hidden = self.infer(Xi)
            return hidden, self.module_(views.to(self._device), padding_outputs=True)
        width = max(inputs.shape[1], views.shape[1])
        joint = torch.cat([F.pad(inputs, (width - inputs.shape[1], 0)),
                           F.pad(views, (width - views.shape[1], 0))])
        out = self.module_(joint.to(self._device))
        b = inputs.shape[0]
        return out[:b, width - inputs.shape[1]:], out[b:, width - views.shape[1]:]

    def train_step_single(self, batch, **fit_params):
        if not self._contrastive_active():
            step = super().train_step_single(batch, **fit_params)
            # Recorded as 0 during the warm-up so that the epoch table keeps
            # its columns.
            self.history.record_batch("rec_loss", step["loss"].item())
            self.history.record_batch("cl_loss", 0.0)
            return step
        self._set_training(True)
        Xi, yi = batch
        start = perf_counter()
        width = self.max_seq_length if self.cl_representation == "flatten" else None
        views = self.augmented_views(yi["sequences"], width)
        self.history.record_batch("aug_seconds", perf_counter() - start)
        hidden, view_hidden = self._encode_with_views(Xi, views)
        losses = self.compute_losses(batch, hidden)
        z = sequence_representation(
            view_hidden, views.to(self._device), self.cl_representation
        )
        losses["cl_loss"] = self.cf_weight * self.contrastive_loss(z)
        loss = sum(losses.values())
        backward(self, loss)
        for name, value in losses.items():
            self.history.record_batch(name, value.item())
        return {"loss": loss, "y_pred": hidden}

    def train_step(self, batch, **fit_params):
        start = perf_counter()
        step = super().train_step(batch, **fit_params)
        self.history.record_batch("step_seconds", perf_counter() - start)
        return step


class CoSeRec(ContrastiveMixin, SASRec):
    """Contrastive self-supervised sequential recommender (CoSeRec).

    A :class:`SASRec` trained with the next-item loss plus ``cf_weight`` times
    an InfoNCE loss that pulls together ``n_views`` augmented views of the same
    training sequence, the other sequences of the batch being negatives. Views
    are drawn afresh for every batch of every epoch by the ``augmenter``,
    applied to the whole batch at once, and encoded together with the batch in
    one forward pass. ``cl_representation`` says which vector of a view the
    loss compares.

    Warm-up: the first ``model_warm_up_epochs`` epochs train the next-item
    loss only (the reference trains 40 of up to 350 epochs this way); the
    contrastive loss, and with it the augmentation, starts at the next epoch.
    The default ``"auto"`` warms up for ``min(40, max_epochs // 5)`` epochs so
    that a short fit still augments; a fit whose ``max_epochs`` never gets
    past an explicit warm-up warns that no augmentation will happen. After
    ``augmentation_warm_up_epochs`` epochs the item similarity of the
    substitute/insert operators switches to the hybrid model
    (``ItemSimilarity(method="hybrid")``).

    The augmenter is cloned and fitted in ``fit`` on the *training* part of
    the sequences only (after the validation split), in internal item ids,
    through its public ragged API (``fit_ragged``/``augment``). Randomness of
    the views: when the augmenter's own ``random_state`` is set, it seeds the
    stream of views (the same augmenter seed draws the same views for the
    same batches, whatever the recommender's seed); when it is ``None`` the
    views come from the recommender's ``random_state``. Masking operators
    must use ``mask_value=0`` here (the padding id: item dropout); any other
    value would name a real item in the internal ids, so it is rejected.

    Parameters
    ----------
    augmenter : skrec augmentation transformer or None, default=None
        Any operator of :mod:`skrec.augmentation` or a
        ``LengthAwareAugmenter``; its nested parameters are tunable as
        ``augmenter__<name>__<param>``. ``None`` means CoSeRec's random
        operators under the length-aware control: ``LengthAwareAugmenter(
        operators=[("crop", RandomCrop()), ("mask", RandomMask()), ("reorder",
        RandomReorder()), ("substitute", RandomSubstitute()), ("insert",
        RandomInsert())], var_rank_not_aug_ratio=0.0)``.
    cf_weight : float, default=0.1
        Weight of the contrastive loss.
    temperature : float, default=1.0
        InfoNCE temperature.
    n_views : int, default=2
        Views per sequence; with more than 2 the loss averages over all pairs.
    cl_representation : {"mean", "last", "flatten"}, default="mean"
        What InfoNCE compares (see
        :func:`~skrec.recommenders.sequence_representation`): the mean hidden
        state over a view's items, the last position's hidden state, or the
        whole encoder output of the view padded to ``max_seq_length``,
        flattened (the reference code's choice; several times slower, since
        every padding position is computed). The default was chosen on
        Beauty's validation split (``benchmarks/results/
        contrastive_representation.md``).
    model_warm_up_epochs : int or "auto", default="auto"
        Epochs trained with the next-item loss only; ``"auto"`` is
        ``min(40, max_epochs // 5)``.
    augmentation_warm_up_epochs : int, default=80
        Epochs after which substitute/insert switch to the hybrid similarity.
    **kwargs
        Every parameter of :class:`SASRec`.

    Attributes
    ----------
    augmenter_ : fitted augmenter
    items_, n_items_, module_, history_
        As in :class:`SASRec`. The history also holds ``rec_loss``,
        ``cl_loss`` and ``aug_share`` (share of the training step time spent
        drawing views) per epoch.

    See Also
    --------
    SASRec, TiCoSeRec

    References
    ----------
    .. [1] Liu, Chen, Xiong, Ding, Wang, Yu and Xiong, "Contrastive
       Self-supervised Sequential Recommendation with Robust Augmentation",
       2021.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import CoSeRec
    >>> X = make_sequence_frame([[1, 2, 3, 4, 5], [2, 3, 4, 5, 6]] * 10)
    >>> model = CoSeRec(hidden_size=16, n_heads=1, inner_size=16,
    ...                 max_seq_length=5, max_epochs=2, model_warm_up_epochs=1,
    ...                 train_split=None, verbose=0, random_state=0).fit(X)
    >>> "cl_loss" in model.history[-1]
    True
    """

    _parameter_constraints = {
        **SASRec._parameter_constraints,
        **ContrastiveMixin._contrastive_constraints,
    }


class TiCoSeRec(CoSeRec):
    """CoSeRec with time-interval-aware augmentation (TiCoSeRec).

    The augmenter defaults to ``LengthAwareAugmenter()``: the five Ti operators
    (Ti-Crop, Ti-Mask, Ti-Reorder, Ti-Substitute, Ti-Insert) with the paper's
    rates and modes, substitute/insert/mask for sequences of at most 12 items,
    and the 15% most uniform training sequences left unaugmented. Every other
    parameter is that of :class:`CoSeRec` with the reference defaults.

    Parameters
    ----------
    augmenter : skrec augmentation transformer or None, default=None
        ``None`` means ``LengthAwareAugmenter()``; tune nested rates as
        ``augmenter__mask__rate`` etc.
    **kwargs
        Every parameter of :class:`CoSeRec` and :class:`SASRec`.

    See Also
    --------
    CoSeRec, SASRec

    References
    ----------
    .. [1] Dang, Yang, Guo, Jiang, Wang, Xu, Sun and Liu, "Uniform Sequence
       Better: Time Interval Aware Data Augmentation for Sequential
       Recommendation", AAAI 2023.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import TiCoSeRec
    >>> X = make_sequence_frame([[1, 2, 3, 4, 5], [2, 3, 4, 5, 6]] * 10,
    ...                         [[0, 1, 5, 6, 7], [0, 2, 4, 6, 8]] * 10)
    >>> model = TiCoSeRec(hidden_size=16, n_heads=1, inner_size=16,
    ...                   max_seq_length=5, max_epochs=2, model_warm_up_epochs=1,
    ...                   train_split=None, verbose=0, random_state=0)
    >>> model = model.set_params(augmenter__mask__rate=0.3).fit(X)
    >>> model.augmenter_.operators_[1][1].rate
    0.3
    """

    @staticmethod
    def _default_augmenter():
        from skrec.augmentation import LengthAwareAugmenter

        return LengthAwareAugmenter()


class CL4SRec(CoSeRec):
    """CL4SRec: contrastive learning with random crop, mask and reorder.

    A preset of :class:`CoSeRec` (same training, same parameters) whose
    augmenter draws, for every sequence and view, one of three random
    operators uniformly, with no length rule and no sequence left
    unaugmented: ``LengthAwareAugmenter(operators=[("crop", RandomCrop(rate=
    0.2)), ("mask", RandomMask(rate=0.7)), ("reorder", RandomReorder(rate=
    0.2))], augment_threshold=-1, var_rank_not_aug_ratio=0.0)``.

    The rates are the defaults of the crop (keep 20%), mask (70%) and
    reorder (20%) operators of the CoSeRec reference implementation; the
    CL4SRec paper tunes them per data set. Tune them as
    ``augmenter__crop__rate`` etc.

    Parameters
    ----------
    augmenter : skrec augmentation transformer or None, default=None
        ``None`` means the three operators above.
    **kwargs
        Every parameter of :class:`CoSeRec` and :class:`SASRec`.

    See Also
    --------
    CoSeRec, TiCoSeRec

    References
    ----------
    .. [1] Xie, Sun, Liu, Wu, Gao, Ding and Cui, "Contrastive Learning for
       Sequential Recommendation", ICDE 2022 (arXiv:2010.14395).

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import CL4SRec
    >>> X = make_sequence_frame([[1, 2, 3, 4, 5], [2, 3, 4, 5, 6]] * 10)
    >>> model = CL4SRec(hidden_size=16, n_heads=1, inner_size=16,
    ...                 max_seq_length=5, max_epochs=2, model_warm_up_epochs=1,
    ...                 train_split=None, verbose=0, random_state=0).fit(X)
    >>> [name for name, _ in model.augmenter_.operators_]
    ['crop', 'mask', 'reorder']
    """

    @staticmethod
    def _default_augmenter():
        from skrec.augmentation import (
            LengthAwareAugmenter,
            RandomCrop,
            RandomMask,
            RandomReorder,
        )

        return LengthAwareAugmenter(
            operators=[
                ("crop", RandomCrop(rate=0.2)),
                ("mask", RandomMask(rate=0.7)),
                ("reorder", RandomReorder(rate=0.2)),
            ],
            short_operators=("crop", "mask", "reorder"),
            augment_threshold=-1,
            var_rank_not_aug_ratio=0.0,
        )
