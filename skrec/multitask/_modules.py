"""Torch modules for multi-task learning on tabular data.

Every module takes the same leading arguments, so that
:class:`~skrec.multitask.MultiTaskNet` (or a user) can build any of them:

- ``n_features``: number of input columns;
- ``task_dims``: number of outputs per task (1 for a binary or regression
  task, the number of classes for a multiclass task);
- ``task_kinds``: ``"binary"``, ``"multiclass"`` or ``"regression"`` per
  task, in dependence order (only :class:`HTLNet` uses it);
- ``categorical_features`` / ``cardinalities``: positions of integer-coded
  categorical columns and their number of codes (embedded); all other
  columns are numeric and get a learned per-feature projection.

``forward(X)`` returns one tensor of shape ``(n_samples, sum(task_dims))``
holding the raw outputs (logits for classification, values for regression)
of the tasks side by side. ``shared_parameters()`` lists the parameters that
receive gradients from more than one task (what AdaTask and HTLNet's
gradient adjustment act on).
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["FeatureEmbedding", "SharedBottom", "MMoE", "PLE", "HTLNet", "ESMM"]


def _mlp(in_dim, units, dropout):
    layers = []
    for u in units:
        layers += [nn.Linear(in_dim, u), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_dim = u
    return nn.Sequential(*layers), in_dim


class FeatureEmbedding(nn.Module):
    """Shared input layer: per-field embeddings of categoricals, projected numerics.

    A numeric column ``j`` becomes ``x_j * w_j + b_j`` (a learned vector per
    column); an integer-coded categorical column becomes a row of a learned
    table. The outputs are concatenated.

    Parameters
    ----------
    n_features : int
        Number of input columns.
    categorical_features : sequence of int, default=()
        Positions of the integer-coded categorical columns.
    cardinalities : sequence of int, default=()
        Number of codes of each categorical column (codes ``0..c-1``).
    embedding_dim : int, default=8
        Size of each field's vector.

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import FeatureEmbedding
    >>> emb = FeatureEmbedding(3, categorical_features=[2], cardinalities=[5], embedding_dim=4)
    >>> emb(torch.tensor([[0.5, -1.0, 3.0]])).shape
    torch.Size([1, 12])
    """

    def __init__(
        self, n_features, categorical_features=(), cardinalities=(), embedding_dim=8
    ):
        super().__init__()
        categorical_features = [int(c) for c in categorical_features]
        cardinalities = [int(c) for c in cardinalities]
        if len(categorical_features) != len(cardinalities):
            raise ValueError("categorical_features and cardinalities differ in length.")
        numeric = [j for j in range(n_features) if j not in set(categorical_features)]
        self.register_buffer("numeric_index", torch.tensor(numeric, dtype=torch.long))
        self.register_buffer(
            "categorical_index", torch.tensor(categorical_features, dtype=torch.long)
        )
        offsets = [0] + list(
            torch.tensor(cardinalities, dtype=torch.long).cumsum(0)[:-1].tolist()
        )
        self.register_buffer(
            "offsets", torch.tensor(offsets[: len(cardinalities)], dtype=torch.long)
        )
        self.numeric_weight = nn.Parameter(
            torch.randn(len(numeric), embedding_dim) / math.sqrt(embedding_dim)
        )
        self.numeric_bias = nn.Parameter(torch.zeros(len(numeric), embedding_dim))
        self.table = (
            nn.Embedding(sum(cardinalities), embedding_dim) if cardinalities else None
        )
        self.out_dim = (len(numeric) + len(cardinalities)) * embedding_dim

    def forward(self, X):
        # flatten(1), not reshape(n, -1): an empty batch (a process's share
        # of a small data-parallel batch) keeps its width
        num = X.index_select(1, self.numeric_index)
        parts = [(num.unsqueeze(-1) * self.numeric_weight + self.numeric_bias).flatten(1)]
        if self.categorical_index.numel():
            codes = X.index_select(1, self.categorical_index).long() + self.offsets
            parts.append(self.table(codes).flatten(1))
        return torch.cat(parts, dim=1)


class _ExpertBank(nn.Module):
    """``n_experts`` MLPs of the same shape evaluated in one batched product."""

    def __init__(self, n_experts, in_dim, units, dropout):
        super().__init__()
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for u in units:
            bound = 1 / math.sqrt(in_dim)
            self.weights.append(
                nn.Parameter(torch.empty(n_experts, in_dim, u).uniform_(-bound, bound))
            )
            self.biases.append(
                nn.Parameter(torch.empty(n_experts, u).uniform_(-bound, bound))
            )
            in_dim = u
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.out_dim = in_dim

    def forward(self, x):
        """``x``: (n, in) -> (n, n_experts, out)."""
        h = None
        for w, b in zip(self.weights, self.biases):
            h = (
                torch.einsum("ni,eio->neo", x, w)
                if h is None
                else torch.einsum("nei,eio->neo", h, w)
            )
            h = self.dropout(F.relu(h + b))
        return h


class _MultiTaskModule(nn.Module):
    """Common part: shared input layer and one linear head per task."""

    def __init__(
        self,
        n_features,
        task_dims,
        task_kinds=None,
        categorical_features=(),
        cardinalities=(),
        embedding_dim=8,
    ):
        super().__init__()
        self.task_dims = [int(d) for d in task_dims]
        if not self.task_dims or min(self.task_dims) < 1:
            raise ValueError(
                f"task_dims must list at least one positive size, got {task_dims!r}."
            )
        self.task_kinds = (
            list(task_kinds)
            if task_kinds is not None
            else ["regression"] * len(self.task_dims)
        )
        self.embedding = FeatureEmbedding(
            n_features, categorical_features, cardinalities, embedding_dim
        )

    @property
    def n_tasks(self):
        return len(self.task_dims)

    def _add_towers(self, in_dim, tower_units, dropout):
        """One MLP tower over ``in_dim`` inputs and one linear head per task."""
        self.towers = nn.ModuleList()
        self.heads = nn.ModuleList()
        for dim in self.task_dims:
            tower, out = _mlp(in_dim, tower_units, dropout)
            self.towers.append(tower)
            self.heads.append(nn.Linear(out, dim))

    def _shared_modules(self):
        return [self.embedding]

    def shared_parameters(self):
        """Parameters that receive gradients from more than one task."""
        return [p for m in self._shared_modules() for p in m.parameters()]


class SharedBottom(_MultiTaskModule):
    """Shared-bottom multi-task network: one shared MLP, one tower per task.

    Parameters
    ----------
    n_features, task_dims, task_kinds, categorical_features, cardinalities, embedding_dim
        See the module docstring of :mod:`skrec.multitask`.
    bottom_units : tuple of int, default=(64,)
        Hidden sizes of the shared MLP.
    tower_units : tuple of int, default=(32,)
        Hidden sizes of every task tower.
    dropout : float, default=0.0
        Dropout after every hidden layer.

    References
    ----------
    .. [1] R. Caruana, "Multitask Learning", Machine Learning 28, 1997.

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import SharedBottom
    >>> net = SharedBottom(4, task_dims=[1, 3, 1])
    >>> net(torch.randn(5, 4)).shape
    torch.Size([5, 5])
    """

    def __init__(
        self,
        n_features,
        task_dims,
        task_kinds=None,
        categorical_features=(),
        cardinalities=(),
        embedding_dim=8,
        bottom_units=(64,),
        tower_units=(32,),
        dropout=0.0,
    ):
        super().__init__(
            n_features,
            task_dims,
            task_kinds,
            categorical_features,
            cardinalities,
            embedding_dim,
        )
        self.bottom, d = _mlp(self.embedding.out_dim, bottom_units, dropout)
        self._add_towers(d, tower_units, dropout)

    def _shared_modules(self):
        return [self.embedding, self.bottom]

    def forward(self, X):
        h = self.bottom(self.embedding(X))
        return torch.cat(
            [head(tower(h)) for tower, head in zip(self.towers, self.heads)], dim=1
        )


class MMoE(_MultiTaskModule):
    """Multi-gate mixture of experts: shared experts, one softmax gate per task.

    Parameters
    ----------
    n_features, task_dims, task_kinds, categorical_features, cardinalities, embedding_dim
        See the module docstring of :mod:`skrec.multitask`.
    n_experts : int, default=4
        Number of shared experts.
    expert_units : tuple of int, default=(64,)
        Hidden sizes of every expert.
    tower_units : tuple of int, default=(32,)
        Hidden sizes of every task tower.
    dropout : float, default=0.0
        Dropout after every hidden layer.

    References
    ----------
    .. [1] J. Ma, Z. Zhao, X. Yi, J. Chen, L. Hong and E. H. Chi, "Modeling Task
       Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts",
       KDD 2018.

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import MMoE
    >>> net = MMoE(4, task_dims=[1, 1], n_experts=3)
    >>> net(torch.randn(5, 4)).shape
    torch.Size([5, 2])
    """

    def __init__(
        self,
        n_features,
        task_dims,
        task_kinds=None,
        categorical_features=(),
        cardinalities=(),
        embedding_dim=8,
        n_experts=4,
        expert_units=(64,),
        tower_units=(32,),
        dropout=0.0,
    ):
        super().__init__(
            n_features,
            task_dims,
            task_kinds,
            categorical_features,
            cardinalities,
            embedding_dim,
        )
        d_in = self.embedding.out_dim
        self.experts = _ExpertBank(n_experts, d_in, expert_units, dropout)
        self.gates = nn.ModuleList(nn.Linear(d_in, n_experts) for _ in self.task_dims)
        self._add_towers(self.experts.out_dim, tower_units, dropout)

    def _shared_modules(self):
        return [self.embedding, self.experts]

    def forward(self, X):
        x = self.embedding(X)
        e = self.experts(x)  # (n, E, d)
        outs = []
        for gate, tower, head in zip(self.gates, self.towers, self.heads):
            w = torch.softmax(gate(x), dim=1).unsqueeze(-1)
            outs.append(head(tower((w * e).sum(1))))
        return torch.cat(outs, dim=1)


class PLE(_MultiTaskModule):
    """Progressive layered extraction: shared and task experts, stacked levels.

    At each extraction level every task mixes its own experts and the shared
    experts with its gate; a shared gate mixes all experts as input to the
    next level's shared experts.

    Parameters
    ----------
    n_features, task_dims, task_kinds, categorical_features, cardinalities, embedding_dim
        See the module docstring of :mod:`skrec.multitask`.
    n_levels : int, default=2
        Number of extraction levels.
    n_shared_experts : int, default=1
        Shared experts per level.
    n_task_experts : int, default=1
        Experts per task and level.
    expert_units : tuple of int, default=(64,)
        Hidden sizes of every expert.
    tower_units : tuple of int, default=(32,)
        Hidden sizes of every task tower.
    dropout : float, default=0.0
        Dropout after every hidden layer.

    References
    ----------
    .. [1] H. Tang, J. Liu, M. Zhao and X. Gong, "Progressive Layered Extraction
       (PLE): A Novel Multi-Task Learning (MTL) Model for Personalized
       Recommendations", RecSys 2020.

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import PLE
    >>> net = PLE(4, task_dims=[1, 1], n_levels=2)
    >>> net(torch.randn(5, 4)).shape
    torch.Size([5, 2])
    """

    def __init__(
        self,
        n_features,
        task_dims,
        task_kinds=None,
        categorical_features=(),
        cardinalities=(),
        embedding_dim=8,
        n_levels=2,
        n_shared_experts=1,
        n_task_experts=1,
        expert_units=(64,),
        tower_units=(32,),
        dropout=0.0,
    ):
        super().__init__(
            n_features,
            task_dims,
            task_kinds,
            categorical_features,
            cardinalities,
            embedding_dim,
        )
        if n_levels < 1:
            raise ValueError(f"n_levels must be >= 1, got {n_levels}.")
        k = self.n_tasks
        d_in = self.embedding.out_dim
        self.levels = nn.ModuleList()
        for level in range(n_levels):
            last = level == n_levels - 1
            lvl = nn.Module()
            lvl.task_experts = nn.ModuleList(
                _ExpertBank(n_task_experts, d_in, expert_units, dropout)
                for _ in range(k)
            )
            lvl.shared_experts = _ExpertBank(
                n_shared_experts, d_in, expert_units, dropout
            )
            lvl.task_gates = nn.ModuleList(
                nn.Linear(d_in, n_task_experts + n_shared_experts) for _ in range(k)
            )
            lvl.shared_gate = (
                None if last else nn.Linear(d_in, k * n_task_experts + n_shared_experts)
            )
            self.levels.append(lvl)
            d_in = lvl.shared_experts.out_dim
        self._add_towers(d_in, tower_units, dropout)

    def _shared_modules(self):
        # Below the last level every expert and gate feeds more than one task
        # (through the shared gate); at the last level only the shared experts do.
        mods = [self.embedding]
        for lvl in self.levels[:-1]:
            mods.append(lvl)
        mods.append(self.levels[-1].shared_experts)
        return mods

    def forward(self, X):
        x = self.embedding(X)
        task_in = [x] * self.n_tasks
        shared_in = x
        for lvl in self.levels:
            shared_e = lvl.shared_experts(shared_in)
            task_e = [bank(h) for bank, h in zip(lvl.task_experts, task_in)]
            task_out = []
            for h, e, gate in zip(task_in, task_e, lvl.task_gates):
                w = torch.softmax(gate(h), dim=1).unsqueeze(-1)
                task_out.append((w * torch.cat([e, shared_e], dim=1)).sum(1))
            if lvl.shared_gate is not None:
                w = torch.softmax(lvl.shared_gate(shared_in), dim=1).unsqueeze(-1)
                shared_in = (w * torch.cat(task_e + [shared_e], dim=1)).sum(1)
            task_in = task_out
        return torch.cat(
            [
                head(tower(h))
                for h, tower, head in zip(task_in, self.towers, self.heads)
            ],
            dim=1,
        )


class _AttentionFusion(nn.Module):
    """AITM-style fusion of a set of vectors: ``sum_u softmax(<h_u, f_u>/sqrt(d)) g_u``."""

    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.h = nn.Linear(in_dim, out_dim)
        self.f = nn.Linear(in_dim, out_dim)
        self.g = nn.Linear(in_dim, out_dim)
        self.scale = 1 / math.sqrt(out_dim)

    def forward(self, u):
        """``u``: (n, m, in) -> (n, out)."""
        score = (self.h(u) * self.f(u)).sum(-1) * self.scale
        return (torch.softmax(score, dim=1).unsqueeze(-1) * self.g(u)).sum(1)


class HTLNet(_MultiTaskModule):
    """Hybrid Targets Learning Network (reconstruction of Tang et al., 2024).

    Tasks are given in dependence order (e.g. visit -> conversion -> spend).
    Each task has its own MLP tower over the shared embedding; the output of
    a tower's first hidden layer is the task representation ``rep_t``.

    - **Label Embedding Unit** (every classification task that a later task
      depends on): a learned table ``E_t`` with one row per label value; a
      relaxed one-hot sample ``s_t`` of the *predicted* distribution by
      Gumbel-softmax (temperature ``tau``) during training, the predicted
      probabilities themselves at inference; ``le_t = s_t E_t``.
    - **Information Fusion Unit** (task ``t >= 2``): attention (as in AITM)
      over the preceding representations ``rep_1..rep_{t-1}`` and,
      separately, over the preceding label embeddings; tower ``t`` reads
      ``concat(shared embedding, fused reps, fused label embeddings)``.
    - **Stop-gradient**: ``rep_t`` and the logits fed to the LEU are
      detached, so later tasks do not push gradients into earlier towers
      while ``E_t`` and the fusion weights still learn.

    The paper's parts: the LEU with Gumbel-softmax over predicted labels, the
    IFU fusing representations and label embeddings of all preceding tasks,
    the stop-gradient on transferred information, and the gradient adjustment
    (see :func:`~skrec.multitask.htl_adjust_gradients`). Our choices, as no
    code is public: the AITM-style self-attention form of the IFU, feeding the
    expected (not sampled) label distribution at inference, a per-feature
    numeric projection in the shared embedding, and label embeddings for
    multiclass tasks (one row per class).

    Parameters
    ----------
    n_features, task_dims, task_kinds, categorical_features, cardinalities, embedding_dim
        See the module docstring of :mod:`skrec.multitask`.
    tower_units : tuple of int, default=(64, 32)
        Hidden sizes of every task tower; the first is the representation size.
    label_embedding_dim : int, default=8
        Size of the label embeddings.
    tau : float, default=1.0
        Gumbel-softmax temperature.
    dropout : float, default=0.0
        Dropout after every hidden layer.

    References
    ----------
    .. [1] X. Tang, Y. Qiao, F. Lyu, D. Liu and X. He, "Touch the Core: Exploring
       Task Dependence Among Hybrid Targets for Recommendation", RecSys 2024,
       arXiv:2403.17442.
    .. [2] D. Xi et al., "Modeling the Sequential Dependence among Audience
       Multi-step Conversions with Multi-task Learning in Targeted Display
       Advertising" (AITM), KDD 2021.

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import HTLNet
    >>> net = HTLNet(4, task_dims=[1, 1, 1], task_kinds=["binary", "binary", "regression"])
    >>> _ = net.eval()
    >>> net(torch.randn(5, 4)).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        n_features,
        task_dims,
        task_kinds=None,
        categorical_features=(),
        cardinalities=(),
        embedding_dim=8,
        tower_units=(64, 32),
        label_embedding_dim=8,
        tau=1.0,
        dropout=0.0,
    ):
        super().__init__(
            n_features,
            task_dims,
            task_kinds,
            categorical_features,
            cardinalities,
            embedding_dim,
        )
        if len(tower_units) < 1:
            raise ValueError(
                "HTLNet needs at least one tower layer (the task representation)."
            )
        if tau <= 0:
            raise ValueError(f"tau must be positive, got {tau}.")
        self.tau = float(tau)
        k = self.n_tasks
        d_emb = self.embedding.out_dim
        rep_dim = tower_units[0]
        self.has_label = [
            kind in ("binary", "multiclass") and t < k - 1
            for t, kind in enumerate(self.task_kinds)
        ]
        self.label_tables = nn.ParameterList()
        self.label_slot = {}
        for t, has in enumerate(self.has_label):
            if has:
                n_values = 2 if self.task_kinds[t] == "binary" else self.task_dims[t]
                self.label_slot[t] = len(self.label_tables)
                self.label_tables.append(
                    nn.Parameter(torch.randn(n_values, label_embedding_dim) * 0.1)
                )
        self.rep_layers = nn.ModuleList()
        self.uppers = nn.ModuleList()
        self.heads = nn.ModuleList()
        self.rep_fusion = nn.ModuleList()
        self.label_fusion = nn.ModuleList()
        for t, dim in enumerate(self.task_dims):
            d_in = d_emb
            if t > 0:
                self.rep_fusion.append(_AttentionFusion(rep_dim, rep_dim))
                d_in += rep_dim
                if any(self.has_label[:t]):
                    self.label_fusion.append(
                        _AttentionFusion(label_embedding_dim, label_embedding_dim)
                    )
                    d_in += label_embedding_dim
                else:
                    self.label_fusion.append(nn.Identity())
            else:
                self.rep_fusion.append(nn.Identity())
                self.label_fusion.append(nn.Identity())
            rep, _ = _mlp(d_in, tower_units[:1], dropout)
            upper, d_up = _mlp(rep_dim, tower_units[1:], dropout)
            self.rep_layers.append(rep)
            self.uppers.append(upper)
            self.heads.append(nn.Linear(d_up, dim))

    def _label_embedding(self, t, logits):
        z = logits.detach()
        if self.task_kinds[t] == "binary":
            z = torch.cat([torch.zeros_like(z), z], dim=1)  # softmax -> (1 - p, p)
        if self.training:
            s = F.gumbel_softmax(z, tau=self.tau, hard=False, dim=1)
        else:
            s = torch.softmax(z, dim=1)
        return s @ self.label_tables[self.label_slot[t]]

    def _shared_modules(self):
        # a label table read by two or more later tasks is shared; one read by
        # the core task only is specific to it
        k = self.n_tasks
        tables = [
            self.label_tables[slot] for t, slot in self.label_slot.items() if t < k - 2
        ]
        return [self.embedding, *tables]

    def shared_parameters(self):
        """Parameters that receive gradients from more than one task."""
        out = []
        for m in self._shared_modules():
            out.extend([m] if isinstance(m, nn.Parameter) else m.parameters())
        return out

    def forward(self, X):
        x = self.embedding(X)
        reps, labels, outs = [], [], []
        for t in range(self.n_tasks):
            parts = [x]
            if t > 0:
                parts.append(self.rep_fusion[t](torch.stack(reps, dim=1)))
                if labels:
                    parts.append(self.label_fusion[t](torch.stack(labels, dim=1)))
            rep = self.rep_layers[t](torch.cat(parts, dim=1))
            out = self.heads[t](self.uppers[t](rep))
            reps.append(rep.detach())
            if self.has_label[t]:
                labels.append(self._label_embedding(t, out))
            outs.append(out)
        return torch.cat(outs, dim=1)


def _log1mexp(a):
    """``log(1 - exp(a))`` for ``a < 0``, accurate near 0 and far below it."""
    return torch.where(a > -math.log(2.0), torch.log(-torch.expm1(a)),
                       torch.log1p(-torch.exp(a)))


class ESMM(_MultiTaskModule):
    """Entire-space multi-task model for chained binary targets (ESMM).

    Every task has its own tower on the shared feature embedding. For a chain
    of binary tasks (impression -> click -> conversion, visit -> purchase),
    tower ``k`` estimates the *conditional* probability of step ``k`` given
    all earlier steps, and the task's output is the probability of the whole
    chain so far, ``p_1 * ... * p_k`` (pCTR, then pCTCVR = pCTR * pCVR), so
    that every task is trained on every row -- the entire space -- instead
    of the conversion model seeing clicked rows only. Outputs are returned as
    logits of those products (``forward`` keeps the contract of the other
    architectures). Regression tasks (and the binary tasks after them) are
    not chained: their towers predict them directly.

    The labels of a chained task must be those of the whole chain: a row
    counts as a conversion only if it also clicked.

    Parameters
    ----------
    n_features, task_dims, task_kinds, categorical_features, cardinalities, embedding_dim
        See the module docstring of :mod:`skrec.multitask`.
    tower_units : tuple of int, default=(64, 32)
        Hidden sizes of every task tower.
    dropout : float, default=0.0

    Attributes
    ----------
    chained : list of int
        The tasks whose outputs are chained products.

    References
    ----------
    .. [1] X. Ma, L. Zhao, G. Huang, Z. Wang, Z. Hu, X. Zhu and K. Gai,
       "Entire Space Multi-Task Model: An Effective Approach for Estimating
       Post-Click Conversion Rate", SIGIR 2018.

    Examples
    --------
    >>> import torch
    >>> from skrec.multitask import ESMM
    >>> net = ESMM(4, task_dims=[1, 1], task_kinds=["binary", "binary"])
    >>> p = torch.sigmoid(net(torch.randn(6, 4)))
    >>> bool((p[:, 1] <= p[:, 0]).all())  # P(click and buy) <= P(click)
    True
    """

    def __init__(
        self,
        n_features,
        task_dims,
        task_kinds=None,
        categorical_features=(),
        cardinalities=(),
        embedding_dim=8,
        tower_units=(64, 32),
        dropout=0.0,
    ):
        super().__init__(
            n_features,
            task_dims,
            task_kinds,
            categorical_features,
            cardinalities,
            embedding_dim,
        )
        self.chained = []
        for k, kind in enumerate(self.task_kinds):
            if kind != "binary":
                break
            self.chained.append(k)
        if not self.chained:
            raise ValueError(
                "ESMM chains binary tasks: the first task (at least) must be binary, got "
                f"kinds {self.task_kinds}."
            )
        self._add_towers(self.embedding.out_dim, tower_units, dropout)

    def forward(self, X):
        h = self.embedding(X)
        outs = [head(tower(h)) for tower, head in zip(self.towers, self.heads)]
        log_p = 0.0
        for k in self.chained:
            log_p = log_p + F.logsigmoid(outs[k])
            # logit of the chain's probability exp(log_p); the first is itself
            if k > 0:
                outs[k] = log_p - _log1mexp(log_p.clamp_max(-1e-7))
        return torch.cat(outs, dim=1)
