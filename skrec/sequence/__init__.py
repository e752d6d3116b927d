"""The sequence layer: the data contract, the ragged core and its operations.

A *sequence frame* (:class:`pandas.DataFrame` with columns ``items`` and
``timestamps``, one row per user) is what users pass in; it is validated once,
by :func:`check_sequence_frame`, and turned into a :class:`Ragged`, the flat
*values + offsets* form that every hot path of skrec works on. This package is
the one owner of:

* the boundary: :func:`check_sequence_frame` / :func:`to_ragged`,
  :func:`check_ragged`, :func:`from_ragged`, :func:`make_sequence_frame`,
  :func:`cell_format` (object cells or Arrow list columns);
* the ragged core: :class:`Ragged` (``take``, ``windows``, ``gather``,
  ``drop_last``, ``append``, ``concat``), :func:`window_positions`,
  :func:`offsets_from_lengths`, :func:`segment_ids`, :func:`gaps`,
  :func:`gap_variance`, :func:`to_padded`;
* segment sorts and selections for operators: :func:`pack_segment_keys`,
  :func:`sort_segments`, :func:`select_smallest`, :func:`select_before_gaps`,
  :func:`select_random`, :func:`random_window_starts`;
* item ids: :class:`ItemVocabulary` and :func:`check_item_ids`.

See the user guide page "Extending skrec" for writing operators and models on
top of it.
"""

#: Name of the column of a sequence frame that holds each row's item ids.
ITEMS = "items"
#: Name of the column of a sequence frame that holds each row's timestamps.
TIMESTAMPS = "timestamps"

# The submodules import the two names above from here (defined first).
from ._frame import (  # noqa: E402
    cell_format,
    check_ragged,
    check_sequence_frame,
    from_ragged,
    make_sequence_frame,
    to_ragged,
)
from ._ragged import (  # noqa: E402
    PAD,
    Ragged,
    gap_variance,
    gaps,
    offsets_from_lengths,
    segment_ids,
    to_padded,
    window_positions,
)
from ._segments import (  # noqa: E402
    pack_segment_keys,
    random_window_starts,
    select_before_gaps,
    select_random,
    select_smallest,
    sort_segments,
)
from ._vocabulary import (  # noqa: E402
    ItemVocabulary,
    NonIntegerItemIdError,
    check_item_ids,
)

__all__ = [
    "ITEMS",
    "TIMESTAMPS",
    "PAD",
    "Ragged",
    "ItemVocabulary",
    "check_item_ids",
    "NonIntegerItemIdError",
    "check_sequence_frame",
    "check_ragged",
    "to_ragged",
    "from_ragged",
    "make_sequence_frame",
    "cell_format",
    "to_padded",
    "segment_ids",
    "gaps",
    "gap_variance",
    "offsets_from_lengths",
    "window_positions",
    "pack_segment_keys",
    "sort_segments",
    "select_smallest",
    "select_before_gaps",
    "select_random",
    "random_window_starts",
]
