"""The one transformer template of the augmentation operators.

Every operator is a :class:`BaseSequenceAugmenter`. It has two public levels:

* frames: ``fit(X)`` / ``transform(X)`` validate a sequence frame once
  (through :mod:`skrec.sequence`) and return a frame in the same cell format;
* ragged: ``fit_ragged(ragged)`` / ``augment(ragged, rng)`` work on the flat
  :class:`~skrec.sequence.Ragged` view directly, which is what training loops
  and samplers call on every batch.

An operator implements ``_transform_ragged(ragged, rng)`` (and ``_fit`` if it
learns something), working on all sequences at once with numpy (the kernels
are in :mod:`skrec.augmentation._kernels`, the segment sorts and selections in
:mod:`skrec.sequence`).

Item id 0 policy
----------------
``0`` is the padding/mask id of skrec. A masked item (the output of
:class:`~skrec.augmentation.TiMask` with the default ``mask_value=0``) is a
valid input of every operator's ``transform`` so that operators can be chained:
crop and reorder move it like any item, mask leaves it masked, substitute never
replaces it and insert never inserts after it (a masked item has no similar
item). Operators that learn an item similarity in ``fit`` (substitute, insert and
the control strategy) reject id 0 in ``fit``: the similarity must be learned from
unmasked training sequences.
"""

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequence import cell_format, check_ragged, check_sequence_frame, from_ragged
from ..utils._random import check_generator as make_rng

__all__ = ["BaseSequenceAugmenter"]


class BaseSequenceAugmenter(
    TransformerMixin, BaseEstimator, metaclass=ABCMeta, auto_wrap_output_keys=None
):
    """Template of the sequence augmentation operators.

    Subclasses implement ``_transform_ragged(ragged, rng) -> Ragged`` and,
    when they learn something in ``fit``, ``_fit(ragged, cache)``.
    ``transform`` validates ``X``, converts it to a :class:`~skrec.sequence.Ragged`,
    calls that method with ``numpy.random.default_rng(random_state)`` and returns a
    new sequence frame with the index of ``X`` (``X`` itself is never modified).
    The same ``random_state`` therefore gives bit-identical output on every call.

    Training code that needs fresh random views on every step calls
    :meth:`augment` with one persistent :class:`numpy.random.Generator`; two
    calls give two independent views. Neither ``augment`` nor
    ``_transform_ragged`` modifies its input; the Ragged returned may share
    unchanged arrays (for example the timestamps) with it.

    Examples
    --------
    A minimal operator that hides one item (writes the mask id 0 over it):

    >>> import numpy as np
    >>> from skrec.augmentation import BaseSequenceAugmenter
    >>> from skrec.sequence import Ragged, make_sequence_frame
    >>> class HideItem(BaseSequenceAugmenter):
    ...     def __init__(self, item=1, random_state=None):
    ...         self.item = item
    ...         self.random_state = random_state
    ...     def _transform_ragged(self, ragged, rng):
    ...         items = np.where(ragged.items == self.item, 0, ragged.items)
    ...         return Ragged(items, ragged.timestamps, ragged.offsets)
    >>> X = make_sequence_frame([[1, 2, 1], [3]], index=["ann", "bob"])
    >>> HideItem(item=1).fit_transform(X)["items"].tolist()
    [array([0, 2, 0]), array([3])]

    The same operator on the ragged level, as a training loop calls it:

    >>> from skrec.sequence import to_ragged
    >>> HideItem(item=1).augment(to_ragged(X), np.random.default_rng(0)).items
    array([0, 2, 0, 3])
    """

    _parameter_constraints: dict = {}

    # Operators that learn nothing in fit work unfitted (like FunctionTransformer).
    _requires_fit = False
    # Operators that learn an item similarity reject the mask id 0 in fit.
    _fit_rejects_zero = False

    def __init_subclass__(cls, **kwargs):
        # Sequence frames are not 2-D arrays: never wrap the output with set_output.
        kwargs.setdefault("auto_wrap_output_keys", None)
        super().__init_subclass__(**kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = self._requires_fit
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _check_X(self, X, *, fitting):
        return check_sequence_frame(
            X,
            allow_empty_sequences=True,
            allow_zero_items=not (fitting and self._fit_rejects_zero),
        )

    def _check_ragged(self, ragged, *, fitting):
        return check_ragged(
            ragged,
            allow_empty_sequences=True,
            allow_zero_items=not (fitting and self._fit_rejects_zero),
        )

    def fit(self, X, y=None):
        """Validate the parameters and the sequence frame ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame (columns ``items`` and ``timestamps``) of training
            sequences.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted operator.
        """
        return self._fit_validated(self._check_X(X, fitting=True))

    def fit_ragged(self, ragged, *, check_input=True):
        """Fit on sequences already in the flat :class:`~skrec.sequence.Ragged` form.

        The ragged-level twin of :meth:`fit`, for code that holds the flat
        arrays (a recommender, a sampler, a new operator).

        Parameters
        ----------
        ragged : Ragged
            Training sequences.
        check_input : bool, default=True
            Validate ``ragged`` (dtypes, offsets, positive ids, sorted
            timestamps; vectorized). Pass ``False`` only for data that has
            already been validated, as skrec does internally.

        Returns
        -------
        self : object
            The fitted operator.
        """
        if check_input:
            ragged = self._check_ragged(ragged, fitting=True)
        return self._fit_validated(ragged)

    def _fit_validated(self, ragged, cache=None):
        self._validate_params()
        self._fit(ragged, cache)
        self.n_sequences_fit_ = ragged.n_sequences
        return self

    def _fit(self, ragged, cache=None):
        """Learn what the operator needs; nothing by default.

        ``cache`` lets a composite share fitted sub-models (item similarities)
        between its operators.
        """

    def transform(self, X):
        """Return an augmented copy of the sequence frame ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame; item id 0 (a masked item) is accepted.

        Returns
        -------
        X_aug : pandas.DataFrame
            New sequence frame with the same index as ``X``; other columns of
            ``X`` are not carried over.
        """
        self._check_ready()
        ragged = self._check_X(X, fitting=False)
        out = self._transform_ragged(ragged, make_rng(self.random_state))
        return from_ragged(out, index=X.index, cells=cell_format(X), copy=False)

    def _check_ready(self):
        if self._requires_fit:
            check_is_fitted(self)
        else:
            self._validate_params()

    def augment(self, ragged, rng=None, *, check_input=True):
        """Augment sequences in the flat :class:`~skrec.sequence.Ragged` form.

        The ragged-level twin of :meth:`transform`.

        Parameters
        ----------
        ragged : Ragged
            Sequences to augment; item id 0 (a masked item) is accepted.
        rng : numpy.random.Generator, default=None
            Source of randomness. Pass one persistent generator to draw fresh
            views on every call (a training loop); ``None`` uses
            ``random_state``, so that the output is the same on every call, as
            for :meth:`transform`.
        check_input : bool, default=True
            Validate ``ragged`` first; ``False`` skips it for data that has
            already been validated.

        Returns
        -------
        Ragged
            The augmented sequences, one per input sequence, in order.
        """
        self._check_ready()
        if check_input:
            ragged = self._check_ragged(ragged, fitting=False)
        if rng is None:
            rng = make_rng(self.random_state)
        elif not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"rng must be a numpy.random.Generator or None, got {type(rng).__name__}."
            )
        return self._transform_ragged(ragged, rng)

    def fit_transform(self, X, y=None):
        """Fit to ``X`` and return its augmented copy (see :meth:`transform`).

        Parameters
        ----------
        X : pandas.DataFrame
            Sequence frame.
        y : None
            Ignored.

        Returns
        -------
        X_aug : pandas.DataFrame
        """
        return self.fit(X, y).transform(X)

    @abstractmethod
    def _transform_ragged(self, ragged, rng):
        """Augment every sequence of ``ragged``; return a new :class:`Ragged`."""
