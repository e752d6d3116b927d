"""Prior correction of a probabilistic classifier's outputs."""

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
)

__all__ = ["PriorCorrectionClassifier"]


class PriorCorrectionClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Divide a classifier's probabilities by the training class priors.

    A classifier trained on imbalanced data estimates
    :math:`p(c \\mid x) \\propto p(x \\mid c) \\pi_{train}(c)`. Dividing by the
    training priors :math:`\\pi_{train}` and multiplying by target priors
    :math:`\\pi_{target}` (uniform by default) gives the posterior under the target
    class distribution,

    .. math::

        \\tilde p(c \\mid x) = \\frac{p(c \\mid x)\\, \\pi_{target}(c) /
        \\pi_{train}(c)}{\\sum_d p(d \\mid x)\\, \\pi_{target}(d) / \\pi_{train}(d)},

    and ``predict`` returns its argmax: with uniform target priors this is the
    "thresholding" of Buda et al. (2018), :math:`\\arg\\max_c p(c \\mid x) /
    p(c)`. It wraps any scikit-learn classifier with ``predict_proba``
    and works for any number of classes.

    For two classes, tuning the decision threshold on held-out data with
    :class:`sklearn.model_selection.TunedThresholdClassifierCV` is the data-driven
    alternative; prior correction needs no tuning and no held-out data.

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``fit`` and ``predict_proba``; cloned in ``fit``.
    target_priors : None, array-like of shape (n_classes,) or dict, default=None
        Class priors of the deployment distribution, in the order of
        ``classes_`` or as ``{class: prior}``; positive, renormalised to sum to
        1. None means uniform (balanced) priors.
    train_priors : "empirical" or array-like of shape (n_classes,) or dict, \
            default="empirical"
        Priors the estimator was trained under. "empirical" uses the (weighted)
        class frequencies of ``y`` in ``fit``; pass them explicitly when the
        estimator saw another distribution (e.g. a resampled one).

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    train_priors_ : ndarray of shape (n_classes,)
        Training priors used for the correction.
    target_priors_ : ndarray of shape (n_classes,)
        Target priors used for the correction.
    n_features_in_ : int
        Number of features seen in ``fit`` (from ``estimator_``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen in ``fit``, when ``X`` had string column names.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : Tune a binary decision
        threshold by cross-validation.
    sklearn.calibration.CalibratedClassifierCV : Calibrate probabilities (under
        the training distribution).

    References
    ----------
    .. [1] M. Buda, A. Maki and M. A. Mazurowski, "A systematic study of the
       class imbalance problem in convolutional neural networks", Neural
       Networks 106, 2018 (arXiv:1710.05381).
    .. [2] M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the outputs of a
       classifier to new a priori probabilities: a simple procedure", Neural
       Computation 14(1), 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skrec.calibration import PriorCorrectionClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> y = (X[:, 0] + rng.normal(size=300) > 1.5).astype(int)
    >>> clf = PriorCorrectionClassifier(LogisticRegression()).fit(X, y)
    >>> clf.train_priors_.round(2)
    array([0.86, 0.14])
    >>> bool(clf.predict(X).mean() > LogisticRegression().fit(X, y).predict(X).mean())
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "target_priors": [None, "array-like", dict],
        "train_priors": [StrOptions({"empirical"}), "array-like", dict],
    }

    def __init__(self, estimator, target_priors=None, train_priors="empirical"):
        self.estimator = estimator
        self.target_priors = target_priors
        self.train_priors = train_priors

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the wrapped classifier and record the class priors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (validated by the wrapped estimator).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed on to the estimator's ``fit`` and used for the empirical
            priors.
        **fit_params : dict
            Other parameters of the estimator's ``fit``.

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        y_arr = column_or_1d(y, warn=True)
        check_classification_targets(y_arr)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y_arr)
            fit_params["sample_weight"] = sample_weight
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        classes = np.asarray(self.estimator_.classes_)
        self.classes_ = classes
        if isinstance(self.train_priors, str):
            labels, inverse = np.unique(y_arr, return_inverse=True)
            weights = np.ones(len(y_arr)) if sample_weight is None else sample_weight
            mass = np.bincount(inverse, weights=weights, minlength=len(labels))
            if len(labels) != len(classes) or np.any(labels != classes):
                raise ValueError(
                    "The estimator's classes_ do not match the labels of y; pass "
                    "train_priors explicitly."
                )
            if np.any(mass <= 0):
                raise ValueError(
                    "Every class needs a positive total sample_weight to estimate "
                    "its training prior."
                )
            self.train_priors_ = mass / mass.sum()
        else:
            self.train_priors_ = self._check_priors(self.train_priors, "train_priors")
        if self.target_priors is None:
            self.target_priors_ = np.full(len(classes), 1.0 / len(classes))
        else:
            self.target_priors_ = self._check_priors(
                self.target_priors, "target_priors"
            )
        self._ratio = self.target_priors_ / self.train_priors_
        return self

    def _check_priors(self, priors, name):
        classes = self.classes_
        if isinstance(priors, dict):
            unknown = set(priors) - set(classes.tolist())
            missing = [c for c in classes.tolist() if c not in priors]
            if unknown or missing:
                raise ValueError(
                    f"{name} must give a prior for every class of {classes.tolist()}; "
                    f"unknown: {sorted(map(str, unknown))}, missing: "
                    f"{[str(m) for m in missing]}."
                )
            priors = [priors[c] for c in classes.tolist()]
        try:
            priors = np.asarray(priors, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric priors.") from exc
        if priors.shape != (len(classes),):
            raise ValueError(
                f"{name} must have one entry per class ({len(classes)} classes, "
                f"in the order of classes_), got shape {priors.shape}."
            )
        if not np.all(np.isfinite(priors)) or np.any(priors <= 0):
            raise ValueError(f"{name} must be finite and > 0, got {priors}.")
        return priors / priors.sum()

    def predict_proba(self, X):
        """Prior-corrected class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        proba = np.asarray(self.estimator_.predict_proba(X), dtype=float) * self._ratio
        total = proba.sum(axis=1, keepdims=True)
        # A row with no mass (all probabilities zero) stays uniform.
        empty = total[:, 0] <= 0
        if np.any(empty):
            proba[empty] = 1.0
            total[empty] = len(self.classes_)
        return proba / total

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Class with the highest prior-corrected probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    @property
    def n_features_in_(self):
        """Number of features seen in ``fit``."""
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Feature names seen in ``fit``."""
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.categorical = inner.input_tags.categorical
        tags.input_tags.string = inner.input_tags.string
        tags.classifier_tags.poor_score = inner.classifier_tags is not None and (
            inner.classifier_tags.poor_score
        )
        return tags
