"""Save a fitted recommender to one file and load it back, without pickle.

The file is a zip archive of three members:

``skrec.json``
    What the model is: the format version, the recommender's class, its
    architecture parameters (JSON numbers and strings only) and, when an
    encoder is saved with it, the encoder's settings and item vocabulary.
``weights.pt``
    The network's tensors and its item vocabulary, written by
    :meth:`~skorch.net.NeuralNet.save_params` and read back with
    ``torch.load(weights_only=True)``, which only accepts tensors and plain
    containers: loading a file never runs code from it.

Only what recommending needs is kept. CoSeRec, TiCoSeRec and CL4SRec train
the same encoder as SASRec (their contrastive loss and augmentation are
training-only), so they load back as a :class:`~skrec.recommenders.SASRec`
that ranks exactly as the trained model does; GRU4Rec and BERT4Rec (and a
contrastive model built on them with ``ContrastiveMixin``) load back as
themselves.
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["save_recommender", "load_recommender"]

_FORMAT = 1
# Parameters, besides the encoder's (``_module_params``), that define how a
# loaded model ranks.
_RANKING_PARAMS = ("max_seq_length", "eval_batch_size", "handle_unknown", "max_item_id")


def _saved_params(model):
    names = dict.fromkeys(tuple(model._module_params) + _RANKING_PARAMS)
    return {name: getattr(model, name) for name in names}


def _ranking_classes():
    from skrec.recommenders import BERT4Rec, GRU4Rec, SASRec

    return {cls.__name__: cls for cls in (SASRec, GRU4Rec, BERT4Rec)}


def _json_ids(values):
    """Item ids as JSON values (numpy scalars become Python numbers)."""
    out = []
    for v in np.asarray(values, dtype=object).tolist():
        if isinstance(v, np.generic):
            v = v.item()
        if not isinstance(v, (int, float, str, bool)) or isinstance(v, bool):
            raise TypeError(
                f"Item id {v!r} of type {type(v).__name__} cannot be saved; item ids "
                "must be integers, floats or strings."
            )
        out.append(v)
    return out


def save_recommender(path, model, encoder=None):
    """Save a fitted recommender, and optionally its log encoder, to ``path``.

    Parameters
    ----------
    path : str or path-like
        File to write (a zip archive; ``.skrec`` is a good suffix).
    model : SASRec, GRU4Rec, BERT4Rec, CoSeRec, TiCoSeRec or CL4SRec
        A fitted sequential recommender.
    encoder : SequenceEncoder, default=None
        The fitted encoder that turned the raw log into the model's item ids;
        saved with the model, it lets :func:`load_recommender` encode new logs
        and report recommendations in the raw ids.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skrec.sequence import make_sequence_frame
    >>> from skrec.recommenders import SASRec, load_recommender, save_recommender
    >>> X = make_sequence_frame([[1, 2, 3, 4], [2, 3, 4, 5]] * 10)
    >>> model = SASRec(hidden_size=16, n_heads=1, inner_size=16, max_seq_length=5,
    ...                max_epochs=2, train_split=None, verbose=0, random_state=0).fit(X)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "model.skrec"
    ...     save_recommender(path, model)
    ...     loaded = load_recommender(path).model
    >>> (loaded.recommend(X, k=2) == model.recommend(X, k=2)).all()
    np.True_
    """
    from skrec.recommenders import BaseSequentialRecommender

    if not isinstance(model, BaseSequentialRecommender) or (
        model._ranking_class is None
        or model._ranking_class.__name__ not in _ranking_classes()
    ):
        raise TypeError(
            "save_recommender saves skrec's sequential recommenders (SASRec, "
            "GRU4Rec, BERT4Rec, CoSeRec, TiCoSeRec, CL4SRec), got "
            f"{type(model).__name__}."
        )
    model._check_fitted()
    meta = {
        "format": _FORMAT,
        "class": type(model).__name__,
        "ranking_class": model._ranking_class.__name__,
        "params": _saved_params(model),
        "encoder": None,
    }
    if encoder is not None:
        if not hasattr(encoder, "classes_"):
            raise ValueError("The encoder is not fitted; pass the fitted SequenceEncoder.")
        meta["encoder"] = {
            "user_col": encoder.user_col,
            "item_col": encoder.item_col,
            "time_col": encoder.time_col,
            "classes": _json_ids(encoder.classes_),
        }
    weights = io.BytesIO()
    model.save_params(f_params=weights)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("skrec.json", json.dumps(meta, indent=1))
        archive.writestr("weights.pt", weights.getvalue())


def load_recommender(path, *, device="cpu"):
    """Load a recommender saved with :func:`save_recommender`.

    Nothing in the file is unpickled: the description is JSON and the weights
    are read with ``torch.load(weights_only=True)``.

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save_recommender`.
    device : str, default="cpu"
        Torch device of the loaded network.

    Returns
    -------
    loaded : Bunch
        ``model`` (a fitted :class:`~skrec.recommenders.SASRec`,
        :class:`~skrec.recommenders.GRU4Rec` or
        :class:`~skrec.recommenders.BERT4Rec`: the encoder that was trained), ``encoder`` (a fitted
        :class:`~skrec.preprocessing.SequenceEncoder` with
        ``handle_unknown="drop"`` and ``min_length=1``, or ``None``) and
        ``trained_as`` (the saved recommender's class name).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such model file: {str(path)!r}.")
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("skrec.json"))
            weights = archive.read("weights.pt")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(
            f"{path.name} is not a skrec model file (write one with save_recommender "
            "or 'skrec train --save')."
        ) from exc
    if meta.get("format") != _FORMAT:
        raise ValueError(
            f"{path.name} has model format {meta.get('format')!r}; this skrec reads "
            f"format {_FORMAT}."
        )
    # Files written before GRU4Rec and BERT4Rec existed hold SASRec encoders.
    name = meta.get("ranking_class", "SASRec")
    classes = _ranking_classes()
    if name not in classes:
        raise ValueError(
            f"{path.name} holds a {name!r} model, which this skrec cannot load "
            f"(it loads {sorted(classes)})."
        )
    model = classes[name](**meta["params"], device=device, verbose=0, train_split=None)
    model.load_params(f_params=io.BytesIO(weights))
    encoder = None
    if meta.get("encoder"):
        encoder = _encoder_from(meta["encoder"])
    return Bunch(model=model, encoder=encoder, trained_as=meta["class"])


def _encoder_from(spec):
    """A fitted SequenceEncoder with the saved vocabulary (refit on it alone)."""
    from skrec.preprocessing import SequenceEncoder

    classes = spec["classes"]
    encoder = SequenceEncoder(
        user_col=spec["user_col"], item_col=spec["item_col"], time_col=spec["time_col"],
        min_length=1, handle_unknown="drop",
    )
    # One user holding every item once: fit learns exactly the saved vocabulary
    # (sorted ids stay sorted, first-appearance order stays as saved).
    log = {spec["user_col"]: np.zeros(len(classes), dtype=np.int64),
           spec["item_col"]: pd.Series(classes, dtype=object if any(
               isinstance(c, str) for c in classes) else None)}
    if spec["time_col"] is not None:
        log[spec["time_col"]] = np.arange(len(classes), dtype=np.int64)
    encoder.fit(pd.DataFrame(log))
    saved = np.asarray(classes, dtype=object)
    if not np.array_equal(np.asarray(encoder.classes_, dtype=object), saved):
        raise ValueError("The saved item vocabulary could not be restored exactly.")
    return encoder
