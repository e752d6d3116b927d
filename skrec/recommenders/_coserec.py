"""Contrastive training: CoSeRec and TiCoSeRec."""

import itertools
import numbers
from time import perf_counter

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import Interval
from skorch.callbacks import Callback

from skrec.losses import info_nce
from skrec.recommenders._base import SASRec
from skrec.sequence import from_ragged, to_padded

__all__ = ["CoSeRec", "TiCoSeRec"]


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


class CoSeRec(SASRec):
    """Contrastive self-supervised sequential recommender (CoSeRec).

    A :class:`SASRec` trained with the next-item loss plus ``cf_weight`` times
    an InfoNCE loss that pulls together ``n_views`` augmented views of the same
    training sequence (their last-position representations), the other
    sequences of the batch being negatives. Views are drawn afresh for every
    batch of every epoch by the ``augmenter``, applied to the whole batch at
    once. The contrastive loss is off during the first
    ``model_warm_up_epochs`` epochs; after ``augmentation_warm_up_epochs``
    epochs the item similarity of the substitute/insert operators switches to
    the hybrid model (``ItemSimilarity(method="hybrid")``).

    The augmenter is cloned and fitted in ``fit`` on the *training* part of
    the sequences only (after the validation split), in internal item ids.

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
    model_warm_up_epochs : int, default=40
        Epochs trained with the next-item loss only.
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
        "augmenter": "no_validation",
        "cf_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_views": [Interval(numbers.Integral, 2, None, closed="left")],
        "model_warm_up_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
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
        model_warm_up_epochs=40,
        augmentation_warm_up_epochs=80,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.augmenter = augmenter
        self.cf_weight = cf_weight
        self.temperature = temperature
        self.n_views = n_views
        self.model_warm_up_epochs = model_warm_up_epochs
        self.augmentation_warm_up_epochs = augmentation_warm_up_epochs

    # ------------------------------------------------------------ parameters
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
    def get_split_datasets(self, X, y=None, **fit_params):
        train, valid = super().get_split_datasets(X, y, **fit_params)
        augmenter = self._default_augmenter() if self.augmenter is None else self.augmenter
        frame = from_ragged(train.ragged)
        self.augmenter_ = clone(augmenter).fit(frame)
        self.similarity_switched_ = False
        self._train_frame_ = frame
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
            ).fit(self._train_frame_)
            for op in ops:
                op.similarity_ = hybrid
        self.similarity_switched_ = True

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        # The training frame is only needed while training.
        self._train_frame_ = None

    def _contrastive_active(self):
        return self.cf_weight > 0 and len(self.history) > self.model_warm_up_epochs

    def augmented_views(self, sequences):
        """Draw ``n_views`` augmented views of a batch of sequences.

        Parameters
        ----------
        sequences : Ragged
            The batch's input sequences (internal ids).

        Returns
        -------
        views : LongTensor of shape (n_views * batch, width)
            Left-padded views, view after view; ``width`` is the longest
            view's length, at most ``max_seq_length``.
        """
        views = [
            self.augmenter_._transform_ragged(sequences, self.rng_)
            for _ in range(self.n_views)
        ]
        # As narrow as the longest view (at most max_seq_length, most recent
        # items kept); narrower inputs give the same result, faster.
        width = max(1, min(self.max_seq_length,
                           max(int(v.lengths.max(initial=0)) for v in views)))
        return torch.from_numpy(np.concatenate([to_padded(v, width) for v in views]))

    def compute_losses(self, batch, hidden):
        losses = super().compute_losses(batch, hidden)
        if not self._contrastive_active():
            # Recorded as 0 during the warm-up so that the epoch table keeps
            # its columns.
            losses["cl_loss"] = hidden.new_zeros(())
            return losses
        _, yi = batch
        start = perf_counter()
        views = self.augmented_views(yi["sequences"])
        self.history.record_batch("aug_seconds", perf_counter() - start)
        z = self.module_(views.to(self.device))[:, -1]
        z = z.view(self.n_views, -1, z.shape[-1])
        pairs = list(itertools.combinations(range(self.n_views), 2))
        cl = sum(info_nce(z[i], z[j], self.temperature) for i, j in pairs) / len(pairs)
        losses["cl_loss"] = self.cf_weight * cl
        return losses

    def train_step(self, batch, **fit_params):
        start = perf_counter()
        step = super().train_step(batch, **fit_params)
        self.history.record_batch("step_seconds", perf_counter() - start)
        return step


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
