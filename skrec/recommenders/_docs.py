"""Parameter documentation shared by the sequential recommenders."""

__all__ = ["SHARED_PARAMETERS", "fill_doc"]

# The training, validation and prediction parameters of
# BaseSequentialRecommender, in numpydoc form (indented for a class docstring).
SHARED_PARAMETERS = """\
    max_seq_length : int, default=50
        Number of most recent items the model reads (left-padded with 0).
    loss : {"bce", "ce", "sampled_softmax"}, default=%(default_loss)s
        Next-item loss: binary cross-entropy of the next item against
        ``n_negatives`` sampled negatives (SASRec's loss with one), softmax
        cross-entropy over all items (``"ce"``), or softmax cross-entropy over
        the next item and ``n_negatives`` sampled negatives with the logQ
        correction of the sampling distribution (``"sampled_softmax"``; a
        cheap stand-in for ``"ce"`` on large catalogues).
    rec_weight : float, default=1.0
        Weight of the next-item loss.
    n_negatives : int, default=1
        Negatives sampled per position for ``loss="bce"`` and
        ``"sampled_softmax"`` (never an item of the same sequence).
    negative_sampling : {"uniform", "popularity"}, default="uniform"
        How negatives are drawn: uniformly over the catalogue, or in
        proportion to each item's number of training occurrences (harder
        negatives; items absent from the training part are never drawn).
    training_examples : {"sequences", "prefixes"}, default="sequences"
        One training example per sequence (every position trained) or per
        prefix.
    batching : {"length", "random"}, default="length"
        ``"length"``: training batches of sequences of similar length drawn
        from shuffled pools of 50 batches (fast; see :class:`SASRec`). ``"random"``:
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
        Internal validation split (see :class:`SASRec`); ``"leave_last_out"`` is
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

"""


def fill_doc(cls, default_loss):
    """Put the shared parameters into ``cls``'s docstring at ``%(shared)s``."""
    shared = SHARED_PARAMETERS.replace("%(default_loss)s", repr(default_loss))
    cls.__doc__ = cls.__doc__.replace("    %(shared)s\n", shared)
    return cls
