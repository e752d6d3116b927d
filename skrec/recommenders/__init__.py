"""Sequential recommenders on sequence frames: SASRec, GRU4Rec, BERT4Rec, the
contrastive CoSeRec, TiCoSeRec and CL4SRec, and the Popularity and ItemKNN
baselines.

They are skorch ``NeuralNet`` subclasses, so callbacks, history, early
stopping, checkpoints, ``warm_start``, ``device`` and
``save_params``/``load_params`` work as in skorch, and scikit-learn tools
(``clone``, ``GridSearchCV``, pickle) work as for any estimator.
"""

from skrec.recommenders._base import BaseSequentialRecommender
from skrec.recommenders._baselines import ItemKNN, Popularity
from skrec.recommenders._batching import LengthBucketSampler
from skrec.recommenders._bert4rec import BERT4Rec, BERT4RecModule
from skrec.recommenders._callbacks import RankingScoring
from skrec.recommenders._coserec import CL4SRec, ContrastiveMixin, CoSeRec, TiCoSeRec
from skrec.recommenders._data import LastItemSplit, SequenceDataset
from skrec.recommenders._gru4rec import GRU4Rec, GRU4RecModule
from skrec.recommenders._modules import SASRecModule, sequence_representation
from skrec.recommenders._partitions import recommend_partitions
from skrec.recommenders._persistence import load_recommender, save_recommender
from skrec.recommenders._sasrec import SASRec

__all__ = [
    "SASRec",
    "GRU4Rec",
    "BERT4Rec",
    "CoSeRec",
    "TiCoSeRec",
    "CL4SRec",
    "ContrastiveMixin",
    "Popularity",
    "ItemKNN",
    "RankingScoring",
    "LastItemSplit",
    "SequenceDataset",
    "SASRecModule",
    "GRU4RecModule",
    "BERT4RecModule",
    "BaseSequentialRecommender",
    "LengthBucketSampler",
    "sequence_representation",
    "recommend_partitions",
    "save_recommender",
    "load_recommender",
]
