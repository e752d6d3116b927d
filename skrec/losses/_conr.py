"""ConR, the contrastive regulariser for deep imbalanced regression."""

import numbers

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ConRLoss"]


def _check_conr_params(temperature, similarity_threshold, pushing_weight, pushing_kernel):
    if (
        not isinstance(temperature, numbers.Real)
        or isinstance(temperature, bool)
        or not temperature > 0
        or temperature == float("inf")
    ):
        raise ValueError(
            f"temperature must be a positive finite number (0.07 in the paper); "
            f"got {temperature!r}."
        )
    if (
        not isinstance(similarity_threshold, numbers.Real)
        or isinstance(similarity_threshold, bool)
        or not similarity_threshold >= 0
        or similarity_threshold == float("inf")
    ):
        raise ValueError(
            "similarity_threshold must be a non-negative finite number in label "
            f"units; got {similarity_threshold!r}."
        )
    if (
        not isinstance(pushing_weight, numbers.Real)
        or isinstance(pushing_weight, bool)
        or not pushing_weight >= 0
        or pushing_weight == float("inf")
    ):
        raise ValueError(
            f"pushing_weight must be a non-negative finite number; got {pushing_weight!r}."
        )
    if pushing_kernel not in ("exp", "linear"):
        raise ValueError(
            f"pushing_kernel must be 'exp' or 'linear'; got {pushing_kernel!r}."
        )


class ConRLoss(nn.Module):
    """Contrastive regulariser for deep imbalanced regression (ConR).

    Penalises feature proximities that disagree with label proximities
    (Keramati et al., 2024). For a batch of ``M`` views (usually two
    augmented views of each of ``N`` samples, ``M = 2N``) with L2-normalised
    features ``z``, labels ``y``, detached predictions ``y_hat`` and sample
    weights ``omega``:

    - positives of anchor ``j``: views ``a != j`` with
      ``|y_j - y_a| <= similarity_threshold``;
    - negatives of anchor ``j``: views with ``|y_j - y_a| >
      similarity_threshold`` but ``|y_hat_j - y_hat_a| <= similarity_threshold``
      (far labels, close predictions);
    - pushing weight of negative ``a``: ``S_ja = omega_j *
      exp(pushing_weight * |y_j - y_a|)`` (``pushing_kernel="exp"``, the age
      variant of the paper) or ``pushing_weight * omega_j * |y_j - y_a|``
      (``"linear"``, the depth variant);
    - with ``s(j, a) = z_j . z_a / temperature``::

          L_j = -1/|P_j| sum_{p in P_j} log( exp s(j,p) /
                ( sum_{p' in P_j} exp s(j,p') + sum_{a in N_j} S_ja exp s(j,a) ) )

    - the loss is ``sum_j omega_j L_j / M`` over anchors that have at least
      one negative and one positive (the others contribute 0), i.e. the mean
      over all ``M`` views as in the authors' code.

    The authors' code masks the similarity matrix with zeros before
    exponentiating, so every excluded pair (self included) adds ``exp(0) = 1``
    to the denominator; here excluded pairs add nothing (exact masking, a
    log-sum-exp over the selected pairs), which keeps the loss independent of
    the batch size. Anchors with negatives but no positive are skipped (they
    divide by zero in the reference code).

    Parameters
    ----------
    temperature : float, default=0.07
        Temperature ``tau`` of the similarities (the paper's effective value).
    similarity_threshold : float, default=1.0
        Window ``w`` in label units under which two labels (and two
        predictions) count as similar (1 for ages, 0.2 for depth in the paper).
        Choose it on the scale of your target.
    pushing_weight : float, default=0.01
        Coefficient ``e`` of the pushing weight.
    pushing_kernel : {"exp", "linear"}, default="exp"
        Form of the pushing weight, see above.

    Examples
    --------
    >>> import torch
    >>> from skrec.losses import ConRLoss
    >>> features = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> y = torch.tensor([0.0, 0.5, 5.0])
    >>> y_hat = torch.tensor([0.0, 0.0, 0.5])
    >>> loss = ConRLoss(temperature=1.0, pushing_weight=0.0)
    >>> round(loss(features, y, y_hat).item(), 4)  # 2 * log(1 + e^-1) / 3
    0.2088

    Inside a skorch net whose module returns ``(prediction, features)``,
    add it to the regression loss by overriding ``get_loss``::

        class MyNet(skorch.NeuralNetRegressor):
            def get_loss(self, y_pred, y_true, X=None, training=False):
                pred, feats = y_pred
                loss = super().get_loss(pred, y_true, X=X, training=training)
                conr = ConRLoss()(feats, y_true, pred.detach())
                return loss + 4.0 * conr

    :class:`skrec.regression.ConRRegressor` does this, with the two augmented
    views, for you.

    References
    ----------
    .. [1] M. Keramati, L. Meng, R. D. Evans, "ConR: Contrastive Regularizer
       for Deep Imbalanced Regression", ICLR 2024. Code: BorealisAI/ConR.
    """

    def __init__(
        self,
        temperature=0.07,
        similarity_threshold=1.0,
        pushing_weight=0.01,
        pushing_kernel="exp",
    ):
        super().__init__()
        _check_conr_params(temperature, similarity_threshold, pushing_weight, pushing_kernel)
        self.temperature = temperature
        self.similarity_threshold = similarity_threshold
        self.pushing_weight = pushing_weight
        self.pushing_kernel = pushing_kernel

    def forward(self, features, target, prediction, sample_weight=None):
        """ConR loss of a batch of views.

        Parameters
        ----------
        features : tensor of shape (M, ...)
            Encoder features of each view (flattened and L2-normalised here).
        target : tensor of shape (M,) or (M, 1)
            Label of each view.
        prediction : tensor of shape (M,) or (M, 1)
            Predictions, used only to select the negatives (detached here).
        sample_weight : tensor of shape (M,) or (M, 1), default=None
            Weight ``omega`` of each view (e.g. LDS weights); 1 when None.

        Returns
        -------
        loss : scalar tensor
        """
        if features.dim() < 2:
            raise ValueError(
                "features must have shape (n_views, n_features); got shape "
                f"{tuple(features.shape)}."
            )
        m = features.shape[0]
        z = F.normalize(features.reshape(m, -1), dim=1)
        y = self._as_vector(target, m, "target").to(z.dtype)
        y_hat = self._as_vector(prediction, m, "prediction").detach().to(z.dtype)
        if sample_weight is None:
            omega = torch.ones(m, dtype=z.dtype, device=z.device)
        else:
            omega = self._as_vector(sample_weight, m, "sample_weight").to(z.dtype)
        if m < 2:
            return z.sum() * 0.0

        w = self.similarity_threshold
        label_dist = (y[:, None] - y[None, :]).abs()
        pred_dist = (y_hat[:, None] - y_hat[None, :]).abs()
        eye = torch.eye(m, dtype=torch.bool, device=z.device)
        pos = (label_dist <= w) & ~eye
        neg = (label_dist > w) & (pred_dist <= w)

        if self.pushing_kernel == "exp":
            log_push = torch.log(omega)[:, None] + self.pushing_weight * label_dist
        else:
            log_push = torch.log(self.pushing_weight * omega[:, None] * label_dist)

        sim = z @ z.T / self.temperature
        neg_inf = torch.tensor(float("-inf"), dtype=z.dtype, device=z.device)
        logits = torch.where(pos, sim, torch.where(neg, sim + log_push, neg_inf))
        n_pos = pos.sum(1)
        active = (n_pos > 0) & neg.any(1) & (omega > 0)
        # rows with nothing selected get finite dummies so that gradients stay finite
        logits = torch.where(active[:, None], logits, torch.zeros_like(logits))
        log_denom = torch.logsumexp(logits, dim=1)
        mean_pos_sim = torch.where(pos, sim, torch.zeros_like(sim)).sum(1) / n_pos.clamp(min=1)
        per_anchor = log_denom - mean_pos_sim
        per_anchor = torch.where(active, omega * per_anchor, torch.zeros_like(per_anchor))
        return per_anchor.sum() / m

    @staticmethod
    def _as_vector(t, m, name):
        if not torch.is_tensor(t):
            t = torch.as_tensor(t)
        if t.dim() == 2 and t.shape[1] == 1:
            t = t[:, 0]
        if t.dim() != 1 or t.shape[0] != m:
            raise ValueError(
                f"{name} must have shape ({m},) or ({m}, 1), one value per view; "
                f"got {tuple(t.shape)}. ConR supports a single continuous target."
            )
        return t
