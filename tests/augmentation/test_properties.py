"""Hypothesis properties of every operator against brute-force references."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone

from skrec.augmentation import (
    ItemSimilarity,
    LengthAwareAugmenter,
    RandomCrop,
    RandomInsert,
    RandomMask,
    RandomReorder,
    RandomSubstitute,
    TiCrop,
    TiInsert,
    TiMask,
    TiReorder,
    TiSubstitute,
)
from skrec.sequence import check_sequence_frame

from ._doubles import (
    ShiftSimilarity,
    cells,
    frame,
    reference_before_gaps,
    reference_ti_window,
)

GAPS = st.one_of(st.sampled_from([0, 0, 1, 2, 86400]), st.integers(0, 40))


@st.composite
def sequence_frames(draw, min_len=0, max_len=12, max_rows=6):
    n_rows = draw(st.integers(1, max_rows))
    items, times = [], []
    for _ in range(n_rows):
        n = draw(st.integers(min_len, max_len))
        items.append(draw(st.lists(st.integers(1, 30), min_size=n, max_size=n)))
        gaps = draw(st.lists(GAPS, min_size=max(n - 1, 0), max_size=max(n - 1, 0)))
        start = draw(st.integers(0, 10**9))
        times.append([start] + list(start + np.cumsum(gaps)) if n else [])
    return frame(items, times)


RATES = st.sampled_from([0.0, 0.1, 0.2, 0.5, 0.7, 1.0])
SIM = ShiftSimilarity(n_neighbors=3)


def _k_gap(rate, n):
    return 0 if n <= 1 else min(max(1, int(np.floor(rate * n))), n - 1)


def _k_any(rate, n):
    return min(max(1, int(np.floor(rate * n))), n)


def _expected_length(op, n):
    name, rate = type(op).__name__, op.rate
    if name.endswith("Crop"):
        return max(1, int(np.floor(rate * n))) if n else 0
    if name == "TiInsert":
        return n + _k_gap(rate, n) * op.max_insert_per_position
    if name == "RandomInsert":
        return n + _k_any(rate, n) * op.max_insert_per_position
    return n


OPERATORS = [
    TiCrop(random_state=0), TiCrop(mode="maximum", random_state=0),
    TiReorder(random_state=0), TiReorder(mode="maximum", random_state=0),
    TiMask(random_state=0), TiMask(mode="maximum"), TiMask(mode="minimum"),
    TiSubstitute(similarity=SIM), TiSubstitute(mode="maximum", similarity=SIM),
    TiInsert(similarity=SIM), TiInsert(mode="minimum", max_insert_per_position=2,
                                       similarity=SIM),
    RandomCrop(random_state=0), RandomReorder(random_state=0), RandomMask(random_state=0),
    RandomSubstitute(similarity=SIM, random_state=0),
    RandomInsert(similarity=SIM, max_insert_per_position=2, random_state=0),
]
OP_IDS = [f"{type(o).__name__}-{getattr(o, 'mode', '')}" for o in OPERATORS]


@pytest.mark.parametrize("op", OPERATORS, ids=OP_IDS)
@given(X=sequence_frames(), rate=RATES)
def test_operator_properties(op, X, rate):
    op = clone(op).set_params(rate=rate)
    before = (cells(X), cells(X, "timestamps"))
    out = op.fit(X).transform(X)
    again = clone(op).fit(X).transform(X)
    # input untouched, same random_state -> identical output
    assert (cells(X), cells(X, "timestamps")) == before
    assert cells(out) == cells(again) and cells(out, "timestamps") == cells(again, "timestamps")
    # a valid sequence frame: sorted timestamps, equal lengths
    check_sequence_frame(out, allow_empty_sequences=True, allow_zero_items=True)
    name = type(op).__name__
    for items_in, t_in, items, t in zip(before[0], before[1], cells(out),
                                        cells(out, "timestamps")):
        n = len(items_in)
        assert len(items) == _expected_length(op, n)
        allowed = set(items_in)
        if "Mask" in name:
            allowed.add(0)
        if "Substitute" in name or "Insert" in name:
            allowed |= {i + 100 * r for i in items_in for r in (1, 2, 3)}
        assert set(items) <= allowed
        if "Crop" in name and n:
            L = len(items)
            starts = [s for s in range(n - L + 1) if items_in[s:s + L] == items
                      and t_in[s:s + L] == t]
            assert starts
            if name == "TiCrop" and L >= 3:
                assert reference_ti_window(t_in, L, op.mode) in starts
        if "Reorder" in name or "Mask" in name or "Substitute" in name:
            assert t == t_in
        if "Reorder" in name:
            assert sorted(items) == sorted(items_in)
            diff = [j for j in range(n) if items[j] != items_in[j]]
            if diff:
                assert diff[-1] - diff[0] < max(int(np.floor(rate * n)), 2)
        if "Insert" in name:
            assert set(t_in) <= set(t)
            # the original items keep their order
            it = iter(items)
            assert all(any(x == y for y in it) for x in items_in)


@pytest.mark.parametrize("mode", ["minimum", "maximum"])
@given(X=sequence_frames(min_len=0), rate=RATES)
def test_gap_positions_match_brute_force(mode, X, rate):
    masked = TiMask(rate=rate, mode=mode, mask_value=999).fit_transform(X)
    subst = TiSubstitute(rate=rate, mode=mode, similarity=SIM).fit_transform(X)
    for items_in, t_in, m, s in zip(cells(X), cells(X, "timestamps"), cells(masked),
                                    cells(subst)):
        n = len(items_in)
        k_mask = min(int(np.floor(rate * n)), n - 1) if n > 1 else 0
        assert [j for j in range(n) if m[j] == 999] == reference_before_gaps(
            t_in, k_mask, mode)
        assert [j for j in range(n) if s[j] != items_in[j]] == reference_before_gaps(
            t_in, _k_gap(rate, n), mode)


@pytest.mark.parametrize(
    "op", [TiMask(mode="maximum"), TiSubstitute(similarity=SIM), TiInsert(similarity=SIM),
           TiCrop(rate=0.9)], ids=["mask", "substitute", "insert", "crop"])
@given(X=sequence_frames(min_len=4))
def test_batch_equals_one_sequence_at_a_time(op, X):
    # Deterministic operators (TiCrop with windows of >= 3 items) must not
    # depend on the other sequences of the batch.
    op = clone(op).fit(X)
    whole = op.transform(X)
    for i in range(len(X)):
        single = op.transform(X.iloc[[i]])
        assert cells(single) == [cells(whole)[i]]
        assert cells(single, "timestamps") == [cells(whole, "timestamps")[i]]


@given(X=sequence_frames(min_len=2, max_rows=8))
def test_items_come_from_input_or_real_similarity_table(X):
    sim = ItemSimilarity("itemcf", n_neighbors=2)
    for op in (TiSubstitute(rate=0.5, similarity=sim),
               TiInsert(max_insert_per_position=2, similarity=sim)):
        op.fit(X)
        out = op.transform(X)
        table = op.similarity_.neighbors_
        for items_in, items in zip(cells(X), cells(out)):
            allowed = set(items_in) | set(table[items_in].ravel().tolist())
            assert set(items) <= allowed


@given(X=sequence_frames(min_len=0, max_rows=8), seed=st.integers(0, 2**31))
def test_length_aware_rows_come_from_one_operator(X, seed):
    ops = [("crop", TiCrop(rate=0.5)), ("mask", TiMask(mode="maximum", mask_value=999))]
    aug = LengthAwareAugmenter(operators=ops, short_operators=("mask",),
                               augment_threshold=4, var_rank_not_aug_ratio=0.3,
                               random_state=seed).fit(X)
    out = aug.transform(X)
    assert cells(out) == cells(clone(aug).fit(X).transform(X))
    crop = cells(TiCrop(rate=0.5, random_state=0).fit_transform(X))
    mask = cells(TiMask(mode="maximum", mask_value=999).fit_transform(X))
    for items_in, crop_i, mask_i, items in zip(cells(X), crop, mask, cells(out)):
        options = [items_in, mask_i]
        if len(items_in) > 4:
            if len(crop_i) >= 3:
                options.append(crop_i)
            else:  # random short window: any window of that length
                L = len(crop_i)
                options += [items_in[s:s + L] for s in range(len(items_in) - L + 1)]
        assert items in options
