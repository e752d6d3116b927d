"""BERT4Rec: a bidirectional transformer trained on the cloze task."""

import numbers

import torch
from sklearn.utils._param_validation import Interval
from torch import nn
from torch.nn import functional as F

from skrec.recommenders._base import BaseSequentialRecommender
from skrec.recommenders._docs import fill_doc
from skrec.recommenders._modules import SASRecModule
from skrec.recommenders._sasrec import (
    TRANSFORMER_CONSTRAINTS,
    TRANSFORMER_PARAMS,
    check_heads,
)
from skrec.utils._distributed import backward, process_rng

__all__ = ["BERT4Rec", "BERT4RecModule"]


class BERT4RecModule(SASRecModule):
    """Bidirectional transformer encoder (BERT4Rec).

    The blocks of :class:`SASRecModule` with attention over every position
    that holds an item or the mask token (both directions), a mask token of
    internal id ``n_items + 1``, and BERT4Rec's output layer: a GELU
    projection of the hidden state scored against the item embeddings plus a
    per-item bias.

    Parameters
    ----------
    n_items : int
        Number of items; internal ids are ``1..n_items``, ``0`` is padding
        and ``n_items + 1`` the mask token.
    **kwargs
        As in :class:`SASRecModule`.

    Examples
    --------
    >>> import torch
    >>> m = BERT4RecModule(n_items=5, hidden_size=8, n_heads=2, inner_size=16,
    ...                    max_seq_length=4)
    >>> m.mask_token
    6
    >>> out = m(torch.tensor([[0, 1, 2, 6], [0, 0, 4, 6]]))
    >>> m.item_scores(out[:, -1]).shape  # scores of the masked last position
    torch.Size([2, 5])
    """

    _extra_tokens = 1

    def __init__(self, n_items, hidden_size=64, **kwargs):
        super().__init__(n_items, hidden_size=hidden_size, **kwargs)
        self.mask_token = n_items + 1
        self.projection = nn.Linear(hidden_size, hidden_size)
        self.output_norm = nn.LayerNorm(hidden_size, eps=self.norm.eps)
        self.output_bias = nn.Parameter(torch.zeros(n_items))
        self._init_weights(self.projection)

    def _allowed_keys(self, real):
        n = real.shape[1]
        return real[:, None, :].expand(-1, n, -1).clone()

    def _head(self, hidden):
        return self.output_norm(F.gelu(self.projection(hidden)))

    def item_scores(self, hidden):
        """Scores of hidden states against every item, through the output head."""
        return self._head(hidden) @ self.item_embedding.weight[1 : self.n_items + 1].T + (
            self.output_bias
        )

    def candidate_scores(self, hidden, items):
        """Scores of given items, through the output head (shapes broadcast)."""
        return (self._head(hidden) * self.item_embedding(items)).sum(-1) + (
            self.output_bias[(items - 1).clamp_min(0)]
        )


class BERT4Rec(BaseSequentialRecommender):
    """BERT4Rec next-item recommender on sequence frames (a skorch ``NeuralNet``).

    A bidirectional transformer trained on the cloze task: in every training
    sequence (its most recent ``max_seq_length`` items) each item is replaced
    by a mask token with probability ``mask_prob`` and the model predicts the
    masked items from both sides; a sequence where no item was drawn has its
    last item masked, so that every sequence trains. To recommend, a mask
    token is appended after a user's items (the ``max_seq_length - 1`` most
    recent) and the model's prediction for it ranks the catalogue. The loss
    family, batching, validation, prediction and persistence are those of
    :class:`SASRec`; the default loss is softmax cross-entropy over all items,
    as in the paper.

    Parameters
    ----------
    hidden_size : int, default=64
    n_layers : int, default=2
    n_heads : int, default=2
    inner_size : int, default=256
    hidden_dropout : float, default=0.1
    attn_dropout : float, default=0.1
    layer_norm_eps : float, default=1e-12
    initializer_range : float, default=0.02
        Architecture, as in :class:`SASRec` (the defaults are the paper's).
    mask_prob : float in (0, 1), default=0.2
        Probability that a training item is masked (the paper's mask
        proportion rho, which it tunes per data set; 0.2 is also RecBole's
        default). Tune it with :class:`~sklearn.model_selection.GridSearchCV`.
    %(shared)s

    Attributes
    ----------
    items_ : ndarray of shape (n_items,)
        Caller item ids known to the model, sorted.
    n_items_ : int
    module_ : BERT4RecModule
    history_ : skorch History

    Notes
    -----
    ``training_examples="prefixes"`` makes every prefix a separate cloze
    example (the paper's sliding windows); with ``loss="bce"`` or
    ``"sampled_softmax"`` each masked position is scored against sampled
    negatives. The contrastive objective of :class:`CoSeRec` trains the
    next-item task of a causal encoder and does not apply to this model.

    See Also
    --------
    SASRec, GRU4Rec

    References
    ----------
    .. [1] Sun, Liu, Wu, Pei, Lin, Ou and Jiang, "BERT4Rec: Sequential
       Recommendation with Bidirectional Encoder Representations from
       Transformer", CIKM 2019.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import BERT4Rec
    >>> X = make_sequence_frame([[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]] * 10)
    >>> model = BERT4Rec(hidden_size=16, inner_size=16, max_seq_length=5,
    ...                  max_epochs=2, train_split=None, verbose=0, random_state=0)
    >>> model = model.fit(X)
    >>> model.recommend(X.iloc[:2], k=3).shape
    (2, 3)
    """

    # The cloze task is not a causal next-item task (see ContrastiveMixin).
    _supports_contrastive = False

    _module_params = TRANSFORMER_PARAMS

    _parameter_constraints = {
        **BaseSequentialRecommender._parameter_constraints,
        **TRANSFORMER_CONSTRAINTS,
        # one position is the appended mask token
        "max_seq_length": [Interval(numbers.Integral, 2, None, closed="left")],
        "mask_prob": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        *,
        hidden_size=64,
        n_layers=2,
        n_heads=2,
        inner_size=256,
        hidden_dropout=0.1,
        attn_dropout=0.1,
        layer_norm_eps=1e-12,
        initializer_range=0.02,
        mask_prob=0.2,
        loss="ce",
        **kwargs,
    ):
        kwargs.setdefault("module", BERT4RecModule)
        super().__init__(loss=loss, **kwargs)
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.inner_size = inner_size
        self.hidden_dropout = hidden_dropout
        self.attn_dropout = attn_dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.mask_prob = mask_prob

    @property
    def _ranking_class(self):
        return BERT4Rec

    def _check_architecture(self):
        check_heads(self)

    def infer(self, x, last_only=False, **fit_params):
        """Hidden states of ``{"input_ids": (batch, width)}`` with a mask token
        appended (the oldest column is dropped when the row would exceed
        ``max_seq_length``); the last position is the mask's."""
        ids = x["input_ids"].to(self._device)
        mask = torch.full((ids.shape[0], 1), self._encoder().mask_token,
                          dtype=ids.dtype, device=ids.device)
        ids = torch.cat([ids, mask], dim=1)[:, -self.max_seq_length:]
        return self.module_(ids, last_only=last_only)

    def _cloze(self, windows):
        """Mask the items of ``windows`` (batch, width): (inputs, targets).

        ``targets`` holds the original item at masked positions, 0 elsewhere.
        """
        real = windows > 0
        rng = process_rng(self, "rng_")
        draw = torch.from_numpy(rng.random(tuple(windows.shape)) < self.mask_prob)
        masked = draw & real
        # A row with nothing masked masks its last item.
        none = ~masked.any(1)
        masked[none, -1] = real[none, -1]
        inputs = windows.masked_fill(masked, self._encoder().mask_token)
        targets = windows * masked
        return inputs, targets

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = batch
        # The whole window: the inputs and the last target, at most
        # max_seq_length items (the most recent).
        windows = torch.cat([Xi["input_ids"], yi["targets"][:, -1:]], dim=1)
        windows = windows[:, -self.max_seq_length:]
        inputs, targets = self._cloze(windows)
        hidden = self.module_(inputs.to(self._device))
        # With batching="length", the expected masked positions of a batch:
        # every position weighs alike whatever the batch's length (as
        # SASRec's next-item loss).
        normalizer = self._loss_normalizer(yi, targets, share=self.mask_prob)
        loss = self._rec_loss(hidden, targets.to(self._device), windows, normalizer)
        backward(self, loss)
        return {"loss": loss, "y_pred": hidden}


fill_doc(BERT4Rec, "ce")
