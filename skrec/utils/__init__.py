"""Utilities."""

from skrec.utils._discovery import all_estimators
from skrec.utils._show_versions import show_versions

__all__ = ["all_estimators", "show_versions"]
