"""skrec: scikit-learn compatible sequence augmentation, sequential recommenders
and imbalanced-learning tools.

Subpackages are imported on demand (``import skrec.augmentation``), as in
scikit-learn, so that ``import skrec`` stays cheap.
"""

from skrec.utils._show_versions import show_versions

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "show_versions"]
