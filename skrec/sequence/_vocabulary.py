"""The item vocabulary: caller item ids to compact internal ids ``1..n_items``."""

import numpy as np

__all__ = ["ItemVocabulary", "check_item_ids", "NonIntegerItemIdError"]


class ItemVocabulary:
    """Sorted item ids and their compact internal ids ``1..n_items``.

    The one vocabulary of skrec's sequence models: a recommender, an item
    similarity or a training loop maps the ids it is given to ``1..n_items``
    (``0`` stays the padding id), so that every table is sized by the number
    of distinct items, never by the largest id.

    Parameters
    ----------
    items : array-like of int
        Item ids (repeats allowed); the vocabulary is their sorted set. Id
        ``0`` (padding) is dropped.

    Attributes
    ----------
    items : ndarray of shape (n_items,), dtype int64
        The known ids in increasing order; ``items[j]`` has internal id
        ``j + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> voc = ItemVocabulary(np.array([30, 10, 20, 10]))
    >>> voc.encode(np.array([20, 30, 99]))
    (array([2, 3, 0]), array([False, False,  True]))
    >>> voc.decode(np.array([1, 3, 0]))
    array([10, 30,  0])
    >>> len(ItemVocabulary([10**12, 2 * 10**7, 3]))
    3
    """

    def __init__(self, items):
        items = np.asarray(items, dtype=np.int64).ravel()
        if len(items) > 1 and not (items[1:] > items[:-1]).all():
            items = np.unique(items)  # sorted distinct ids skip the sort
        self.items = items[items != 0]
        # Ids that are already 1..n map to themselves: skip the search.
        n = len(self.items)
        self._identity = n > 0 and self.items[0] == 1 and self.items[-1] == n

    def __len__(self):
        return len(self.items)

    @property
    def n_items(self):
        """Number of known items (internal ids are ``1..n_items``)."""
        return len(self.items)

    def encode(self, ids):
        """Map ids to internal ids.

        Parameters
        ----------
        ids : array-like of int
            Any shape.

        Returns
        -------
        codes : ndarray of int64, same shape
            Internal id of each known item, 0 for the padding id and for
            unknown ids.
        unknown : ndarray of bool, same shape
            True where an id (other than 0) is not in the vocabulary.
        """
        ids = np.asarray(ids, dtype=np.int64)
        n = len(self.items)
        if n == 0:
            return np.zeros_like(ids), ids != 0
        if self._identity:
            unknown = (ids < 0) | (ids > n)
            return np.where(unknown, 0, ids), unknown
        pos = np.minimum(np.searchsorted(self.items, ids), n - 1)
        unknown = self.items[pos] != ids
        codes = pos + 1
        codes[unknown] = 0
        return codes, unknown & (ids != 0)

    def decode(self, codes):
        """Map internal ids back to item ids (0 stays 0).

        Parameters
        ----------
        codes : array-like of int
            Internal ids in ``0..n_items``.

        Returns
        -------
        ids : ndarray of int64, same shape
        """
        codes = np.asarray(codes, dtype=np.int64)
        padded = np.concatenate([[0], self.items])
        return padded[codes]


class NonIntegerItemIdError(ValueError, TypeError):
    """Item ids that are numbers but not integers (1.5, NaN, inf).

    Both a ``ValueError`` and a ``TypeError``, so that callers catching either
    keep working.
    """


def check_item_ids(ids, name="items", *, min_id=0, max_id=None):
    """Validate item ids and return them as an int64 array (any shape).

    The one check of skrec for item ids outside sequence frames (targets,
    queries, ranked lists, exclusions, encoded ids).

    Parameters
    ----------
    ids : array-like
        Integer ids, or floats holding integer values.
    name : str, default="items"
        How the argument is called in error messages.
    min_id : int or None, default=0
        Smallest valid id: 0 accepts the padding id, 1 does not; ``None``
        checks only that the ids are integers.
    max_id : int, default=None
        Largest valid id, if any.

    Returns
    -------
    ids : ndarray of int64

    Raises
    ------
    TypeError
        If the ids are not numbers.
    NonIntegerItemIdError
        If they are numbers but not integers (also a ``ValueError``).
    ValueError
        If an id lies outside ``min_id..max_id``.

    Examples
    --------
    >>> check_item_ids([3.0, 1], "y")
    array([3, 1])
    >>> check_item_ids([0, 2], "y", min_id=1)
    Traceback (most recent call last):
    ...
    ValueError: Item ids in y must be positive (0 is padding); got 0.
    """
    arr = np.asarray(ids)
    if arr.size == 0 and arr.dtype.kind not in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            raise NonIntegerItemIdError(
                f"{name} must hold item ids as integers; found a non-integer, NaN or "
                "infinite value."
            )
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold item ids as integers, got dtype {arr.dtype}.")
    # Values beyond int64 would wrap around (and read as negative): say so.
    limit = np.iinfo(np.int64).max
    if arr.size and (
        (arr.dtype.kind == "u" and arr.max() > limit)
        or (arr.dtype.kind == "f" and np.abs(arr).max() >= 2.0**63)
    ):
        big = int(arr.max()) if arr.dtype.kind == "u" else float(arr[np.abs(arr).argmax()])
        what = "too large" if big > 0 else "negative and too large in magnitude"
        raise ValueError(
            f"Item ids in {name} are {what}: {big} does not fit a 64-bit signed "
            f"integer (at most {limit}). Encode the ids first, e.g. with "
            "skrec.preprocessing.SequenceEncoder."
        )
    arr = arr.astype(np.int64, copy=False)
    if arr.size:
        low = arr.min()
        if min_id is not None and low < min_id:
            rule = {0: "non-negative", 1: "positive"}.get(min_id, f"at least {min_id}")
            raise ValueError(
                f"Item ids in {name} must be {rule} (0 is padding); got {int(low)}."
            )
        if max_id is not None and arr.max() > max_id:
            raise ValueError(
                f"Item ids in {name} must lie in {min_id}..{max_id}; got "
                f"{int(arr.max())}."
            )
    return arr
