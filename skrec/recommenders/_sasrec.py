"""SASRec: the self-attentive sequential recommender."""

import numbers

from sklearn.utils._param_validation import Interval

from skrec.recommenders._base import BaseSequentialRecommender
from skrec.recommenders._docs import fill_doc
from skrec.recommenders._modules import SASRecModule

__all__ = ["SASRec"]

# The transformer encoder's parameters, shared by SASRec and BERT4Rec.
TRANSFORMER_PARAMS = (
    "hidden_size", "n_layers", "n_heads", "inner_size", "hidden_dropout",
    "attn_dropout", "max_seq_length", "layer_norm_eps", "initializer_range",
)
TRANSFORMER_CONSTRAINTS = {
    "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "n_layers": [Interval(numbers.Integral, 0, None, closed="left")],
    "n_heads": [Interval(numbers.Integral, 1, None, closed="left")],
    "inner_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "hidden_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "attn_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "layer_norm_eps": [Interval(numbers.Real, 0, None, closed="neither")],
    "initializer_range": [Interval(numbers.Real, 0, None, closed="left")],
}


def check_heads(net):
    """Attention heads must divide the width."""
    if net.hidden_size % net.n_heads:
        raise ValueError(
            f"hidden_size={net.hidden_size} must be a multiple of n_heads={net.n_heads}."
        )


class SASRec(BaseSequentialRecommender):
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
    layer_norm_eps : float, default=1e-12
    initializer_range : float, default=0.02
        Standard deviation of the normal weight initialisation.
    %(shared)s

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

    _module_params = TRANSFORMER_PARAMS

    _parameter_constraints = {
        **BaseSequentialRecommender._parameter_constraints,
        **TRANSFORMER_CONSTRAINTS,
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
        layer_norm_eps=1e-12,
        initializer_range=0.02,
        **kwargs,
    ):
        kwargs.setdefault("module", SASRecModule)
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.inner_size = inner_size
        self.hidden_dropout = hidden_dropout
        self.attn_dropout = attn_dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range

    @property
    def _ranking_class(self):
        return SASRec

    def _check_architecture(self):
        check_heads(self)


fill_doc(SASRec, "bce")
