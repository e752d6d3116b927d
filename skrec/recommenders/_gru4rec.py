"""GRU4Rec: a recurrent next-item recommender on the shared sequential base."""

import numbers

import torch
from sklearn.utils._param_validation import Interval
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from skrec.recommenders._base import BaseSequentialRecommender
from skrec.recommenders._docs import fill_doc
from skrec.recommenders._modules import _Dropout

__all__ = ["GRU4Rec", "GRU4RecModule"]


class GRU4RecModule(nn.Module):
    """Recurrent sequence encoder (GRU4Rec).

    Item embeddings (with dropout) run through ``n_layers`` GRU layers; a
    linear layer maps each GRU state back to the embedding space, where an
    item's score is its dot product with the item's embedding.

    Inputs are left-padded: only a row's *active* positions are run through
    the GRU (from its first item on, items masked to 0 inside a sequence
    included, and always the last column), packed, so that a row's outputs
    do not depend on how wide its batch is padded.

    Parameters
    ----------
    n_items : int
        Number of items; internal ids are ``1..n_items`` and ``0`` is padding.
    embedding_size : int, default=64
    hidden_size : int, default=128
        Width of the GRU state.
    n_layers : int, default=1
    dropout : float, default=0.3
        Dropout on the item embeddings.
    max_seq_length : int, default=50
        Widest input accepted.

    Examples
    --------
    >>> import torch
    >>> m = GRU4RecModule(n_items=5, embedding_size=4, hidden_size=6)
    >>> out = m(torch.tensor([[0, 1, 2, 3], [0, 0, 0, 4]]))
    >>> out.shape
    torch.Size([2, 4, 4])
    >>> bool((out[1, :3] == 0).all())  # padding positions are zeros
    True
    >>> m.item_scores(out[:, -1]).shape
    torch.Size([2, 5])
    """

    def __init__(self, n_items, embedding_size=64, hidden_size=128, n_layers=1,
                 dropout=0.3, max_seq_length=50):
        super().__init__()
        self.n_items = n_items
        self.max_seq_length = max_seq_length
        self.item_embedding = nn.Embedding(n_items + 1, embedding_size, padding_idx=0)
        self.dropout = _Dropout(dropout)
        self.gru = nn.GRU(embedding_size, hidden_size, n_layers, bias=False,
                          batch_first=True)
        self.dense = nn.Linear(hidden_size, embedding_size)
        nn.init.xavier_normal_(self.item_embedding.weight)
        with torch.no_grad():
            self.item_embedding.weight[0].zero_()
        for weight in self.gru.parameters():
            nn.init.xavier_uniform_(weight)

    def forward(self, input_ids, last_only=False, padding_outputs=False):
        """Encode left-padded item ids of shape (batch, width).

        Returns the state of every position, (batch, width, embedding_size),
        zeros at left padding (every position computed, padding included, when
        ``padding_outputs``), or of the last position, (batch, 1,
        embedding_size), when ``last_only``.
        """
        b, n = input_ids.shape
        if n > self.max_seq_length:
            raise ValueError(
                f"Got sequences of width {n}; the module was built for "
                f"max_seq_length={self.max_seq_length}."
            )
        if padding_outputs:
            out, _ = self.gru(self.dropout(self.item_embedding(input_ids)))
            out = self.dense(out)
            return out[:, -1:] if last_only else out
        active = (input_ids > 0).cumsum(1) > 0
        active[:, -1] = True
        lengths = active.sum(1)
        start = n - lengths
        cols = torch.arange(n, device=input_ids.device)
        if bool((lengths == n).all()):
            out, _ = self.gru(self.dropout(self.item_embedding(input_ids)))
        else:
            # Left-align every row, run the packed GRU, align back.
            left = input_ids.gather(1, (cols[None] + start[:, None]).clamp_max(n - 1))
            x = self.dropout(self.item_embedding(left))
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)
            out, _ = self.gru(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=n)
            if last_only:
                return self.dense(out[torch.arange(b), lengths - 1])[:, None]
            src = cols[None] - start[:, None]
            out = out.gather(1, src.clamp_min(0)[..., None].expand(-1, -1, out.shape[-1]))
            return self.dense(out) * (src >= 0)[..., None].to(out.dtype)
        out = self.dense(out)
        return out[:, -1:] if last_only else out

    def item_scores(self, hidden):
        """Scores of hidden states (..., embedding_size) against every item,
        (..., n_items); column ``j`` scores internal item ``j + 1``."""
        return hidden @ self.item_embedding.weight[1:].T

    def candidate_scores(self, hidden, items):
        """Scores of given items (shapes broadcast, as in SASRecModule)."""
        return (hidden * self.item_embedding(items)).sum(-1)


class GRU4Rec(BaseSequentialRecommender):
    """GRU4Rec next-item recommender on sequence frames (a skorch ``NeuralNet``).

    A GRU reads each user's most recent ``max_seq_length`` items; the score of
    an item is the dot product of the last state (mapped back to the
    embedding space) with the item's embedding. Everything else -- the item
    vocabulary, length-aware batching, the next-item loss family, validation
    and early stopping, ``recommend``/``rank``/``score``/``evaluate``,
    persistence -- is shared with :class:`SASRec`.

    Training differs from the original GRU4Rec, which feeds session-parallel
    mini-batches one step at a time with ranking losses (TOP1, BPR): here
    every position of a sequence predicts its next item in one pass, with the
    loss family of every skrec sequential model (softmax cross-entropy over
    all items by default, as RecBole's GRU4Rec).

    Parameters
    ----------
    embedding_size : int, default=64
        Width of the item embeddings.
    hidden_size : int, default=128
        Width of the GRU state.
    n_layers : int, default=1
        Number of GRU layers.
    dropout : float, default=0.3
        Dropout on the item embeddings.
    %(shared)s

    Attributes
    ----------
    items_ : ndarray of shape (n_items,)
        Caller item ids known to the model, sorted.
    n_items_ : int
    module_ : GRU4RecModule
    history_ : skorch History

    See Also
    --------
    SASRec, BERT4Rec

    References
    ----------
    .. [1] Hidasi, Karatzoglou, Baltrunas and Tikk, "Session-based
       Recommendations with Recurrent Neural Networks", ICLR 2016.

    Examples
    --------
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import GRU4Rec
    >>> X = make_sequence_frame([[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]] * 10)
    >>> model = GRU4Rec(embedding_size=16, hidden_size=16, max_seq_length=5,
    ...                 max_epochs=2, train_split=None, verbose=0, random_state=0)
    >>> model = model.fit(X)
    >>> model.recommend(X.iloc[:2], k=3).shape
    (2, 3)
    """

    _module_params = (
        "embedding_size", "hidden_size", "n_layers", "dropout", "max_seq_length",
    )

    _parameter_constraints = {
        **BaseSequentialRecommender._parameter_constraints,
        "embedding_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_layers": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        *,
        embedding_size=64,
        hidden_size=128,
        n_layers=1,
        dropout=0.3,
        loss="ce",
        **kwargs,
    ):
        kwargs.setdefault("module", GRU4RecModule)
        super().__init__(loss=loss, **kwargs)
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.dropout = dropout

    @property
    def _ranking_class(self):
        return GRU4Rec


fill_doc(GRU4Rec, "ce")
