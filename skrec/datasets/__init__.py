"""Bundled data sets and loaders for interaction logs.

Nothing is ever downloaded: bundled data ship compressed inside the package.
"""

from skrec.datasets._base import load_beauty, load_interactions

__all__ = ["load_beauty", "load_interactions"]
