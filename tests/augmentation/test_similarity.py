"""Tests for skrec.augmentation.ItemSimilarity."""

import math
import pickle
import warnings
from collections import Counter
from itertools import permutations

import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrec.augmentation import ItemSimilarity
from skrec.augmentation._similarity import _combine_tables
from skrec.sequence import make_sequence_frame

# ---------------------------------------------------------------- references


def brute_force_similarity(sequences, iuf):
    """Pure-Python ItemCF(-IUF): {(a, b): sim} over co-occurring pairs, a != b."""
    sets = [set(s) - {0} for s in sequences]
    n_users = Counter(i for s in sets for i in s)
    co = Counter()
    for s in sets:
        if len(s) < 2:
            continue
        weight = 1.0 / math.log(1 + len(s)) if iuf else 1.0
        for a, b in permutations(s, 2):
            co[a, b] += weight
    return {(a, b): c / math.sqrt(n_users[a] * n_users[b]) for (a, b), c in co.items()}


def brute_force_table(sequences, iuf, k):
    """Reference neighbour table: rank by (-score, id), fill with the item."""
    sim = brute_force_similarity(sequences, iuf)
    n_items = max((i for s in sequences for i in s), default=0)
    neighbors = np.repeat(np.arange(n_items + 1)[:, None], k, axis=1)
    scores = np.zeros((n_items + 1, k))
    for a in range(n_items + 1):
        cands = sorted(
            ((round(v, 9), b, v) for (x, b), v in sim.items() if x == a),
            key=lambda t: (-t[0], t[1]),
        )[:k]
        for r, (_, b, v) in enumerate(cands):
            neighbors[a, r], scores[a, r] = b, v
    return neighbors, scores


def frame(sequences):
    """Sequence frame with uniform timestamps; item id 0 (padding) allowed."""
    return pd.DataFrame(
        {
            "items": [np.asarray(s, dtype=np.int64) for s in sequences],
            "timestamps": [np.arange(len(s)) for s in sequences],
        }
    )


# -------------------------------------------------------------- hand-worked


def hand_frame():
    """Tiny data worked by hand: user 2 repeats item 1 (sets count, not
    events) and user 3 carries the padding id 0, which is ignored."""
    return pd.DataFrame(
        {
            "items": [[1, 2, 3], [1, 2, 1], [2, 3, 4, 0]],
            "timestamps": [[0, 1, 2], [0, 1, 2], [0, 1, 2, 3]],
        }
    )


def test_hand_worked_itemcf():
    # N = {1: 2, 2: 3, 3: 2, 4: 1}; co(1,2)=2, co(1,3)=1, co(2,3)=2,
    # co(2,4)=1, co(3,4)=1, co(1,4)=0.
    X = hand_frame()
    sim = ItemSimilarity("itemcf", n_neighbors=3).fit(X)
    r6, r3, r2 = 2 / math.sqrt(6), 1 / math.sqrt(3), 1 / math.sqrt(2)
    assert sim.n_items_ == 4
    np.testing.assert_array_equal(
        sim.neighbors_,
        [[0, 0, 0], [2, 3, 1], [1, 3, 4], [2, 4, 1], [3, 2, 4]],
    )  # item 2: 1 and 3 tie at 2/sqrt(6); the smaller id comes first
    np.testing.assert_allclose(
        sim.scores_,
        [[0, 0, 0], [r6, 0.5, 0], [r6, r6, r3], [r6, r2, 0.5], [r2, r3, 0]],
    )


def test_hand_worked_itemcf_iuf():
    # Weights 1/log(1+|S_u|): users 1 and 3 hold 3 distinct items (1/ln 4),
    # user 2 holds 2 (1/ln 3).
    X = hand_frame()
    sim = ItemSimilarity("itemcf_iuf", n_neighbors=3).fit(X)
    w4, w3 = 1 / math.log(4), 1 / math.log(3)
    s12 = (w4 + w3) / math.sqrt(6)  # 0.6661
    s13 = w4 / 2  # 0.3607
    s23 = 2 * w4 / math.sqrt(6)  # 0.5890
    s24 = w4 / math.sqrt(3)  # 0.4165
    s34 = w4 / math.sqrt(2)  # 0.5101
    np.testing.assert_array_equal(
        sim.neighbors_,
        [[0, 0, 0], [2, 3, 1], [1, 3, 4], [2, 4, 1], [3, 2, 4]],
    )
    np.testing.assert_allclose(
        sim.scores_,
        [[0, 0, 0], [s12, s13, 0], [s12, s23, s24], [s23, s34, s13], [s34, s24, 0]],
    )
    np.testing.assert_allclose(sim.scores_[2, :3], [0.6661, 0.5890, 0.4165], atol=1e-4)
    np.testing.assert_allclose(
        sim.similarity([1, 2, 1, 3], [2, 4, 4, 1]), [s12, s24, 0.0, s13]
    )


def test_tie_rule_smaller_id_first():
    # Item 1 co-occurs once with each of 5, 3, 4, all held by one user each.
    X = make_sequence_frame([[1, 5], [4, 1], [3, 1]])
    for method in ("itemcf", "itemcf_iuf"):
        sim = ItemSimilarity(method, n_neighbors=3).fit(X)
        np.testing.assert_array_equal(sim.neighbors_[1], [3, 4, 5])
        assert sim.scores_[1, 0] == sim.scores_[1, 1] == sim.scores_[1, 2] > 0


def test_fillers_for_isolated_and_unseen_items():
    # 3 only ever appears alone; 4 and 5 never appear; 6 has one neighbour.
    X = make_sequence_frame([[1, 2], [3], [6, 1]])
    sim = ItemSimilarity("itemcf", n_neighbors=3).fit(X)
    assert sim.n_items_ == 6
    for item in (0, 3, 4, 5):
        np.testing.assert_array_equal(sim.neighbors_[item], [item] * 3)
        np.testing.assert_array_equal(sim.scores_[item], [0, 0, 0])
    np.testing.assert_array_equal(sim.neighbors_[6], [1, 6, 6])
    np.testing.assert_array_equal(sim.neighbors_[1], [2, 6, 1])
    assert sim.scores_[6, 0] > 0 and sim.scores_[6, 1] == 0
    assert sim.neighbors_.dtype == np.int64 and sim.scores_.dtype == np.float64


# ------------------------------------------------- brute force (hypothesis)

sequences_strategy = st.lists(
    st.lists(st.integers(0, 9), min_size=0, max_size=7), min_size=1, max_size=12
).filter(lambda seqs: any(i > 0 for s in seqs for i in s))


@pytest.mark.parametrize("method", ["itemcf", "itemcf_iuf"])
@given(sequences=sequences_strategy, k=st.integers(1, 6))
def test_itemcf_matches_brute_force(method, sequences, k):
    X = frame(sequences)
    sim = ItemSimilarity(method, n_neighbors=k).fit(X)
    expected_neighbors, expected_scores = brute_force_table(
        sequences, method == "itemcf_iuf", k
    )
    np.testing.assert_array_equal(sim.neighbors_, expected_neighbors)
    np.testing.assert_allclose(sim.scores_, expected_scores, rtol=1e-12, atol=1e-12)
    # pairwise similarity agrees with the same reference
    ref = brute_force_similarity(sequences, method == "itemcf_iuf")
    a, b = np.meshgrid(np.arange(sim.n_items_ + 2), np.arange(sim.n_items_ + 2))
    got = sim.similarity(a, b)
    want = np.vectorize(lambda x, y: ref.get((x, y), 0.0))(a, b)
    off_diag = a != b
    np.testing.assert_allclose(got[off_diag], want[off_diag], rtol=1e-12, atol=1e-12)


def test_itemcf_on_beauty_matches_brute_force_rows():
    from skrec.datasets import load_beauty

    X = load_beauty()
    sim = ItemSimilarity("itemcf_iuf", n_neighbors=10).fit(X)
    assert sim.n_items_ == 12101
    assert sim.neighbors_.shape == (12102, 10)
    # Independent check of a few rows: users holding the item, in Python.
    sets = [set(s) for s in X["items"]]
    n_users = Counter(i for s in sets for i in s)
    for item in np.random.default_rng(0).choice(np.arange(1, 12102), 5, replace=False):
        co = Counter()
        for s in sets:
            if item in s:
                w = 1 / math.log(1 + len(s))
                for b in s - {item}:
                    co[b] += w
        ranked = sorted(
            (
                (round(c / math.sqrt(n_users[item] * n_users[b]), 9), b)
                for b, c in co.items()
            ),
            key=lambda t: (-t[0], t[1]),
        )[:10]
        got = sim.neighbors_[item][: len(ranked)]
        np.testing.assert_array_equal(got, [b for _, b in ranked])
        np.testing.assert_allclose(
            sim.scores_[item][: len(ranked)], [s for s, _ in ranked], atol=1e-9
        )


# ------------------------------------------------------------------- lookup


def test_most_similar_lookup_and_unknown_ids():
    X = make_sequence_frame([[1, 2, 3], [1, 2], [3, 4]])
    sim = ItemSimilarity("itemcf", n_neighbors=2).fit(X)
    got = sim.most_similar([1, 4, 0, 99, 3], k=2)
    np.testing.assert_array_equal(got, [[2, 3], [3, 4], [0, 0], [99, 99], [4, 1]])
    assert got.dtype == np.int64
    np.testing.assert_array_equal(sim.most_similar(np.array([2, 1])), [[1], [2]])
    # any shape: a padded batch of sequences
    np.testing.assert_array_equal(
        sim.most_similar(np.array([[0, 1], [2, 3]]))[..., 0], [[0, 2], [1, 4]]
    )
    assert sim.most_similar(np.array([], dtype=np.int64), k=2).shape == (0, 2)


@pytest.mark.parametrize("k", [0, 3, -1])
def test_most_similar_bad_k(k):
    sim = ItemSimilarity("itemcf", n_neighbors=2).fit(make_sequence_frame([[1, 2]]))
    with pytest.raises(ValueError, match="n_neighbors"):
        sim.most_similar([1], k=k)


def test_most_similar_bad_ids():
    sim = ItemSimilarity("itemcf", n_neighbors=2).fit(make_sequence_frame([[1, 2]]))
    with pytest.raises(ValueError, match="negative"):
        sim.most_similar([1, -2])
    with pytest.raises(TypeError, match="integer"):
        sim.most_similar([1.5])
    with pytest.raises(TypeError, match="integer"):
        sim.most_similar(["a"])
    with pytest.raises(TypeError, match="k must be an integer"):
        sim.most_similar([1], k=1.0)


def test_unfitted_raises():
    with pytest.raises(NotFittedError):
        ItemSimilarity().most_similar([1])
    with pytest.raises(NotFittedError):
        ItemSimilarity().similarity([1], [2])


# ------------------------------------------------------------------ item2vec


def cluster_frame(n_clusters=3, size=6, n_users=60, length=8, seed=0):
    """Sequences that each stay inside one cluster of item ids."""
    rng = np.random.default_rng(seed)
    seqs = []
    for u in range(n_users):
        c = u % n_clusters
        seqs.append(rng.integers(1, size + 1, length) + c * size)
    return make_sequence_frame(seqs), size


def i2v(**kw):
    params = dict(
        n_neighbors=3,
        embedding_dim=16,
        epochs=15,
        batch_size=256,
        learning_rate=0.02,
        random_state=0,
    )
    params.update(kw)
    return ItemSimilarity("item2vec", **params)


def test_item2vec_neighbours_come_from_the_same_cluster():
    X, size = cluster_frame()
    sim = i2v().fit(X)
    cluster = (np.arange(sim.n_items_ + 1) - 1) // size
    items = np.arange(1, sim.n_items_ + 1)
    np.testing.assert_array_equal(
        cluster[sim.neighbors_[items]], np.repeat(cluster[items][:, None], 3, axis=1)
    )
    assert sim.embeddings_.shape == (sim.n_items_ + 1, 16)
    assert sim.loss_curve_[-1] < sim.loss_curve_[0]
    # rows are sorted and agree with the pairwise cosine
    assert np.all(np.diff(sim.scores_[1:], axis=1) <= 1e-6)
    np.testing.assert_allclose(
        sim.similarity(np.repeat(items, 3), sim.neighbors_[items].ravel()),
        sim.scores_[items].ravel(),
        atol=1e-5,
    )


def test_item2vec_deterministic_under_random_state(capsys):
    X, _ = cluster_frame()
    a = i2v(epochs=2, verbose=1).fit(X)
    b = i2v(epochs=2).fit(X)
    np.testing.assert_array_equal(a.embeddings_, b.embeddings_)
    np.testing.assert_array_equal(a.neighbors_, b.neighbors_)
    np.testing.assert_array_equal(a.scores_, b.scores_)
    assert not np.array_equal(
        a.embeddings_, i2v(epochs=2, random_state=1).fit(X).embeddings_
    )
    out = capsys.readouterr().out
    assert "epoch 1/2" in out and "epoch 2/2" in out and "loss" in out


def test_item2vec_unseen_items_are_fillers_and_never_neighbours():
    X = make_sequence_frame([[1, 2, 3], [2, 3, 1], [5, 1]])  # 4 never appears
    sim = i2v(n_neighbors=4, epochs=1).fit(X)
    np.testing.assert_array_equal(sim.neighbors_[4], [4] * 4)
    np.testing.assert_array_equal(sim.neighbors_[0], [0] * 4)
    assert not np.isin(sim.neighbors_[[1, 2, 3, 5], :3], [0, 4]).any()
    # 4 seen items: 3 real neighbours each, then the item itself
    np.testing.assert_array_equal(sim.neighbors_[[1, 2, 3, 5], 3], [1, 2, 3, 5])
    assert sim.similarity([4], [1])[0] == 0.0


def test_item2vec_topk_blocks_and_exact_ties():
    # Identical embeddings tie exactly; the smaller id must come first, also
    # when the tie straddles the k-th place and rows are ranked in blocks.
    import torch

    from skrec.augmentation._item2vec import _top_k_cosine

    emb = torch.tensor(
        [[0, 0], [1, 0], [0, 1], [0, 1], [0, 1], [1, 0.1]], dtype=torch.float32
    )
    seen = np.array([False, True, True, True, True, True])
    neighbors, scores = _top_k_cosine(emb, seen, 2, block_size=2)
    np.testing.assert_array_equal(neighbors[4], [2, 3])
    np.testing.assert_array_equal(neighbors[2], [3, 4])
    # item 1: 5 first, then 2, 3 and 4 tie at cosine 0 across the 2nd place
    np.testing.assert_array_equal(neighbors[1], [5, 2])
    np.testing.assert_array_equal(neighbors[0], [0, 0])
    np.testing.assert_allclose(scores[4], [1.0, 1.0])
    # k = 1: 3 and 4 tie for item 2 at the only place
    neighbors, _ = _top_k_cosine(emb, seen, 1, block_size=4)
    np.testing.assert_array_equal(neighbors[[2, 3, 4], 0], [3, 2, 2])


# -------------------------------------------------------------------- hybrid


def test_combine_tables_keeps_the_more_similar_model_hand_checked():
    # Model A: real scores {0.9, 0.1, 0.2} -> min 0.1, max 0.9.
    # Model B: real scores {0.5, 0.4, 0.8, 0.1} -> min 0.1, max 0.8.
    # Item 1: A top-1 (0.9-0.1)/0.8 = 1.0 > B (0.5-0.1)/0.7 = 0.571 -> A.
    # Item 2: A top-1 (0.2-0.1)/0.8 = 0.125 < B (0.8-0.1)/0.7 = 1.0 -> B.
    # Item 3: only B has neighbours -> B, although A's filler score is 0.
    a = (
        np.array([[0, 0], [2, 3], [1, 2], [3, 3]]),
        np.array([[0, 0], [0.9, 0.1], [0.2, 0.0], [0, 0]]),
    )
    b = (
        np.array([[0, 0], [3, 2], [3, 1], [1, 3]]),
        np.array([[0, 0], [0.5, 0.4], [0.8, 0.1], [0.1, 0]]),
    )
    neighbors, scores, chosen, ranges = _combine_tables([a, b])
    np.testing.assert_array_equal(chosen, [0, 0, 1, 1])
    np.testing.assert_array_equal(neighbors, [[0, 0], [2, 3], [3, 1], [1, 3]])
    np.testing.assert_allclose(ranges, [[0.1, 0.9], [0.1, 0.8]])
    np.testing.assert_allclose(scores, [[0, 0], [1, 0], [1, 0], [0, 0]], atol=1e-12)
    # The public reference keeps the larger normalised *distance*, i.e. it
    # would pick B for item 1 and A for item 2; skrec must not.
    assert neighbors[1, 0] == 2 and neighbors[2, 0] == 3


def test_hybrid_end_to_end_matches_its_parts():
    X, _ = cluster_frame()
    sim = ItemSimilarity(
        "hybrid",
        n_neighbors=3,
        embedding_dim=16,
        epochs=3,
        batch_size=256,
        learning_rate=0.01,
        random_state=0,
    ).fit(X)
    cf, w2v = sim.estimators_
    assert (cf.method, w2v.method) == ("itemcf_iuf", "item2vec")
    np.testing.assert_array_equal(
        w2v.embeddings_, i2v(epochs=3, learning_rate=0.01).fit(X).embeddings_
    )
    # independent normalised top-1 per model
    rows = np.arange(sim.n_items_ + 1)
    top1 = []
    for est in (cf, w2v):
        real = est.neighbors_ != rows[:, None]
        lo, hi = est.scores_[real].min(), est.scores_[real].max()
        top1.append(np.where(real[:, 0], (est.scores_[:, 0] - lo) / (hi - lo), -np.inf))
    expected_choice = (top1[1] > top1[0]).astype(int)
    np.testing.assert_array_equal(sim.chosen_, expected_choice)
    both = np.stack([cf.neighbors_, w2v.neighbors_])
    np.testing.assert_array_equal(sim.neighbors_, both[expected_choice, rows])
    assert set(np.unique(sim.chosen_[1:])) == {0, 1}  # both models get used here
    # hybrid similarity() is the chosen model's normalised score
    items = rows[1:]
    np.testing.assert_allclose(
        sim.similarity(items, sim.neighbors_[items, 0]),
        sim.scores_[items, 0],
        atol=1e-6,
    )


def test_hybrid_of_the_two_itemcf_variants():
    # Item 5: IUF's normalised top-1 is 0 (its min), ItemCF's is
    # (1/sqrt(2) - 2/3) / (2/sqrt(6) - 2/3) = 0.2699 -> ItemCF is used.
    X = make_sequence_frame([[1, 2, 3, 4, 5], [1, 3], [2, 4], [1, 2]])
    sim = ItemSimilarity(
        "hybrid", n_neighbors=2, hybrid_methods=("itemcf_iuf", "itemcf")
    ).fit(X)
    assert sim.chosen_[5] == 1 and sim.chosen_[1] == 0
    expected = (1 / math.sqrt(2) - 2 / 3) / (2 / math.sqrt(6) - 2 / 3)
    np.testing.assert_allclose(sim.scores_[5], [expected, expected])
    np.testing.assert_array_equal(sim.neighbors_[5], [3, 4])


@pytest.mark.parametrize(
    "methods", [("itemcf",), ("itemcf", "itemcf"), ("itemcf", "hybrid"), ("a", "b")]
)
def test_hybrid_methods_validated(methods):
    with pytest.raises(ValueError, match="hybrid_methods"):
        ItemSimilarity("hybrid", hybrid_methods=methods).fit(
            make_sequence_frame([[1, 2]])
        )


# ---------------------------------------------------------- sklearn contract


# The input is a sequence frame, declared with the tag two_d_array=False, so
# sklearn's generator only yields the checks that need no 2-D data (and warns
# that it skips the rest; the warning is expected and silenced here).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", SkipTestWarning)
    _sklearn_checks = parametrize_with_checks(
        [ItemSimilarity(), ItemSimilarity("item2vec", epochs=1)]
    )


@_sklearn_checks
def test_sklearn_compatible(estimator, check):
    check(estimator)


# Data-free API checks that sklearn skips for non-2-D input, run explicitly.
@pytest.mark.parametrize(
    "check_name",
    [
        "check_no_attributes_set_in_init",
        "check_estimator_repr",
        "check_get_params_invariance",
        "check_set_params",
        "check_do_not_raise_errors_in_init_or_set_params",
        "check_parameters_default_constructible",
        "check_mixin_order",
    ],
)
def test_sklearn_data_free_checks(check_name):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check_name)("ItemSimilarity", ItemSimilarity())


@pytest.mark.parametrize("method", ["itemcf", "itemcf_iuf", "item2vec", "hybrid"])
def test_fit_returns_self_and_keeps_params(method):
    X, _ = cluster_frame(n_users=6)
    est = ItemSimilarity(method, n_neighbors=2, epochs=1, random_state=0)
    before = joblib.hash(est.get_params())
    assert est.fit(X) is est
    assert joblib.hash(est.get_params()) == before


def test_tags_declare_sequence_input():
    from sklearn.utils import get_tags

    tags = get_tags(ItemSimilarity())
    assert tags.input_tags.two_d_array is False
    assert tags.target_tags.required is False


@pytest.mark.parametrize("method", ["itemcf", "itemcf_iuf", "item2vec", "hybrid"])
def test_clone_and_pickle_round_trip(method):
    X, _ = cluster_frame(n_users=12)
    est = ItemSimilarity(method, n_neighbors=2, epochs=1, random_state=0)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "neighbors_")
    est.fit(X)
    restored = pickle.loads(pickle.dumps(est))
    q = np.arange(0, est.n_items_ + 3)
    np.testing.assert_array_equal(restored.most_similar(q, 2), est.most_similar(q, 2))
    np.testing.assert_array_equal(
        restored.similarity(q, q[::-1]), est.similarity(q, q[::-1])
    )
    refit = clone(est).fit(X)
    np.testing.assert_array_equal(refit.neighbors_, est.neighbors_)
    assert est.set_params(n_neighbors=3).n_neighbors == 3


def test_fit_does_not_modify_input():
    X = pd.DataFrame({"items": [[1, 2, 0], [2, 3]], "timestamps": [[0, 1, 2], [5, 6]]})
    before = X.copy(deep=True)
    ItemSimilarity("itemcf").fit(X)
    pd.testing.assert_frame_equal(X, before)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "params, match",
    [
        ({"method": "cosine"}, "method"),
        ({"n_neighbors": 0}, "n_neighbors"),
        ({"n_neighbors": -3}, "n_neighbors"),
        ({"n_neighbors": 2.5}, "n_neighbors"),
        ({"method": "item2vec", "epochs": 0}, "epochs"),
        ({"method": "item2vec", "learning_rate": 0.0}, "learning_rate"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        ItemSimilarity(**params).fit(make_sequence_frame([[1, 2]]))


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[1, 2], [3, 4]]), TypeError, "sequence frame"),
        (pd.DataFrame({"items": [[1, 2]]}), ValueError, "timestamps"),
        (pd.DataFrame({"items": [], "timestamps": []}), ValueError, "empty"),
        (
            pd.DataFrame({"items": [[1, 2]], "timestamps": [[2, 1]]}),
            ValueError,
            "sorted",
        ),
        (
            pd.DataFrame({"items": [[1, -2]], "timestamps": [[1, 2]]}),
            ValueError,
            "non-negative",
        ),
        (pd.DataFrame({"items": [[1, 2]], "timestamps": [[1]]}), ValueError, "lengths"),
        (
            pd.DataFrame({"items": [[1.5, 2]], "timestamps": [[1, 2]]}),
            ValueError,
            "integers",
        ),
        (
            pd.DataFrame({"items": [[0, 0]], "timestamps": [[1, 2]]}),
            ValueError,
            "padding id 0",
        ),
    ],
)
def test_bad_frames(X, error, match):
    with pytest.raises(error, match=match):
        ItemSimilarity("itemcf").fit(X)
